"""Real-format loaders on tiny fixtures the tests write, and every malformed input we reject."""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from aqabench.api import DataRequest
from aqabench_datasets import real_diving, real_gdlt

RG_HEADER = "Video_Name\tDifficulty_Score  Execution_Score\tTotal_Score\tPenalty Video_length\n"
RG_ROWS = {"train": [("Ball_001", 10.5, 8.3, 18.8, 0.0), ("Ball_002", 8.0, 6.0, 13.7, 0.3),
                     ("Ball_003", 9.0, 7.0, 16.0, 0.0), ("Hoop_001", 7.0, 6.5, 13.5, 0.0),
                     ("Hoop_002", 9.5, 7.5, 17.0, 0.0)],
           "test": [("Ball_004", 11.0, 8.0, 19.0, 0.0), ("Ball_005", 7.5, 5.5, 13.0, 0.0),
                    ("Hoop_003", 8.0, 7.0, 15.0, 0.0)]}
FISV_ROWS = {"train": [(1, 28.71, 29.36, 1), (2, 30.5, 27.0, 0), (3, 25.0, 22.1, 0),
                       (4, 35.2, 31.0, 0)],
             "test": [(5, 20.0, 18.5, 2), (6, 33.3, 30.0, 0)]}


def _features(path: Path, length: int, dim: int = 1024, seed: int = 0) -> None:
    np.save(path, np.random.default_rng(seed).standard_normal((length, dim)).astype(np.float32))


def write_rg(root: Path) -> Path:
    folder = root / "swintx_avg_fps25_clip32"
    folder.mkdir(parents=True)
    for split, rows in RG_ROWS.items():
        lines = [f"{n}\t{d:.2f}\t{e:.2f}\t{t:.2f}\t{p:.2f}\t92\n" for n, d, e, t, p in rows]
        (folder / f"{split}.txt").write_text(RG_HEADER + "".join(lines))
        for i, row in enumerate(rows):
            _features(folder / f"{row[0]}.npy", 5 + i, seed=i)
    return folder


def write_fisv(root: Path) -> Path:
    folder = root / "fis-v" / "swintx_avg_fps25_clip32"
    folder.mkdir(parents=True)
    for split, rows in FISV_ROWS.items():
        (folder / f"{split}.txt").write_text("".join(f"{i} {t} {p} {d}\n" for i, t, p, d in rows))
        for vid, *_ in rows:
            _features(folder / f"{vid}.npy", 6 + vid, seed=vid)
    return folder.parent


def _dump(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(obj, protocol=2))


def write_finediving(root: Path) -> Path:
    ann, keys = {}, []
    for i in range(9):
        key = ("FINADivingWorldCup2021_Men3m_final_r1", i) if i % 2 else ("01", i)
        labels = np.array([2] * (30 + i) + [15] * 40 + [36] * 30, dtype=np.int64)
        ann[key] = ["205b" if i % 3 else "107b", 60.0 + i, 3.0, np.array([29 + i, 69 + i]),
                    labels]
        keys.append(key)
        path = root / "features" / key[0] / f"{key[1]}.npy"
        path.parent.mkdir(parents=True, exist_ok=True)
        _features(path, 96, dim=16, seed=i)
    _dump(root / "Annotations" / "fine-grained_annotation_aqa.pkl", ann)
    _dump(root / "Annotations" / "train_split.pkl", keys[:6])
    _dump(root / "Annotations" / "test_split.pkl", keys[6:])
    return root


def write_mtl(root: Path) -> Path:
    ann, keys = {}, []
    for i in range(6):
        key = (1 + i % 2, 1 + i)
        judges = np.array([7.0, 7.5, 8.0, 7.5, 7.0, 8.5, 6.5])
        ann[key] = {"final_score": 3.2 * 22.0 + i, "difficulty": 3.2, "judge_scores": judges,
                    "dive_number": "407C", "start_frame": 10, "end_frame": 120}
        keys.append(key)
        root.joinpath("features").mkdir(parents=True, exist_ok=True)
        _features(root / "features" / f"{key[0]:02d}_{key[1]:02d}.npy", 9, dim=8, seed=i)
    _dump(root / "info" / "final_annotations_dict_with_dive_number.pkl", ann)
    _dump(root / "info" / "train_split_0.pkl", keys[:4])
    _dump(root / "info" / "test_split_0.pkl", keys[4:])
    return root


# ------------------------------------------------------------------------------ good data
def test_rg_fixture_loads_with_counts_columns_and_extras(tmp_path: Path) -> None:
    folder = write_rg(tmp_path)
    bundle = real_gdlt.load_rg(DataRequest(subset="Ball", root=tmp_path))
    assert bundle.train.ids == ("Ball_001", "Ball_002", "Ball_003")
    assert bundle.test.ids == ("Ball_004", "Ball_005")
    assert bundle.train.scores.tolist() == pytest.approx([18.8, 13.7, 16.0])
    assert bundle.train.extras["penalty"].tolist() == pytest.approx([0.0, 0.3, 0.0])
    assert bundle.train.extras["difficulty"][0] == pytest.approx(10.5)
    assert bundle.train.lengths.tolist() == [5, 6, 7] and bundle.train.feature_dim == 1024
    assert bundle.backbone == "vst"
    stored = np.load(folder / "Ball_002.npy")
    assert torch.equal(bundle.train.features[1, :6], torch.from_numpy(stored))
    hoop = real_gdlt.load_rg(DataRequest(subset="Hoop", root=folder))  # root = feature folder
    assert (len(hoop.train), len(hoop.test)) == (2, 1)


def test_fisv_fixture_keeps_every_row_and_the_other_component(tmp_path: Path) -> None:
    root = write_fisv(tmp_path)
    tes = real_gdlt.load_fisv(DataRequest(subset="TES", root=root))
    assert tes.train.ids == ("1", "2", "3", "4")  # the first line is a sample, not a header
    assert tes.test.ids == ("5", "6")
    assert tes.train.scores[0] == pytest.approx(28.71)
    assert tes.train.extras["pcs"][0] == pytest.approx(29.36)
    assert tes.test.extras["deductions"].tolist() == [2.0, 0.0]
    pcs = real_gdlt.load_fisv(DataRequest(subset="PCS", root=root))
    assert pcs.train.scores[0] == pytest.approx(29.36) and "tes" in pcs.train.extras


def test_finediving_fixture_loads_dive_numbers_and_transitions(tmp_path: Path) -> None:
    bundle = real_diving.load_finediving(DataRequest(root=write_finediving(tmp_path)))
    assert (len(bundle.train), len(bundle.test)) == (6, 3)
    assert bundle.meta["dive_numbers"] == ["107b", "205b"]
    assert bundle.train.extras["dive_number"].tolist() == [0, 1, 1, 0, 1, 1]
    assert bundle.train.features.shape == (6, 96, 16)
    assert bundle.train.scores.tolist() == pytest.approx([60.0 + i for i in range(6)])
    # clip 0: 30 frames take-off, 40 flight, 30 entry = 100 frames sampled at 96 points
    picked = np.linspace(0, 99, 96).astype(int)
    expected = (int(np.argmax(picked >= 30)), int(np.argmax(picked >= 70)))
    assert tuple(bundle.train.extras["transitions"][0].tolist()) == expected


def test_mtl_fixture_loads_judges_and_difficulty(tmp_path: Path) -> None:
    bundle = real_diving.load_mtl(DataRequest(root=write_mtl(tmp_path)))
    assert (len(bundle.train), len(bundle.test)) == (4, 2)
    assert bundle.train.extras["judge_scores"].shape == (4, 7)
    assert bundle.meta["dive_numbers"] == ["407c"]
    assert bundle.train.ids[0] == "1/1"


# -------------------------------------------------------------------------- malformed data
def _rg_label(folder: Path, split: str, line: int, text: str) -> None:
    path = folder / f"{split}.txt"
    lines = path.read_text().splitlines()
    lines[line] = text
    path.write_text("\n".join(lines) + "\n")


class Exploit:
    def __reduce__(self) -> tuple[Callable[..., object], tuple[str]]:
        return (os.system, (f"touch {MARKER}",))


MARKER = Path("/tmp/aqabench-test-pickle-executed")


def _bad_pickle(root: Path) -> None:
    (root / "Annotations" / "train_split.pkl").write_bytes(pickle.dumps(Exploit()))


def _truncated(root: Path) -> None:
    path = root / "Annotations" / "fine-grained_annotation_aqa.pkl"
    path.write_bytes(path.read_bytes()[:200])


def _nan(folder: Path) -> None:
    x = np.load(folder / "Ball_002.npy")
    x[3, 7] = np.nan
    np.save(folder / "Ball_002.npy", x)


def _inf(folder: Path) -> None:
    x = np.load(folder / "Ball_004.npy")
    x[0, 0] = np.inf
    np.save(folder / "Ball_004.npy", x)


def _two_judges(root: Path) -> None:
    path = root / "info" / "final_annotations_dict_with_dive_number.pkl"
    ann = pickle.loads(path.read_bytes())  # our own fixture
    ann[(2, 2)]["judge_scores"] = np.array([7.0, 8.0])
    _dump(path, ann)


CASES: dict[str, tuple[str, Callable[[Path], None], str, str]] = {
    # name: (dataset, mutation of the written tree, file named, problem text)
    "missing root": ("rg", lambda f: None, "nowhere", "does not exist"),
    "missing feature file": ("rg", lambda f: (f / "Ball_003.npy").unlink(), "Ball_003.npy",
                             "feature file is missing"),
    "wrong feature dim": ("rg", lambda f: _features(f / "Ball_001.npy", 5, dim=512),
                          "Ball_001.npy", "wrong feature dim: expected 1024, got 512"),
    "ragged array": ("rg", lambda f: np.save(f / "Ball_001.npy", np.array(
        [np.zeros(3), np.zeros(4)], dtype=object), allow_pickle=True), "Ball_001.npy",
        "ragged/object array"),
    "empty array": ("rg", lambda f: np.save(f / "Ball_002.npy", np.zeros((0, 1024), np.float32)),
                    "Ball_002.npy", "empty feature array"),
    "1-d array": ("rg", lambda f: np.save(f / "Ball_002.npy", np.zeros(1024, np.float32)),
                  "Ball_002.npy", "expected a 2-d array"),
    "nan features": ("rg", _nan, "Ball_002.npy", "NaN or inf (first at clip 3)"),
    "inf features": ("rg", _inf, "Ball_004.npy", "NaN or inf"),
    "missing column": ("rg", lambda f: _rg_label(f, "train", 2, "Ball_002 8.0 6.0 13.7 0.3"),
                       "train.txt", "line 3: expected 6 columns"),
    "extra column": ("rg", lambda f: _rg_label(f, "test", 1, "Ball_004 1 2 3 4 5 6"),
                     "test.txt", "line 2: expected 6 columns"),
    "non-numeric score": ("rg", lambda f: _rg_label(f, "train", 1, "Ball_001 10.5 8.3 abc 0 9"),
                          "train.txt", "line 2: Total_Score 'abc' is not a number"),
    "missing label file": ("rg", lambda f: (f / "test.txt").unlink(), "test.txt",
                           "label file is missing"),
    "empty split": ("rg", lambda f: (f / "test.txt").write_text(RG_HEADER + "Hoop_003 8 7 15 0 "
                                                                 "92\n"),
                    "test.txt", "the test split has no Ball videos"),
    "duplicate ids": ("rg", lambda f: _rg_label(f, "train", 2, "Ball_001 8.0 6.0 13.7 0.3 92"),
                      "train.txt", "duplicate video id 'Ball_001'"),
    "fisv missing column": ("fisv", lambda r: (r / "swintx_avg_fps25_clip32" / "train.txt")
                            .write_text("1 28.71 29.36\n"), "train.txt",
                            "line 1: expected 4 columns"),
    "pickle executing code": ("finediving", _bad_pickle, "train_split.pkl",
                              "posix.system, which a data file may not use"),
    "truncated pickle": ("finediving", _truncated, "fine-grained_annotation_aqa.pkl",
                         "truncated pickle"),
    "split key not annotated": ("finediving", lambda r: _dump(
        r / "Annotations" / "test_split.pkl", [("nope", 1)]), "test_split.pkl",
        "sample ('nope', 1) is not in the annotation file"),
    "mtl wrong judges": ("mtl-aqa", _two_judges, "final_annotations_dict_with_dive_number.pkl",
                         "sample (2, 2): judge_scores must be 7 finite numbers"),
}
WRITERS = {"rg": write_rg, "fisv": write_fisv, "finediving": write_finediving,
           "mtl-aqa": write_mtl}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_input_is_one_line_exit_2_nothing_written(case: str, tmp_path: Path,
                                                            run_cli) -> None:
    dataset, mutate, filename, problem = CASES[case]
    written = WRITERS[dataset](tmp_path / "data")
    mutate(written)
    root = tmp_path / "nowhere" if case == "missing root" else written
    MARKER.unlink(missing_ok=True)
    out = tmp_path / "runs"
    code, stdout, stderr = run_cli("run", "--method", "ridge", "--dataset", dataset,
                                   "--data-root", root, "--epochs", "1", "--out", out)
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert filename in lines[0] and problem in lines[0], lines[0]
    assert not out.exists()
    assert not MARKER.exists()  # the pickle's payload never ran


def test_unknown_subset_is_a_usage_error(tmp_path: Path, run_cli) -> None:
    write_rg(tmp_path)
    code, _, stderr = run_cli("run", "--method", "ridge", "--dataset", "rg", "--subset", "Rope",
                              "--data-root", tmp_path, "--epochs", "1", "--out", tmp_path / "o")
    assert code == 2 and "unknown subset 'Rope'" in stderr and len(stderr.splitlines()) == 1


# ------------------------------------------------------------------------------ data check
def test_data_check_lists_every_problem_file_by_file(tmp_path: Path, run_cli) -> None:
    folder = write_rg(tmp_path)
    (folder / "Ball_003.npy").unlink()
    _nan(folder)
    _rg_label(folder, "test", 1, "Ball_004 1 2 x 4 5")
    code, out, _ = run_cli("data", "check", "rg", "--data-root", tmp_path)
    assert code == 2
    assert any("Ball_003.npy: feature file is missing" in line for line in out.splitlines())
    assert any("Ball_002.npy: features contain NaN" in line for line in out.splitlines())
    assert any("test.txt: line 2: Total_Score 'x' is not a number" in line
               for line in out.splitlines())


def test_data_check_of_a_sound_fixture_reports_only_the_official_counts(tmp_path: Path,
                                                                        run_cli) -> None:
    write_finediving(tmp_path)
    code, out, _ = run_cli("data", "check", "finediving", "--data-root", tmp_path)
    problems = out.strip().splitlines()
    assert code == 2 and len(problems) == 2
    assert "train_split.pkl: 6 samples, the official train split has 2251" in problems[0]
    assert "test_split.pkl: 3 samples, the official test split has 749" in problems[1]


def test_data_info_prints_tree_ceiling_and_citation(run_cli) -> None:
    code, out, _ = run_cli("data", "info", "rg")
    assert code == 0 and "swintx_avg_fps25_clip32" in out and "ACTION-NET" in out
    code, out, _ = run_cli("data", "info", "finediving-synth", "--size", "tiny")
    assert code == 0 and "ceiling" in out and "feature_dim: 32" in out
    code, _, err = run_cli("data", "check", "rg-synth", "--data-root", ".")
    assert code == 2 and "synthetic twin" in err
