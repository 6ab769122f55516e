"""--select val: a seeded, score-stratified validation split; the epoch is chosen without test
labels; records without it stay as they were."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from aqabench import runner
from aqabench.api import FeatureSet
from aqabench.errors import UsageError
from aqabench.plugins import get_registry
from aqabench.results import load_frame, read_record
from aqabench.runner import RunRequest, run
from aqabench.splits import validation_index

RIDGE = {"method": "ridge", "dataset": "toy-synth", "size": "tiny", "epochs": 6}


def toy(n: int = 50) -> FeatureSet:
    scores = torch.linspace(0, 1, n)[torch.randperm(n, generator=torch.Generator().manual_seed(0))]
    return FeatureSet.from_sequences([f"v{i}" for i in range(n)],
                                     [torch.zeros(2, 1)] * n, scores)


def test_validation_split_is_seeded_stratified_and_disjoint() -> None:
    data = toy()
    rest, val = validation_index(data, 0.2, seed=0)
    assert len(val) == 10 and len(rest) == 40
    assert not set(rest.tolist()) & set(val.tolist())
    assert torch.equal(validation_index(data, 0.2, seed=0)[1], val)
    assert not torch.equal(validation_index(data, 0.2, seed=1)[1], val)
    ranks = np.argsort(np.argsort(data.scores.numpy()))
    strata = sorted(ranks[val.numpy()] // 5)  # one video from each fifth of the score ranks
    assert strata == list(range(10))
    with pytest.raises(UsageError, match="val_fraction=0.01 of 50"):
        validation_index(data, 0.01, seed=0)


def run_val(tmp_path: Path, name: str) -> dict:
    request = RunRequest(**RIDGE, overrides={"lr": 0.03, "select": "val"},
                         out_dir=tmp_path / name)
    return run(request, get_registry())[0]


def test_val_protocol_is_chosen_on_validation_srcc(tmp_path: Path) -> None:
    record = run_val(tmp_path, "val")
    curve = record["curve"]
    val_curve = [row["val_srcc"] for row in curve]
    assert record["val"]["chosen_on"] == "val" and record["best"]["chosen_on"] == "test"
    assert record["val"]["epoch"] == 1 + int(np.argmax(val_curve))
    assert record["val"]["val_srcc"] == max(val_curve)
    assert record["val"]["srcc"] == curve[record["val"]["epoch"] - 1]["test_srcc"]
    assert record["data"]["val_size"] + record["data"]["train_size"] == 96
    assert not set(record["data"]["val_ids"]) & set(record["predictions"]["ids"])
    assert len(record["predictions"]["val"]) == record["data"]["test_size"]
    assert record["val"]["srcc_ci"][0] < record["val"]["srcc"] < record["val"]["srcc_ci"][1]
    assert set(load_frame(tmp_path / "val").protocol) == {"final", "val", "best"}


def test_selection_never_reads_test_labels(tmp_path: Path, monkeypatch) -> None:
    """Reverse the test labels' order: best-on-test moves, the val-chosen epoch may not."""
    honest = run_val(tmp_path, "a")
    load = runner.load_bundle

    def reversed_test_labels(*args, **kwargs):
        bundle = load(*args, **kwargs)
        scores = bundle.test.scores
        bundle.test.scores = scores.max() + scores.min() - scores
        return bundle

    monkeypatch.setattr(runner, "load_bundle", reversed_test_labels)
    flipped = run_val(tmp_path, "b")
    assert flipped["best"]["epoch"] != honest["best"]["epoch"]  # the test would notice
    assert flipped["val"]["epoch"] == honest["val"]["epoch"]
    assert [r["val_srcc"] for r in flipped["curve"]] == [r["val_srcc"] for r in honest["curve"]]
    assert flipped["predictions"]["val"] == pytest.approx(honest["predictions"]["val"], abs=0)


def test_without_select_val_records_are_as_before(tmp_path: Path) -> None:
    record = run(RunRequest(**RIDGE, overrides={"lr": 0.03}, out_dir=tmp_path),
                 get_registry())[0]
    assert "val" not in record and "val" not in record["predictions"]
    assert not any(key.startswith("val_") for key in record["curve"][0])
    assert "val_size" not in record["data"]
    assert set(record) >= {"final", "best"} and record["best"]["chosen_on"] == "test"


def test_old_records_without_cis_or_val_still_load(tmp_path: Path) -> None:
    old = Path(__file__).resolve().parent.parent / "leaderboards" / "results"
    path = next(iter(sorted(old.glob("ridge__rg-synth__Ball__*.json"))))
    record = read_record(path)
    frame = load_frame(path)
    assert list(frame.protocol) == ["final", "best"]
    final = frame[frame.protocol == "final"].iloc[0]
    assert final.srcc_ci_low < record["final"]["srcc"] < final.srcc_ci_high
