"""CoFInAl ``variant = "code"``: parameter count, MACs (Tab. 2), targets, the batch-mixing quirk."""

from __future__ import annotations

import torch
from torch.utils.flop_counter import FlopCounterMode

from aqabench.api import Batch, DataInfo
from aqabench.config import merge_config
from aqabench_cofinal.code_variant import CoFInAlCode, code_grade_index, hard_triplet_loss
from aqabench_cofinal.defaults import defaults
from aqabench_cofinal.model import build

RG = DataInfo("rg-synth", "Ball", 1024, 3.85, 24.0, 200, 50, 77)


def code_config(subset: str = "Ball", **overrides: object) -> dict:
    return merge_config(defaults("rg-synth", subset), overrides={
        "variant": "code", "score_shift": 0.0, "score_scale": 3.5, **overrides})


def n_params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def clips(count: int, length: int, dim: int = 1024, seed: int = 0) -> Batch:
    g = torch.Generator().manual_seed(seed)
    target = 10 + 10 * torch.rand(count, generator=g)
    return Batch(torch.randn(count, length, dim, generator=g), torch.full((count,), length),
                 target / 3.5, target)


def test_parameter_count_matches_the_official_class() -> None:
    model = build(code_config(), RG)
    assert isinstance(model, CoFInAlCode)
    assert n_params(model) == 3_715_692
    assert n_params(build(code_config("Ribbon"), RG)) == 3_714_664  # no neg head ("cofinal_2")


def test_macs_at_t68_match_table2() -> None:
    model = build(code_config(), RG).eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(clips(1, 68))
    macs = counter.get_total_flops() / 2
    assert abs(macs / 0.1178e9 - 1) < 0.01


def test_targets_decompose_like_the_official_code() -> None:
    model = build(code_config(), RG).train()
    batch = clips(2, 70)
    batch.score = torch.tensor([16.7, 5.0])  # y = 0.668, 0.2 (the loss reads the raw score)
    batch.target = batch.score / 3.5
    out = model(batch)
    losses = model.loss(out, batch)
    expected_pos = torch.nn.functional.mse_loss(out["pos"], torch.tensor([0.66, 0.20]))
    assert torch.allclose(losses["pos"], expected_pos)
    assert set(losses) == {"loss", "pos", "neg", "fine", "triplet"}
    losses["loss"].backward()
    assert all(p.grad is not None for p in model.parameters())


def test_grade_index_truncates_in_float32_like_the_official_code() -> None:
    # official get_proj_class: long(float32(score / 25) * 10^4) -> 1604 for 4.01; recovering the
    # score from the normalised target (float32(4.01 / 3.5) * 3.5 = 4.00999...) and flooring
    # gave 1603, this variant's old behaviour (docs/parity.md)
    index = code_grade_index(torch.tensor([4.01, 16.7, 5.0, 0.0]))
    assert index.tolist() == [1604, 6680, 2000, 0]


def test_batch_mixing_quirk_is_off_by_default_and_reproducible() -> None:
    batch = clips(3, 12, dim=32)
    info = DataInfo("rg-synth", "Ball", 32, 3.85, 24.0, 200, 50, 12)
    for mixing, independent in ((False, True), (True, False)):
        torch.manual_seed(0)
        model = build(code_config(code_batch_mixing=mixing), info).eval()
        with torch.no_grad():
            together = model(batch)["fine"]
            alone = torch.cat([model(Batch(batch.features[i:i + 1], batch.lengths[i:i + 1],
                                           batch.target[i:i + 1], batch.score[i:i + 1]))["fine"]
                               for i in range(3)])
        assert torch.allclose(together, alone, atol=1e-5) is independent


def test_triplet_loss_modes() -> None:
    eye = torch.eye(4)
    same_query = torch.arange(4)
    # orthogonal embeddings, each its own label: every negative at distance 1 -> relu(0-1+1) = 0
    assert hard_triplet_loss(eye, same_query, 1.0) == 0
    # identical embeddings: negatives at distance 0 -> margin
    assert torch.isclose(hard_triplet_loss(torch.ones(4, 3), same_query, 1.0), torch.tensor(1.0))
