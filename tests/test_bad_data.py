"""Bad-input campaign, data: every malformed real-format download is one line naming the file
(and sample) and the problem, exit 2, from both ``run`` and ``data check``; nothing written.

See docs/robustness.md; ``python benchmarks/bad_inputs.py`` prints the campaign summary."""

from __future__ import annotations

import os
import pathlib
import pickle
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.test_datasets_real import WRITERS, _dump, _rg_label, write_fisv, write_rg

FD_ANN = "Annotations/fine-grained_annotation_aqa.pkl"
MTL_ANN = "info/final_annotations_dict_with_dive_number.pkl"


def _npy_shape(path: Path, shape: str) -> None:
    """Rewrite the shape in a .npy header (same header length)."""
    data = path.read_bytes()
    start = data.index(b"'shape': (") + len(b"'shape': ")
    end = data.index(b")", start) + 1
    spaced = shape.encode().ljust(end - start + data[end:].index(b"}"))
    path.write_bytes(data[:start] + spaced + b"}" + data[data.index(b"}", end) + 1:])


def _edit(root: Path, name: str, change: Callable[[object], object]) -> None:
    path = root / name
    _dump(path, change(pickle.loads(path.read_bytes())))  # our own fixture


def _fd_field(index: int, value: object) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        def change(ann: dict) -> dict:
            ann[("01", 0)][index] = value
            return ann
        _edit(root, FD_ANN, change)
    return mutate


def _mtl_field(field: str, value: object) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        def change(ann: dict) -> dict:
            ann[(1, 1)][field] = value
            return ann
        _edit(root, MTL_ANN, change)
    return mutate


def _mtl_text_key(root: Path) -> None:
    def change(ann: dict) -> dict:
        ann[("one", 1)] = ann.pop((1, 1))
        return ann
    _edit(root, MTL_ANN, change)
    _edit(root, "info/train_split_0.pkl", lambda keys: [("one", 1), *keys[1:]])


def _fd_split(keys: list) -> Callable[[Path], None]:
    return lambda root: _dump(root / "Annotations" / "train_split.pkl", keys)


def _overlap(root: Path) -> None:
    train = pickle.loads((root / "Annotations" / "train_split.pkl").read_bytes())
    test = pickle.loads((root / "Annotations" / "test_split.pkl").read_bytes())
    _dump(root / "Annotations" / "test_split.pkl", [*test, train[0]])


def _bom(root: Path) -> None:
    path = root / "swintx_avg_fps25_clip32" / "train.txt"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())


# name: (dataset, mutation of the written tree, file named, problem text)
CASES: dict[str, tuple[str, Callable[[Path], None], str, str]] = {
    "npy negative shape": ("rg", lambda f: _npy_shape(f / "Ball_001.npy", "(-1, 1024)"),
                           "Ball_001.npy", "impossible shape (-1, 1024)"),
    "npy negative dims": ("rg", lambda f: _npy_shape(f / "Ball_002.npy", "(-2, -3)"),
                          "Ball_002.npy", "impossible shape"),
    "npy shape over int64": ("rg", lambda f: _npy_shape(f / "Ball_001.npy",
                                                        "(9223372036854775808, 1024)"),
                             "Ball_001.npy", "more data than the file holds"),
    "npy shape beyond the file": ("rg", lambda f: _npy_shape(f / "Ball_004.npy", "(99, 1024)"),
                                  "Ball_004.npy", "more data than the file holds"),
    "fd split key is a dict": ("finediving", _fd_split([{"folder": "01", "index": 0}]),
                               "train_split.pkl", "is not a (folder, index) pair"),
    "fd split key holds a list": ("finediving", _fd_split([("01", [0, 1])]),
                                  "train_split.pkl", "is not a (folder, index) pair"),
    "fd split key is a 3-tuple": ("finediving", _fd_split([("01", 0, 1)]),
                                  "train_split.pkl", "is not a (folder, index) pair"),
    "fd ragged frames_labels": ("finediving", _fd_field(4, [[2, 2], [15]]),
                                FD_ANN, "sample ('01', 0): frames_labels is not a flat array"),
    "fd text frames_labels": ("finediving", _fd_field(4, "abc"),
                              FD_ANN, "sample ('01', 0): frames_labels must be"),
    "fd score 1e300": ("finediving", _fd_field(1, 1e300), FD_ANN,
                       "sample ('01', 0): dive_score 1e+300 is out of range"),
    "mtl text judge_scores": ("mtl-aqa", _mtl_field("judge_scores", "seven"), MTL_ANN,
                              "sample (1, 1): judge_scores is not a flat array of numbers"),
    "mtl ragged judge_scores": ("mtl-aqa", _mtl_field("judge_scores", [[7, 7, 7], [7]]),
                                MTL_ANN, "sample (1, 1): judge_scores is not a flat array"),
    "mtl huge judge_scores": ("mtl-aqa", _mtl_field("judge_scores", [1e300] * 7), MTL_ANN,
                              "sample (1, 1): judge_scores must be 7 finite numbers"),
    "mtl score 1e300": ("mtl-aqa", _mtl_field("final_score", 1e300), MTL_ANN,
                        "sample (1, 1): final_score 1e+300 is out of range"),
    "mtl non-integer key": ("mtl-aqa", _mtl_text_key, MTL_ANN,
                            "sample key ('one', 1) is not a (video_no, sample_no) pair"),
    "rg score 1e300": ("rg", lambda f: _rg_label(f, "train", 1, "Ball_001 10.5 8.3 1e300 0 9"),
                       "train.txt", "line 2: Total_Score '1e300' is out of range"),
    "rg score beyond float32": ("rg", lambda f: _rg_label(f, "test", 1, "Ball_004 1 2 4e38 0 9"),
                                "test.txt", "Total_Score '4e38' is out of range"),
    "fisv score 1e300": ("fisv", lambda r: (r / "swintx_avg_fps25_clip32" / "train.txt")
                         .write_text("1 1e300 29.36 1\n2 30.5 27.0 0\n"), "train.txt",
                         "line 1: TES '1e300' is out of range"),
    "rg row matching no subset": ("rg", lambda f: _rg_label(f, "train", 3,
                                                            "Rope_001 7 6.5 13.5 0 92"),
                                  "train.txt", "line 4: video 'Rope_001' matches no subset"),
}
def _written(dataset: str, tmp_path: Path) -> Path:
    return WRITERS[dataset](tmp_path / "data")


def _root(dataset: str, written: Path) -> Path:
    return written.parent if dataset == "rg" else written


@pytest.mark.parametrize("case", sorted(CASES))
def test_run_refuses_bad_data_in_one_line(case: str, tmp_path: Path, run_cli) -> None:
    dataset, mutate, filename, problem = CASES[case]
    written = _written(dataset, tmp_path)
    mutate(written)
    out = tmp_path / "runs"
    code, _, stderr = run_cli("run", "--method", "ridge", "--dataset", dataset, "--data-root",
                              _root(dataset, written), "--epochs", "1", "--out", out)
    lines = stderr.strip().splitlines()
    assert code == 2 and len(lines) == 1, stderr
    assert filename in lines[0] and problem in lines[0], lines[0]
    assert not out.exists()


@pytest.mark.parametrize("case", sorted(CASES))
def test_data_check_reports_bad_data(case: str, tmp_path: Path, run_cli) -> None:
    dataset, mutate, filename, problem = CASES[case]
    written = _written(dataset, tmp_path)
    mutate(written)
    code, out, err = run_cli("data", "check", dataset, "--data-root", _root(dataset, written))
    assert code == 2, err
    assert any(filename in line and problem in line for line in out.splitlines()), out


def test_a_utf8_bom_in_a_label_file_is_not_part_of_the_first_id(tmp_path: Path,
                                                                run_cli) -> None:
    root = write_fisv(tmp_path / "data")
    _bom(root)
    code, out, err = run_cli("run", "--method", "ridge", "--dataset", "fisv", "--data-root",
                             root, "--epochs", "1", "--out", tmp_path / "runs")
    assert code == 0, err
    code, out, _ = run_cli("data", "check", "fisv", "--data-root", root)
    assert "\ufeff" not in out and "feature file is missing" not in out


def test_data_check_reports_a_finediving_train_test_overlap(tmp_path: Path, run_cli) -> None:
    root = _written("finediving", tmp_path)
    _overlap(root)
    code, out, _ = run_cli("data", "check", "finediving", "--data-root", root)
    assert code == 2 and "test_split.pkl: sample ('01', 0) is also in train" in out, out
    code, _, err = run_cli("run", "--method", "ridge", "--dataset", "finediving",
                           "--data-root", root, "--epochs", "1", "--out", tmp_path / "r")
    assert code == 2 and "is also in train" in err and len(err.splitlines()) == 1


def test_a_feature_folder_without_search_permission(tmp_path: Path, run_cli,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """As a user without root's capabilities: stat() inside the folder is EACCES."""
    folder = write_rg(tmp_path / "data")
    real_stat = pathlib.Path.stat

    def stat(self: pathlib.Path, *args, **kwargs):  # noqa: ANN001, ANN202
        if self.parent == folder and self.suffix == ".npy":
            raise PermissionError(13, "Permission denied", str(self))
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "stat", stat)
    code, out, err = run_cli("data", "check", "rg", "--data-root", folder.parent)
    assert code == 2 and "Ball_001.npy: cannot read (Permission denied)" in out, out + err
    code, _, err = run_cli("run", "--method", "ridge", "--dataset", "rg", "--data-root",
                           folder.parent, "--epochs", "1", "--out", tmp_path / "runs")
    assert code == 2 and "Permission denied" in err and len(err.splitlines()) == 1, err


def test_sound_fixtures_still_load(tmp_path: Path, run_cli) -> None:
    for dataset in ("rg", "fisv", "finediving", "mtl-aqa"):
        written = _written(dataset, tmp_path / dataset)
        code, _, err = run_cli("run", "--method", "ridge", "--dataset", dataset, "--data-root",
                               _root(dataset, written), "--epochs", "1",
                               "--out", tmp_path / "runs")
        assert code == 0, (dataset, err)


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="needs root and setpriv to drop the DAC capabilities")
def test_a_feature_folder_without_search_permission_for_real(tmp_path: Path) -> None:
    """The same, for real: root without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH (setpriv)."""
    folder = write_rg(tmp_path / "data")
    folder.chmod(0o600)  # no search (x) permission
    try:
        for args in (["data", "check", "rg"], ["run", "--method", "ridge", "--dataset", "rg",
                                               "--epochs", "1", "--out", str(tmp_path / "r")]):
            done = subprocess.run(
                ["setpriv", "--bounding-set=-dac_override,-dac_read_search", sys.executable,
                 "-m", "aqabench.cli", *args, "--data-root", str(folder.parent)],
                capture_output=True, text=True, timeout=300)
            assert done.returncode == 2, done.stderr
            assert "Traceback" not in done.stderr and "Permission denied" in done.stdout + \
                done.stderr, done.stderr
    finally:
        folder.chmod(0o755)
