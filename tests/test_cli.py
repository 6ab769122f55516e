"""CLI end to end on the toy dataset: exit codes, the record, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aqabench.results import load_frame, read_record

TINY = ("--dataset", "toy-synth", "--size", "tiny", "--epochs", "3")


def test_run_prints_srcc_and_writes_a_record(run_cli, tmp_path: Path) -> None:
    code, out, err = run_cli("run", "--method", "ridge", *TINY, "--set", "lr=0.03",
                             "--out", tmp_path)
    assert code == 0, err
    assert "SRCC" in out and "final epoch" in out and "best epoch (chosen on test)" in out
    record = read_record(next(tmp_path.glob("ridge__toy-synth__seed0__tiny__*.json")))
    assert record["identity"]["method"] == "ridge"
    assert record["final"]["epoch"] == 3 and len(record["curve"]) == 3
    assert record["best"]["chosen_on"] == "test"
    assert record["best"]["srcc"] == max(row["test_srcc"] for row in record["curve"])
    assert record["final"]["srcc"] == record["curve"][-1]["test_srcc"]
    assert 0.2 < record["final"]["srcc"] < 1.0
    prov = record["provenance"]
    assert prov["config"]["epochs"] == 3 and prov["device"] == "cpu"
    assert len(prov["config_hash"]) == 16 and prov["torch"]
    frame = load_frame(tmp_path)
    assert sorted(frame["protocol"]) == ["best", "final"]
    assert set(frame["method"]) == {"ridge"}


def test_two_runs_give_identical_metrics(run_cli, tmp_path: Path) -> None:
    for name in ("a", "b"):
        code, _, err = run_cli("run", "--method", "ridge", *TINY, "--set", "lr=0.03",
                               "--out", tmp_path / name)
        assert code == 0, err
    a, b = (json.loads(next((tmp_path / n).glob("ridge__toy-synth__seed0__tiny__*.json"))
                       .read_text()) for n in ("a", "b"))
    for key in ("final", "best", "curve", "predictions"):
        if key == "curve":
            for row in a[key] + b[key]:
                row.pop("train_seconds")
        assert json.dumps(a[key], sort_keys=True) == json.dumps(b[key], sort_keys=True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--method", "nosuch", "--dataset", "toy-synth"), "unknown method 'nosuch'"),
        (("--method", "ridg", "--dataset", "toy-synth"), "did you mean 'ridge'"),
        (("--method", "ridge", "--dataset", "toy-synt"), "unknown dataset 'toy-synt'"),
        (("--method", "ridge", *TINY, "--set", "lr"), "bad --set 'lr': expected KEY=VALUE"),
        (("--method", "ridge", *TINY, "--set", "lrr=0.1"), "unknown config key 'lrr'"),
        (("--method", "ridge", *TINY, "--set", "lr=fast"), "expected a number"),
        (("--method", "ridge", *TINY, "--set", "optimizer=lbfgs"), "optimizer must be one of"),
        (("--method", "ridge", *TINY, "--subset", "TES"), "has no subsets"),
        (("--method", "ridge", *TINY, "--device", "cuda:7"), "--device"),
    ],
)
def test_usage_errors_exit_2_with_one_line(run_cli, tmp_path: Path, args, message) -> None:
    code, out, err = run_cli("run", *args, "--out", tmp_path)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not list(tmp_path.glob("*.json"))  # nothing written


def test_set_parses_values_by_the_type_of_the_default() -> None:
    from aqabench.config import merge_config, parse_overrides

    config = merge_config(overrides=parse_overrides(
        ["scheduler=none", "train_clips=null", "lr=1e-3", "grad_clip=2"]))
    assert config["scheduler"] == "none" and config["train_clips"] is None
    assert config["lr"] == 0.001 and config["grad_clip"] == 2.0


def test_argparse_errors_exit_2(run_cli) -> None:
    code, _, err = run_cli("run", "--method", "ridge")
    assert code == 2 and "--dataset" in err
    code, _, _ = run_cli("frobnicate")
    assert code == 2


def test_plugins_and_list_commands(run_cli) -> None:
    code, out, _ = run_cli("plugins")
    assert code == 0
    for word in ("baseline", "ridge", "datasets", "toy-synth", "aqabench", "ok"):
        assert word in out
    code, out, _ = run_cli("list", "methods")
    assert code == 0 and "ridge" in out and "toy-synth" not in out


def test_video_centre_feature_norm_removes_per_video_offsets() -> None:
    import torch

    from aqabench.api import DataBundle, FeatureSet
    from aqabench.runner import normalise_features

    seqs = [torch.full((4, 3), 5.0) + torch.arange(4.0)[:, None], torch.full((2, 3), -7.0)]
    data = FeatureSet.from_sequences(["a", "b"], seqs, [1.0, 2.0])
    bundle = DataBundle(train=data, test=data.subset(torch.tensor([1, 0])))
    normalise_features(bundle, "video_centre")
    assert torch.allclose(bundle.train.features[0, :, 0], torch.tensor([-1.5, -0.5, 0.5, 1.5]))
    assert (bundle.train.features[1] == 0).all()  # constant video -> zeros, padding stays zero
    assert torch.allclose(bundle.test.features[1, :, 1], torch.tensor([-1.5, -0.5, 0.5, 1.5]))
