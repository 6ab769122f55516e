"""CoFInAl paper model: ETF, grade grid, L_R, ablation switches, gradients, batch independence."""

from __future__ import annotations

import math

import pytest
import torch

from aqabench.api import Batch, DataInfo
from aqabench.config import merge_config
from aqabench.errors import UsageError
from aqabench_cofinal.defaults import defaults
from aqabench_cofinal.fgs import FGS, simplex_etf
from aqabench_cofinal.gpm import graph_regulariser
from aqabench_cofinal.grades import GradeGrid
from aqabench_cofinal.model import CoFInAl, build

DIM = 24
INFO = DataInfo("toy-synth", None, DIM, 0.0, 10.0, 40, 20, 30)


def small_config(**overrides: object) -> dict:
    config = merge_config(defaults("toy-synth", None), overrides={
        "dim_p": 16, "dim_s": 12, "procedures": 3, "subgrades": 6, "score_shift": 0.0,
        "score_scale": 10.0, **overrides})
    return config


def make_batch(count: int = 4, length: int = 9, seed: int = 0) -> Batch:
    g = torch.Generator().manual_seed(seed)
    lengths = torch.full((count,), length)
    lengths[0] = length - 3  # one padded row
    target = torch.rand(count, generator=g) * 0.95
    return Batch(features=torch.randn(count, length, DIM, generator=g), lengths=lengths,
                 target=target, score=target * 10)


def n_params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# ------------------------------------------------------------------------------------ FGS / ETF
def test_etf_is_a_simplex_frame() -> None:
    k = 7
    etf = simplex_etf(16, k, seed=3)
    gram = etf.T @ etf
    assert torch.allclose(gram.diagonal(), torch.ones(k), atol=1e-5)  # equal (unit) norms
    off = gram[~torch.eye(k, dtype=torch.bool)]
    assert torch.allclose(off, torch.full_like(off, -1 / (k - 1)), atol=1e-5)
    assert torch.equal(etf, simplex_etf(16, k, seed=3))
    assert not torch.equal(etf, simplex_etf(16, k, seed=4))
    with pytest.raises(ValueError):
        simplex_etf(5, 7)


def test_etf_is_not_trainable() -> None:
    model = build(small_config(), INFO)
    assert isinstance(model.fgs, FGS)
    assert not model.fgs.etf.requires_grad
    assert all(p is not model.fgs.etf for p in model.parameters())
    assert "fgs.etf" in model.state_dict()  # saved with the checkpoint, not optimised


# ---------------------------------------------------------------------------------- grade grid
def test_decomposition_round_trips_on_the_grid() -> None:
    grid = GradeGrid(grades=7, subgrades=10, grade_width=1.0)
    grade, sub = torch.meshgrid(torch.arange(7), torch.arange(10), indexing="ij")
    scores = grid.compose(grade.flatten().float(), sub.flatten().float())
    back_grade, back_sub = grid.decompose(scores)
    assert torch.equal(back_grade, grade.flatten()) and torch.equal(back_sub, sub.flatten())
    # inside a sub-grade cell the floor keeps the cell; outside the grid it saturates
    g, s = grid.decompose(torch.tensor([2.34, -0.5, 9.0]))
    assert g.tolist() == [2, 0, 6] and s.tolist() == [3, 0, 9]


@pytest.mark.parametrize(("dataset", "subset", "top_raw"), [
    ("rg-synth", "Ball", 24.0), ("fisv-synth", "TES", 42.81), ("fisv-synth", "PCS", 38.28)])
def test_defaults_make_every_real_score_reachable(dataset: str, subset: str,
                                                  top_raw: float) -> None:
    cfg = defaults(dataset, subset)
    grid = GradeGrid(cfg["grades"], cfg["subgrades"], cfg["grade_width"])
    assert grid.top * cfg["score_scale"] + cfg["score_shift"] >= top_raw
    assert cfg["subgrades"] <= cfg["dim_s"]


# ----------------------------------------------------------------------------------------- L_R
def test_graph_regulariser_rewards_the_quality_layout() -> None:
    count, step = 6, math.pi / 6
    angles = torch.arange(count) * step  # prototype i at angle i·step on a great circle
    ordered = torch.zeros(count, 8)
    ordered[:, 0], ordered[:, 1] = torch.cos(angles), torch.sin(angles)
    shuffled = ordered[torch.tensor([3, 0, 5, 1, 4, 2])]
    assert graph_regulariser(ordered) < 1e-4
    assert graph_regulariser(shuffled) > 0.05
    assert graph_regulariser(torch.randn(1, 8)) == 0


# ------------------------------------------------------------------------------ the ablations
@pytest.mark.parametrize("switch", ["use_tfm", "use_gpm", "use_fgs"])
def test_each_module_switch_removes_its_module(switch: str) -> None:
    batch = make_batch()
    torch.manual_seed(0)
    full = build(small_config(), INFO).eval()
    torch.manual_seed(0)
    ablated = build(small_config(**{switch: False}), INFO).eval()
    if switch == "use_fgs":  # the FGS has no trainable parameters: its fixed ETF is a buffer
        assert len(ablated.state_dict()) < len(full.state_dict())
    else:
        assert n_params(ablated) < n_params(full)
    with torch.no_grad():
        assert not torch.allclose(full(batch)["soft_score"], ablated(batch)["soft_score"])
    module = {"use_tfm": "tfm.query", "use_gpm": "gpm.prototypes", "use_fgs": "fgs.etf"}[switch]
    assert any(k.startswith(module) for k in full.state_dict())
    assert not any(k.startswith(module) for k in ablated.state_dict())


def test_without_lr_drops_the_graph_term() -> None:
    batch = make_batch()
    torch.manual_seed(0)
    full = build(small_config(), INFO).eval()
    torch.manual_seed(0)
    ablated = build(small_config(use_lr=False), INFO).eval()
    full_loss = full.loss(full(batch), batch)
    ablated_loss = ablated.loss(ablated(batch), batch)
    assert "graph" in full_loss and "graph" not in ablated_loss
    assert full_loss["graph"] > 0
    assert torch.allclose(full_loss["loss"] - full_loss["graph"], ablated_loss["loss"])


@pytest.mark.parametrize("overrides", [{}, {"use_tfm": False}, {"use_gpm": False},
                                       {"use_fgs": False}, {"align_mode": 0, "act_mode": 1}])
def test_gradients_reach_every_trainable_parameter(overrides: dict) -> None:
    torch.manual_seed(1)
    model = build(small_config(**overrides), INFO).train()
    batch = make_batch()
    model.loss(model(batch), batch)["loss"].backward()
    missing = [name for name, p in model.named_parameters()
               if p.grad is None or not torch.any(p.grad != 0)]
    assert not missing


# ---------------------------------------------------------------------------------- read-outs
def test_hard_readout_is_eq6_on_the_argmaxes() -> None:
    model = build(small_config(), INFO).eval()
    with torch.no_grad():
        out = model(make_batch())
    grid = model.grid
    expected = grid.compose(out["coarse_logits"].argmax(-1).float(),
                            out["fine_similarity"].argmax(-1).float())
    assert torch.equal(out["score"], expected)
    soft = build(small_config(readout="soft"), INFO).eval()
    with torch.no_grad():
        soft_out = soft(make_batch())
    assert torch.equal(soft_out["score"], soft_out["soft_score"])


@pytest.mark.parametrize("overrides", [{}, {"use_tfm": False}, {"use_gpm": False}])
def test_eval_never_mixes_the_batch(overrides: dict) -> None:
    model = build(small_config(**overrides), INFO).eval()
    batch = make_batch(count=3, length=9)
    batch.lengths[:] = 9
    with torch.no_grad():
        together = model(batch)["soft_score"]
        alone = torch.cat([model(Batch(batch.features[i:i + 1], batch.lengths[i:i + 1],
                                       batch.target[i:i + 1], batch.score[i:i + 1]))["soft_score"]
                           for i in range(3)])
    assert torch.allclose(together, alone, atol=1e-6)


def test_padding_is_ignored() -> None:
    model = build(small_config(), INFO).eval()
    batch = make_batch(count=1, length=6)
    batch.lengths[:] = 6
    padded = Batch(torch.cat([batch.features, torch.randn(1, 5, DIM)], 1), batch.lengths,
                   batch.target, batch.score)
    with torch.no_grad():
        assert torch.allclose(model(batch)["soft_score"], model(padded)["soft_score"], atol=1e-6)


def test_absorbed_tfm_is_the_projected_function() -> None:
    """tfm_form=absorbed multiplies Eq. 7 out in another order: the same outputs, loss and
    parameter gradients (float64, a padded row in the batch), so it is no ablation."""
    torch.manual_seed(3)
    projected = build(small_config(), INFO).double().train()
    absorbed = build(small_config(tfm_form="absorbed"), INFO).double().train()
    absorbed.load_state_dict(projected.state_dict())
    batch = make_batch()
    batch = Batch(batch.features.double(), batch.lengths, batch.target.double(),
                  batch.score.double())
    results = []
    for model in (projected, absorbed):
        torch.manual_seed(4)  # the same dropout masks
        out = model(batch)
        loss = model.loss(out, batch)["loss"]
        loss.backward()
        results.append((out["soft_score"], loss, {n: p.grad for n, p in model.named_parameters()
                                                  if p.grad is not None}))
    (score_p, loss_p, grads_p), (score_a, loss_a, grads_a) = results
    assert torch.allclose(score_p, score_a, atol=1e-10) and torch.allclose(loss_p, loss_a)
    assert grads_p.keys() - {"tfm.key.bias"} == grads_a.keys() - {"tfm.key.bias"}
    assert grads_p["tfm.key.bias"].abs().max() < 1e-12  # b_K: the softmax drops it
    for name in grads_a.keys() - {"tfm.key.bias"}:
        assert torch.allclose(grads_p[name], grads_a[name], atol=1e-9), name


def test_tfm_logits_are_what_its_procedures_pool() -> None:
    """softmax(TFM.logits) @ V_T is the TFM's output (eval: no dropout), padded clips get
    weight zero: the weights benchmarks/cofinal_tfm_attention.py reads are the model's own."""
    torch.manual_seed(5)
    model = build(small_config(), INFO).double().eval()
    batch = make_batch()
    clips = batch.features.double()
    mask = torch.arange(clips.shape[1])[None, :] < batch.lengths[:, None]
    weights = torch.softmax(model.tfm.logits(clips, mask), dim=-1)
    assert weights.shape == (len(batch), 3, clips.shape[1])
    assert torch.all(weights[0, :, int(batch.lengths[0]):] == 0)
    fused, _ = model.tfm(clips, mask)
    assert torch.allclose(weights @ model.tfm.value(clips), fused, atol=1e-12)


@pytest.mark.parametrize(("key", "value"), [("readout", "median"), ("variant", "nope"),
                                            ("subgrades", 500), ("align_mode", 7),
                                            ("tfm_form", "fused")])
def test_bad_settings_are_usage_errors(key: str, value: object) -> None:
    with pytest.raises(UsageError):
        build(small_config(**{key: value}), INFO)


def test_model_class() -> None:
    assert isinstance(build(small_config(), INFO), CoFInAl)
