"""Suite files are validated like ``--set``: one line naming the file and the cell, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aqabench import runner
from aqabench.bench import Suite
from aqabench.errors import DataError
from aqabench.plugins import get_registry

RIDGE = {"method": "ridge", "dataset": "toy-synth"}


def suite_file(tmp_path: Path, cells: list, **top) -> Path:
    path = tmp_path / "typo.json"
    path.write_text(json.dumps({"name": "typo", "size": "tiny", "cells": cells, **top}))
    return path


@pytest.mark.parametrize(("cells", "top", "message"), [
    ([{**RIDGE, "set": {"lrr": 0.1}}], {},
     "cells[0] (ridge toy-synth) set: bad lrr=...: unknown config key 'lrr'; did you mean lr?"),
    ([RIDGE], {"defaults": {"epoch": 3}},
     "cells[0] (ridge toy-synth) defaults: bad epoch=...: unknown config key 'epoch'; "
     "did you mean epochs?"),
    ([RIDGE, {**RIDGE, "subset": ["A"]}], {},
     "cells[1] (ridge toy-synth): unknown key 'subset'; did you mean 'subsets'?"),
    ([RIDGE, "ridge toy-synth"], {}, "cells[1]: a cell must be an object, got str"),
    ([{"dataset": "toy-synth"}], {}, "cells[0]: a cell needs a 'method' (a name)"),
    ([RIDGE], {"seed": [0]}, "unknown key 'seed'; did you mean 'seeds'?"),
    ([{**RIDGE, "set": {"epochs": "five"}}], {},
     "cells[0] (ridge toy-synth) set: bad epochs='five': expected a number"),
    ([{**RIDGE, "size": "small"}], {},
     "cells[0] (ridge toy-synth): size must be one of full, tiny, got 'small'"),
    ([{"method": "ridj", "dataset": "toy-synth"}], {},
     "cells[0] (ridj toy-synth): unknown method 'ridj'; did you mean 'ridge'?"),
])
def test_bad_suites_name_the_file_and_cell(tmp_path: Path, cells: list, top: dict,
                                           message: str) -> None:
    path = suite_file(tmp_path, cells, **top)
    with pytest.raises(DataError) as caught:
        Suite.load(str(path)).expand(get_registry())
    assert str(caught.value) == f"{path}: {message}"


def test_cli_exits_2_with_one_line(tmp_path: Path, run_cli) -> None:
    path = suite_file(tmp_path, [{**RIDGE, "subset": ["A"]}])
    code, out, err = run_cli("bench", "--suite", str(path), "--list")
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        f"aqabench: error: {path}: cells[0] (ridge toy-synth): unknown key 'subset'; "
        "did you mean 'subsets'?"]


def test_shipped_suites_validate_against_the_installed_plugins() -> None:
    for path in Path(runner.__file__).parent.joinpath("suites").glob("*.json"):
        assert Suite.load(str(path)).expand(get_registry())
