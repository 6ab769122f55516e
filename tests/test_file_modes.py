"""Records, tables and extracted features respect the umask (mkstemp alone gives 0600)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from aqabench.extraction import save_npy_atomic
from aqabench.plugins import get_registry
from aqabench.results import write_json_atomic
from aqabench.runner import RunRequest, run


@pytest.fixture
def umask() -> Iterator[callable]:
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_atomic_writers_give_the_mode_open_would(tmp_path: Path, umask, mask: int,
                                                 expected: int) -> None:
    umask(mask)
    assert mode(write_json_atomic("{}\n", tmp_path / "a.json")) == expected
    assert mode(save_npy_atomic(np.zeros(3, np.float32), tmp_path / "f" / "a.npy")) == expected
    with open(tmp_path / "plain.txt", "w") as handle:
        handle.write("x")
    assert mode(tmp_path / "plain.txt") == expected


def test_run_record_and_table_are_0644_under_umask_022(tmp_path: Path, umask, run_cli) -> None:
    _, _, path = run(RunRequest(method="ridge", dataset="toy-synth", size="tiny", epochs=1,
                                out_dir=tmp_path / "runs"), get_registry())
    assert path is not None and mode(path) == 0o644
    code, _, err = run_cli("table", "--layout", "cofinal-tab1", str(tmp_path / "runs"),
                           "--out", str(tmp_path / "tab.md"))
    assert code == 0, err
    assert mode(tmp_path / "tab.md") == 0o644


def test_checkpoints_and_partial_states_are_0644_under_umask_022(tmp_path: Path,
                                                                 umask) -> None:
    from aqabench import resume

    def stop(row: dict) -> None:
        raise KeyboardInterrupt

    request = RunRequest(method="ridge", dataset="toy-synth", size="tiny", epochs=2,
                         out_dir=tmp_path / "runs", checkpoint=True, resume_every=0.0)
    with pytest.raises(KeyboardInterrupt):
        run(request, get_registry(), on_epoch=stop)
    (partial,) = (tmp_path / "runs" / resume.PARTIAL_FOLDER).glob("*.pt")
    assert mode(partial) == 0o644
    run(request, get_registry())
    (checkpoint,) = (tmp_path / "runs").glob("*.pt")
    assert mode(checkpoint) == 0o644
