"""HGCN: Table VIII parameter counts, shapes per level, masks, determinism, gradients."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from aqabench.api import Batch, DataInfo
from aqabench.errors import UsageError
from aqabench_hgcn import defaults
from aqabench_hgcn.graphs import resample
from aqabench_hgcn.model import HGCN, build

# Official model (c=True, 1024-d, 10 clips), exact; the paper prints 1.2500/0.6935/0.4149/0.2757 M.
TABLE_VIII = {1: 1_250_508, 2: 693_452, 4: 414_924, 8: 275_660}
PAPER_M = {1: "1.2500", 2: "0.6935", 4: "0.4149", 8: "0.2757"}


def make_batch(features: torch.Tensor, lengths: list[int] | None = None) -> Batch:
    b, t, _ = features.shape
    lens = torch.tensor(lengths if lengths is not None else [t] * b)
    return Batch(features=features, lengths=lens, target=torch.rand(b), score=torch.rand(b))


def small(nodes: int = 12, groups: int = 2, **kw: object) -> HGCN:
    torch.manual_seed(0)
    return HGCN(64, nodes, groups, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("groups", [1, 2, 4, 8])
def test_parameter_count_reproduces_table_viii(groups: int) -> None:
    model = HGCN(1024, nodes=10, groups=groups)
    count = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert count == TABLE_VIII[groups]
    if groups > 1:
        assert f"{count / 1e6:.4f}" == PAPER_M[groups]
    else:  # the paper rounds the g=1 model (1.2505 M) to 1.25
        assert round(count / 1e6, 2) == float(PAPER_M[1])


def test_third_stage_adds_the_scene_graph() -> None:
    on, off = HGCN(1024, 10, 8), HGCN(1024, 10, 8, action_aggregation=False)
    n_on, n_off = (sum(p.numel() for p in m.parameters()) for m in (on, off))
    assert n_on - n_off == 2 * 256 * 64 // 8 + 49 + 1  # W1, W2, C (7x7), alpha of eq. 15
    assert f"{n_off / 1e6:.4f}" == "0.2715"  # the official class's default (c=False, g=8)


@pytest.mark.parametrize("length", [1, 7, 12, 29])
def test_shapes_through_each_level_for_any_length(length: int) -> None:
    model = small(nodes=12).eval()
    x = torch.randn(3, length, 64)
    lengths = torch.full((3,), length)
    shots = model.clip_refinement(x.transpose(1, 2), lengths)
    assert shots.shape == (3, 32, length)
    scenes, assignment = model.scene_construction(shots, lengths)
    assert scenes.shape == (3, 16, 7) and assignment.shape == (3, 7, length)
    torch.testing.assert_close(assignment.sum(1), torch.ones(3, length))
    video = model.action_aggregation(scenes)
    assert video.shape == (3, 8, 7)
    out = model(make_batch(x))
    assert out["score"].shape == (3,) and torch.isfinite(out["score"]).all()


def test_resample_keeps_stored_table_and_interpolates_ends() -> None:
    table = torch.arange(12.0).reshape(3, 4)
    assert resample(table, (3, 4)) is table
    wide = resample(table, (3, 7))
    torch.testing.assert_close(wide[:, [0, -1]], table[:, [0, -1]])
    torch.testing.assert_close(wide[:, 1], (table[:, 0] + table[:, 1]) / 2)


def test_scene_graph_is_causal() -> None:
    model = small().eval()
    scenes = torch.randn(2, 16, 7)
    weights = model.action_aggregation.graph(scenes)
    allowed = torch.ones(7, 7, dtype=torch.bool).tril()
    assert (weights[:, ~allowed] == 0).all() and (weights[:, allowed] > 0).all()
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 7))
    later = scenes.clone()
    later[:, :, 4:] += 5 * torch.randn(2, 16, 3)
    a, b = model.action_aggregation(scenes), model.action_aggregation(later)
    torch.testing.assert_close(a[:, :, :4], b[:, :, :4])
    assert not torch.allclose(a[:, :, 4:], b[:, :, 4:])


def test_motion_graph_is_banded_and_antisymmetric() -> None:
    model = small().eval()
    motion = torch.rand(2, 16, 9)
    graph = model.clip_refinement.motion_graph(motion, torch.tensor([9, 9]))
    offband = torch.ones(9, 9).triu(2).bool() | torch.ones(9, 9).tril(-2).bool()
    assert (graph[:, offband] == 0).all() and (graph.diagonal(dim1=1, dim2=2) == 1).all()
    off = graph - torch.eye(9)
    torch.testing.assert_close(off, -off.transpose(1, 2))


def test_padding_is_masked_everywhere() -> None:
    model = small().eval()
    x = torch.randn(2, 12, 64)
    noisy = x.clone()
    noisy[0, 8:] = 100 * torch.randn(4, 64)  # beyond the first video's length
    a, b = model(make_batch(x, [8, 12])), model(make_batch(noisy, [8, 12]))
    torch.testing.assert_close(a["score"], b["score"])
    assert (a["assignment"][0, :, 8:] == 0).all()
    shots = model.clip_refinement(x.transpose(1, 2), torch.tensor([8, 12]))
    graph = model.scene_construction.aggregation.graph(shots, torch.tensor([8, 12]))
    assert (graph[0, :, 8:] == 0).all() and (graph[1] > 0).all()


def test_eval_is_deterministic_and_batch_independent() -> None:
    model = small().eval()
    x = torch.randn(4, 15, 64)
    first, second = model(make_batch(x))["score"], model(make_batch(x))["score"]
    assert torch.equal(first, second)
    alone = torch.cat([model(make_batch(x[i:i + 1]))["score"] for i in range(4)])
    torch.testing.assert_close(first, alone)
    model.train()
    sampled = model(make_batch(x))
    assert not torch.allclose(sampled["score"], sampled["mu"])  # eq. 18 samples in training
    torch.testing.assert_close(sampled["mu"], first)


def test_gradients_reach_every_parameter() -> None:
    model = small(nodes=10).train()
    batch = make_batch(torch.randn(3, 10, 64), [10, 7, 4])
    losses = model.loss(model(batch), batch)
    losses["loss"].backward()
    for name, param in model.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


def test_build_checks_groups_and_resolves_nodes() -> None:
    info = DataInfo("x", None, 64, 0.0, 1.0, 10, 5, 40)
    config = {**defaults("toy-synth", None), "train_clips": 20}
    assert build(config, info).scene_construction.reduction.prior.shape == (7, 20)
    assert build({**config, "nodes": 9}, info).scene_construction.reduction.prior.shape == (7, 9)
    with pytest.raises(UsageError, match="divisible by 128"):
        build({**config, "g": 8}, info)


def test_defaults_follow_the_paper_and_aqa_benchmark() -> None:
    rg, fisv, other = defaults("rg-synth", "Ball"), defaults("fisv", "TES"), defaults("x", None)
    for config in (rg, fisv, other):
        assert (config["optimizer"], config["weight_decay"]) == ("adam", 1e-4)
        assert config["scheduler"] == "none" and config["action_aggregation"] is True
        assert config["train_clips"] == 68 and config["test_clips"] is None
        assert (config["input_norm"], config["init_sigma"]) == (None, 1.0)  # paper: no norm
    assert (rg["g"], rg["batch_size"], fisv["g"], fisv["batch_size"]) == (1, 8, 1, 8)
    assert rg["lr"] == fisv["lr"] == 3e-4 and other["lr"] == 1e-4
    assert other["g"] == 4


def test_input_norm_removes_the_video_offset_and_adds_no_parameters() -> None:
    paper, normed = small(), small(input_norm="centre_ln")
    assert sum(p.numel() for p in paper.parameters()) == sum(
        p.numel() for p in normed.parameters())
    normed.eval()
    x = torch.randn(2, 12, 64)
    shifted = x + 5 * torch.randn(2, 1, 64)  # a per-video offset
    shifted[0, 8:] = 0  # zero padding of the first video stays outside the mean
    x[0, 8:] = 0
    a, b = normed(make_batch(x, [8, 12])), normed(make_batch(shifted, [8, 12]))
    torch.testing.assert_close(a["score"], b["score"], atol=1e-4, rtol=1e-4)
    assert not torch.allclose(paper.eval()(make_batch(x, [8, 12]))["score"],
                              paper(make_batch(shifted, [8, 12]))["score"])


def test_init_sigma_is_one_raw_point_in_target_units() -> None:
    info = DataInfo("x", None, 64, 0.0, 1.0, 10, 5, 40)
    config = {**defaults("rg-synth", "Ball"), "train_clips": 12, "score_scale": 20.0}
    bias = build(config, info).score_regression.log_var.bias
    torch.testing.assert_close(torch.exp(0.5 * bias), torch.tensor([1 / 20.0]))
    default = build({**config, "init_sigma": None}, info).score_regression.log_var.bias
    assert default.abs().max() < 1  # PyTorch's default init
    with pytest.raises(UsageError, match="init_sigma"):
        build({**config, "init_sigma": -1.0}, info)
    with pytest.raises(UsageError, match="input_norm"):
        build({**config, "input_norm": "batch"}, info)


def test_trains_through_the_harness_bit_identically(tmp_path: Path) -> None:
    from aqabench.plugins import get_registry
    from aqabench.runner import RunRequest, run

    request = RunRequest(method="hgcn", dataset="rg-synth", subset="Ball", size="tiny",
                         epochs=2, overrides={"batch_size": 32}, out_dir=tmp_path)
    first, _, _ = run(request, get_registry())
    second, _, _ = run(replace(request, force=True), get_registry())  # replaces its record
    assert first["provenance"]["config"]["g"] == 1 and len(first["curve"]) == 2
    for key, value in first["predictions"].items():
        assert np.array_equal(np.asarray(value), np.asarray(second["predictions"][key])), key
    assert first["curve"][0]["train_loss"] == second["curve"][0]["train_loss"]


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="twins v5 (issue 18): HGCN reaches 0.22 on fisv-synth TES "
                   "in 10 epochs (ridge 0.50); a likely cause, not yet measured: its per-video "
                   "input centring removes v5's presentation signal, constant over a video")
def test_learns_fisv_synth_within_ten_epochs(tmp_path: Path) -> None:
    """Full fisv-synth-v5 TES (the default twin until 2026-12-07), defaults with
    input_norm=centre_ln (HGCN's default until v5), 10 epochs (~1.5 min): well above chance
    (v4: 0.64, ridge 0.37)."""
    from aqabench.plugins import get_registry
    from aqabench.runner import RunRequest, run

    request = RunRequest(method="hgcn", dataset="fisv-synth-v5", subset="TES", epochs=10,
                         overrides={"input_norm": "centre_ln"})
    record, _, _ = run(request, get_registry())
    assert record["final"]["srcc"] > 0.45
