"""RG and Fis-V label files inside the feature folder or beside it (GDLT's release): both
load the same videos, and ``data info --data-root`` / ``data check`` say which was found."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from aqabench.api import DataRequest
from aqabench_datasets import real_gdlt

from .test_datasets_real import write_fisv, write_rg

WRITERS = {"rg": (write_rg, real_gdlt.load_rg, "Ball"),
           "fisv": (write_fisv, real_gdlt.load_fisv, "TES")}


def folder_of(root: Path, dataset: str) -> Path:
    return root / "swintx_avg_fps25_clip32" if dataset == "rg" \
        else root / "fis-v" / "swintx_avg_fps25_clip32"


def move_labels_beside(folder: Path) -> None:
    for split in ("train", "test"):
        (folder / f"{split}.txt").rename(folder.parent / f"{split}.txt")


@pytest.mark.parametrize("dataset", ["rg", "fisv"])
def test_labels_beside_the_feature_folder_load_the_same_videos(tmp_path: Path,
                                                               dataset: str) -> None:
    write, load, subset = WRITERS[dataset]
    inside, beside = tmp_path / "inside", tmp_path / "beside"
    write(inside)
    write(beside)
    move_labels_beside(folder_of(beside, dataset))
    root = (lambda r: r) if dataset == "rg" else (lambda r: r / "fis-v")
    a = load(DataRequest(subset=subset, root=root(inside)))
    b = load(DataRequest(subset=subset, root=root(beside)))
    assert a.train.ids == b.train.ids and a.test.ids == b.test.ids
    assert torch.equal(a.train.features, b.train.features)
    assert torch.equal(a.test.scores, b.test.scores)
    assert "inside it" in real_gdlt.found_layout(root(inside))
    assert "beside it (GDLT's release)" in real_gdlt.found_layout(root(beside))


def test_data_info_and_check_say_which_layout_was_found(tmp_path: Path, run_cli) -> None:
    write_rg(tmp_path / "inside")
    write_rg(tmp_path / "beside")
    move_labels_beside(folder_of(tmp_path / "beside", "rg"))
    code, out, _ = run_cli("data", "info", "rg", "--data-root", tmp_path / "inside")
    assert code == 0 and "labels train.txt and test.txt inside it" in out
    code, out, _ = run_cli("data", "info", "rg", "--data-root", tmp_path / "beside")
    assert code == 0 and "beside it (GDLT's release)" in out
    code, out, _ = run_cli("data", "check", "rg", "--data-root", tmp_path / "beside")
    first = out.splitlines()[0]
    assert first.startswith("rg: layout: features in ") and "beside it" in first
    code, out, _ = run_cli("data", "info", "rg")  # without --data-root: no layout line
    assert code == 0 and "layout: features" not in out


def test_layout_of_a_feature_folder_root_and_of_missing_labels(tmp_path: Path) -> None:
    folder = write_rg(tmp_path)
    assert real_gdlt.found_layout(folder).startswith(f"features in {folder}; labels train")
    (folder / "test.txt").rename(tmp_path / "test.txt")
    assert "train.txt inside, test.txt beside" in real_gdlt.found_layout(tmp_path)
    (tmp_path / "test.txt").unlink()
    (folder / "train.txt").unlink()
    assert "not found inside or beside it" in real_gdlt.found_layout(tmp_path)
    assert "does not exist" in real_gdlt.found_layout(tmp_path / "nope")
