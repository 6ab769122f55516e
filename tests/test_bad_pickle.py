"""Bad-input campaign, pickles: a tiny pickle of shared references ("billion laughs"), cycles,
deep nesting and array headers declaring huge shapes are refused within a second, naming the
file; real-sized annotation pickles still load."""

from __future__ import annotations

import pickle
import time
from pathlib import Path

import numpy as np
import pytest

from aqabench import safe_pickle
from aqabench.errors import DataError
from aqabench.pickle_limits import Limits
from tests.test_datasets_real import _dump, write_finediving

FD_ANN = "Annotations/fine-grained_annotation_aqa.pkl"


def laughs(levels: int = 9, width: int = 10) -> list:
    """``width ** levels`` leaves from ``levels`` shared lists: ~25 bytes a level."""
    inner: list = [2]
    for _ in range(levels):
        inner = [inner] * width
    return inner


def fd_bomb() -> bytes:
    """A FineDiving annotation pickle whose one sample's frames_labels is a billion laughs."""
    return pickle.dumps({("01", 0): ["107b", 60.0, 3.0, [1, 2], laughs()]}, protocol=2)


class HugeArray:
    def __reduce__(self):  # noqa: ANN204 - what a hostile file would hold
        return (np.ndarray, ((10**7, 10**7), "f8"))


class HugeReconstruct:
    def __reduce__(self):  # noqa: ANN204
        from numpy._core.multiarray import _reconstruct

        return (_reconstruct, (np.ndarray, (10**12,), b"b"))


def _cycle() -> bytes:
    loop: list = []
    loop.append(loop)
    return pickle.dumps({("01", 0): loop}, protocol=2)


def _deep() -> bytes:
    nested: list = [1]
    for _ in range(200):
        nested = [nested]
    return pickle.dumps(nested, protocol=2)


BOMBS = {
    "billion laughs (lists)": (fd_bomb, "objects once shared references are counted"),
    "billion laughs (strings)": (lambda: pickle.dumps([["x" * 1000] * 1000] * 2000, protocol=2),
                                 "bytes once shared references are counted"),
    "billion laughs (dict keys)": (lambda: pickle.dumps({(i, 0): laughs(7) for i in range(20)},
                                                        protocol=2), "objects"),
    "cycle": (_cycle, "refer to themselves"),
    "deep nesting": (_deep, "nesting deeper than"),
    "huge ndarray": (lambda: pickle.dumps(HugeArray(), protocol=2), "declares"),
    "huge _reconstruct": (lambda: pickle.dumps(HugeReconstruct(), protocol=2), "declares"),
}


@pytest.mark.parametrize("case", sorted(BOMBS))
def test_bombs_are_refused_within_a_second(case: str) -> None:
    make, problem = BOMBS[case]
    data = make()
    assert len(data) < 200_000
    start = time.perf_counter()
    with pytest.raises(DataError, match="bomb.pkl: pickle refused") as info:
        safe_pickle.loads(data, "bomb.pkl")
    assert time.perf_counter() - start < 1.0
    assert problem in str(info.value)


def test_the_230_byte_finediving_bomb_is_refused_by_run_and_check(tmp_path: Path,
                                                                  run_cli) -> None:
    root = write_finediving(tmp_path / "data")
    (root / FD_ANN).write_bytes(fd_bomb())
    assert len(fd_bomb()) < 300
    for args in (["run", "--method", "ridge", "--dataset", "finediving", "--epochs", "1",
                  "--out", str(tmp_path / "runs")], ["data", "check", "finediving"]):
        start = time.perf_counter()
        code, out, err = run_cli(*args, "--data-root", root)
        assert time.perf_counter() - start < 1.0
        assert code == 2 and "fine-grained_annotation_aqa.pkl: pickle refused" in out + err
    assert not (tmp_path / "runs").exists()


def test_real_sized_annotations_load_quickly(tmp_path: Path) -> None:
    """3000 FineDiving-like samples (a 100-frame label array each) are well inside Limits."""
    ann = {(f"folder{i // 10}", i): ["107b", 60.0, 3.0, np.array([29, 69]),
                                     np.arange(100, dtype=np.int64)] for i in range(3000)}
    _dump(tmp_path / "ann.pkl", ann)
    start = time.perf_counter()
    loaded = safe_pickle.load(tmp_path / "ann.pkl")
    assert time.perf_counter() - start < 2.0
    assert len(loaded) == 3000 and loaded[("folder0", 1)][4].tolist() == list(range(100))


def test_limits_are_configurable() -> None:
    data = pickle.dumps(list(range(100)), protocol=2)
    assert safe_pickle.loads(data, "ok.pkl") == list(range(100))
    with pytest.raises(DataError, match="more than 50 objects"):
        safe_pickle.loads(data, "small.pkl", Limits(objects=50))
