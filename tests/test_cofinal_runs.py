"""CoFInAl through the harness: seeded runs are identical; ablation switches work from the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from aqabench.cli import main
from aqabench.plugins import get_registry
from aqabench.runner import RunRequest, run

SMALL = {"dim_p": 16, "dim_s": 12, "procedures": 3, "subgrades": 6, "batch_size": 16}


@pytest.mark.parametrize("variant", ["paper", "code"])
def test_seeded_runs_are_identical(variant: str) -> None:
    overrides = {**SMALL, "variant": variant, "code_hidden": 16, "code_ffn": 32}
    records = [run(RunRequest(method="cofinal", dataset="toy-synth", epochs=2, size="tiny",
                              overrides=dict(overrides)), get_registry())[0] for _ in range(2)]
    first, second = (np.asarray(r["predictions"]["final"]) for r in records)
    assert np.array_equal(first, second)
    assert np.ptp(first) > 0  # a real prediction, not a constant
    assert records[0]["identity"]["variant"] == variant


@pytest.mark.parametrize("switch", ["use_lr", "use_tfm", "use_gpm", "use_fgs"])
def test_ablation_switch_from_the_cli(switch: str, tmp_path: Path) -> None:
    sets = [f"{k}={v}" for k, v in SMALL.items()] + [f"{switch}=false"]
    argv = ["run", "--method", "cofinal", "--dataset", "toy-synth", "--size", "tiny",
            "--epochs", "1", "--out", str(tmp_path)]
    for item in sets:
        argv += ["--set", item]
    assert main(argv) == 0
    record = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert record["provenance"]["config"][switch] is False
    assert np.isfinite(record["final"]["srcc"])


def test_unknown_switch_is_rejected() -> None:
    assert main(["run", "--method", "cofinal", "--dataset", "toy-synth", "--size", "tiny",
                 "--set", "use_tmf=false"]) == 2


def test_absorbed_tfm_run_is_read_as_the_default_model(tmp_path: Path) -> None:
    """--set tfm_form=absorbed: a record of its own (name and hash), listing the key under
    identity.numerics, its setting the default one, so a table shows it as 'Ours'."""
    from aqabench.leaderboard import _defaults
    from aqabench.table_layouts import setting_of

    argv = ["run", "--method", "cofinal", "--dataset", "toy-synth", "--size", "tiny",
            "--epochs", "2", "--out", str(tmp_path), "--set", "tfm_form=absorbed"]
    assert main(argv) == 0  # the paper's sizes: SMALL's keys would be a setting of their own
    path = next(tmp_path.glob("*.json"))
    record = json.loads(path.read_text())
    assert "tfm_form-absorbed" in path.name
    assert record["identity"]["numerics"] == ["tfm_form"]
    assert record["identity"]["setting"] is None
    assert setting_of(record, _defaults) == "Ours"
    assert np.ptp(record["predictions"]["final"]) > 0
