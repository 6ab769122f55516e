"""Checkpoints (``run --save-checkpoint``) and ``aqabench score`` end to end (fake backbone)."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from aqabench.api import Batch, DataInfo, MethodSpec
from aqabench.checkpoint import Checkpoint, load_checkpoint, restore_model
from aqabench.cli import main
from aqabench.commands.score import extras_tensors, predict
from aqabench.config import BASE_CONFIG
from aqabench.errors import DataError, UsageError
from aqabench.plugins import get_registry
from aqabench.runner import RunRequest, data_request, load_bundle, run
from aqabench.train import evaluate
from tests.test_backbones_support import FAKE_DIM, ramp_frames, registry, write_video

__all__ = ["registry"]


@pytest.fixture
def toy_checkpoint(registry, tmp_path: Path) -> tuple[Path, dict]:
    """ridge trained 3 epochs on toy-synth tiny (16-d features), checkpoint saved."""
    ckpt = tmp_path / "ridge.pt"
    record, state, _ = run(RunRequest(method="ridge", dataset="toy-synth", size="tiny", epochs=3,
                                      out_dir=tmp_path / "runs", checkpoint=ckpt), registry)
    return ckpt, {"record": record, "state": state}


def test_checkpoint_restores_the_trained_model(toy_checkpoint) -> None:
    ckpt, trained = toy_checkpoint
    loaded = load_checkpoint(ckpt)  # torch.load(weights_only=True) inside
    assert loaded.identity["method"] == "ridge" and loaded.identity["dataset"] == "toy-synth"
    assert loaded.info == trained["state"].info and loaded.info.feature_dim == FAKE_DIM
    assert loaded.config["score_scale"] == trained["state"].config["score_scale"]
    model = restore_model(loaded, get_registry().method("ridge"))
    toy = get_registry().dataset("toy-synth")
    bundle = load_bundle(toy, data_request(toy, None, None, "tiny"))
    again = evaluate(model, bundle.test, loaded.config, torch.device("cpu"))
    np.testing.assert_allclose(again.predictions, trained["record"]["predictions"]["final"],
                               rtol=0, atol=1e-9)
    with pytest.raises(UsageError, match="holds a 'ridge' model"):
        restore_model(loaded, MethodSpec(name="other", build="aqabench_baseline:build"))


def test_default_checkpoint_path_beside_the_record(registry, tmp_path: Path, capsys) -> None:
    out = tmp_path / "runs"
    assert main(["run", "--method", "ridge", "--dataset", "toy-synth", "--size", "tiny",
                 "--epochs", "1", "--out", str(out), "--save-checkpoint"]) == 0
    (record,) = out.glob("ridge__toy-synth__seed0__tiny__epochs-1__c*.json")
    assert record.with_suffix(".pt").is_file()
    assert record.with_suffix(".pt").name in capsys.readouterr().out
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left


class Boom:
    def __reduce__(self):
        return (os.system, ("touch PWNED",))


def test_malicious_or_wrong_checkpoint_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    evil = tmp_path / "evil.pt"
    torch.save({"format": "aqabench-checkpoint", "x": Boom()}, evil, pickle_protocol=2)
    with pytest.raises(DataError, match="evil.pt"):
        load_checkpoint(evil)
    assert not (tmp_path / "PWNED").exists()
    plain = tmp_path / "plain.pt"
    torch.save({"weights": torch.zeros(2)}, plain)
    with pytest.raises(DataError, match="not an aqabench checkpoint"):
        load_checkpoint(plain)
    junk = tmp_path / "junk.pt"
    junk.write_bytes(pickle.dumps([1, 2], protocol=2) + b"garbage")
    with pytest.raises(DataError, match="junk.pt"):
        load_checkpoint(junk)


def test_score_features_and_video(toy_checkpoint, tmp_path: Path, capsys) -> None:
    ckpt, _ = toy_checkpoint
    loaded = load_checkpoint(ckpt)
    model = restore_model(loaded, get_registry().method("ridge"))
    features = torch.randn(5, FAKE_DIM, generator=torch.Generator().manual_seed(0))
    np.save(tmp_path / "clip.npy", features.numpy())
    args = ["score", str(tmp_path / "clip.npy"), "--method", "ridge", "--checkpoint", str(ckpt)]
    assert main([*args, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    batch = Batch(features[None], torch.tensor([5]), torch.zeros(1), torch.zeros(1))
    with torch.inference_mode():
        expected = float(model(batch)["score"][0]) * loaded.config["score_scale"] \
            + loaded.config["score_shift"]
    assert result["score"] == pytest.approx(expected, abs=1e-5)
    assert result["clips"] == 5 and result["backbone"] == "precomputed"

    video = write_video(tmp_path / "dive.mp4", ramp_frames(24))
    assert main(["score", str(video), "--method", "ridge", "--checkpoint", str(ckpt),
                 "--backbone", "fake"]) == 0
    shown = capsys.readouterr().out
    assert "dive.mp4" in shown and "score" in shown and "3 (fake)" in shown


def test_score_refuses_mismatches(toy_checkpoint, tmp_path: Path, capsys) -> None:
    ckpt, _ = toy_checkpoint
    np.save(tmp_path / "wide.npy", np.zeros((4, FAKE_DIM + 1), np.float32))
    assert main(["score", str(tmp_path / "wide.npy"), "--method", "ridge",
                 "--checkpoint", str(ckpt)]) == 2
    assert "17-d" in capsys.readouterr().err
    assert main(["score", str(tmp_path / "missing.mp4"), "--method", "ridge",
                 "--checkpoint", str(ckpt)]) == 2
    assert "missing.mp4" in capsys.readouterr().err
    assert main(["score", str(tmp_path / "wide.npy"), "--method", "ridge",
                 "--checkpoint", str(tmp_path / "none.pt")]) == 2
    assert "none.pt" in capsys.readouterr().err


class StagedModel(torch.nn.Module):
    """Needs the ``difficulty`` extra; returns stage boundaries and a large map as well."""

    def forward(self, batch: Batch) -> dict[str, torch.Tensor]:
        difficulty = batch.extras["difficulty"].float()
        mean = batch.features.mean(dim=(1, 2))
        return {"score": mean * difficulty,
                "transitions": torch.stack([mean, mean + 1], dim=1),
                "attention": torch.zeros(len(batch), 10, 10)}


def test_predict_reports_small_outputs_and_needs_extras(tmp_path: Path) -> None:
    config = {**BASE_CONFIG, "score_shift": 1.0, "score_scale": 2.0}
    ckpt = Checkpoint(tmp_path / "x.pt", {"method": "staged"}, config,
                      DataInfo("d", None, 4, 0, 1, 1, 1, 3), {})
    features = torch.full((3, 4), 0.5)
    result = predict(ckpt, StagedModel(), "v", features, extras_tensors(["difficulty=3"]),
                     torch.device("cpu"))
    assert result["score"] == pytest.approx(0.5 * 3 * 2.0 + 1.0)
    assert result["detail"] == {"transitions": [0.5, 1.5]}  # the 100-value map is left out
    with pytest.raises(UsageError, match="--extra difficulty=VALUE"):
        predict(ckpt, StagedModel(), "v", features, {}, torch.device("cpu"))
    with pytest.raises(UsageError, match="expected a number"):
        extras_tensors(["difficulty=hard"])
