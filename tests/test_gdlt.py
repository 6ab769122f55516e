"""GDLT plugin: size, MACs, head maths, triplet loss, gradients, batch independence, seeding."""

from __future__ import annotations

import math

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from aqabench.api import Batch
from aqabench.config import merge_config
from aqabench_gdlt import defaults
from aqabench_gdlt.model import GDLT, build, example_batch, example_info
from aqabench_gdlt.triplet import grade_triplet_loss, hardest_triplet_loss

PAPER_MACS_T68 = 0.1164e9  # CoFInAl Table 2, GDLT, one video of 68 clips, batch 1
PAPER_PARAMS = 3_163_396  # spec methods/gdlt.md §2, measured on the official class


def rg_model(seed: int = 0, feature_dim: int = 1024) -> GDLT:
    torch.manual_seed(seed)
    return build(merge_config(defaults("rg", "Ball")), example_info(feature_dim))


def small_model(seed: int = 0) -> GDLT:
    torch.manual_seed(seed)
    return GDLT(in_dim=12, hidden=16, ffn=24, dropout=0.3)


def small_batch(b: int = 3, t: int = 10, seed: int = 1) -> Batch:
    batch = example_batch(clips=t, batch_size=b, feature_dim=12, seed=seed)
    batch.target = torch.linspace(0.2, 0.8, b)
    return batch


def test_parameter_count_matches_the_official_model() -> None:
    model = rg_model()
    blocks = {name: sum(p.numel() for p in m.parameters()) for name, m in model.named_children()}
    assert blocks == {"in_proj": 657_664, "encoder": 658_944, "decoder": 1_844_736,
                      "queries": 1_024, "head": 1_028}
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == PAPER_PARAMS


def test_macs_at_68_clips_match_the_paper_within_one_percent() -> None:
    model = rg_model().eval()
    counter = FlopCounterMode(display=False)
    with torch.inference_mode(), counter:
        model(example_batch(clips=68, batch_size=1))
    macs = counter.get_total_flops() / 2
    assert abs(macs - PAPER_MACS_T68) / PAPER_MACS_T68 < 0.01
    # The attention matmuls (QK^T and AV) must be visible: 2 * 68^2 * 256 in the encoder.
    counts = {str(k): v for k, v in counter.get_flop_counts()["Global"].items()}
    assert counts["aten.bmm"] / 2 >= 2 * 68 * 68 * 256


def test_initialisation_follows_the_official_transformer_reset() -> None:
    model = rg_model()
    attn = model.encoder.layers[0].self_attn
    bound = math.sqrt(6 / (256 + 768))  # xavier on the packed [768, 256] in_proj
    assert attn.in_proj.weight.abs().max() <= bound
    assert attn.in_proj.weight.abs().max() > 0.9 * bound
    assert torch.count_nonzero(attn.in_proj.bias) == 0
    assert torch.count_nonzero(attn.out_proj.bias) == 0
    assert 0.9 < model.queries.prototypes.weight.std().item() < 1.1  # N(0, 1) embedding


def test_output_shape_range_and_responses() -> None:
    model = small_model().eval()
    with torch.no_grad():
        out = model(small_batch(b=5, t=7))
        responses = model.head.responses(out["embed"])
    assert out["score"].shape == (5,)
    assert out["embed"].shape == (5, 4, 16)
    assert torch.all((out["score"] > 0) & (out["score"] < 1))
    torch.testing.assert_close(responses.sum(-1), torch.ones(5))


def test_likert_head_on_a_hand_computed_case() -> None:
    head = GDLT(in_dim=4, hidden=2).head
    with torch.no_grad():
        head.regressor.weight.copy_(torch.tensor([[1.0, 0], [0, 1], [1, 1], [0, 0]]))
        head.regressor.bias.copy_(torch.tensor([0.0, 0.0, -1.0, 2.0]))
    queries = torch.tensor([[[1.0, 5], [5, -1], [2, 1], [9, 9]]])  # only the diagonal counts
    logits = torch.tensor([1.0, -1.0, 2.0, 2.0])
    sig = torch.sigmoid(logits)
    expected = (sig / sig.sum()) @ torch.tensor([0, 1 / 3, 2 / 3, 1])
    torch.testing.assert_close(head(queries), expected.reshape(1))


def test_triplet_loss_on_a_hand_computed_case() -> None:
    # Two videos x two queries in 2-D; labels 0, 1, 0, 1.
    e = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.0]])
    labels = torch.tensor([0, 1, 0, 1])
    c = 1 - 1 / math.sqrt(2)  # cosine distance at 45 degrees
    # anchor 0: pos 2 (d=c), negs 1 (1), 3 (2) -> relu(c - 1 + m)
    # anchor 1: pos 3 (d=1), negs 0 (1), 2 (c) -> relu(1 - c + m)
    # anchor 2: pos 0 (c), negs 1 (c), 3 (1+1/sqrt2) -> relu(m)
    # anchor 3: pos 1 (1), negs 0 (2), 2 (1+1/sqrt2) -> relu(1 - 1 - 1/sqrt2 + m)
    margin = 0.5
    per_anchor = [c - 1 + margin, 1 - c + margin, margin, -1 / math.sqrt(2) + margin]
    expected = sum(max(v, 0.0) for v in per_anchor) / 4
    got = hardest_triplet_loss(e, labels, margin)
    assert got.item() == pytest.approx(expected, abs=1e-6)
    # Query-index labels from a [B, G, d] tensor give the same loss.
    assert grade_triplet_loss(e.reshape(2, 2, 2), margin).item() == pytest.approx(expected)


def test_triplet_loss_without_positives_is_margin_minus_nearest_negative() -> None:
    e = torch.tensor([[[1.0, 0.0], [1.0, 1.0]]])  # B = 1: no positives
    c = 1 - 1 / math.sqrt(2)
    assert grade_triplet_loss(e, 1.0).item() == pytest.approx(1 - c)


def test_every_trainable_parameter_gets_a_gradient() -> None:
    model = small_model().train()
    batch = small_batch()
    model.loss(model(batch), batch)["loss"].backward()
    missing = [name for name, p in model.named_parameters()
               if p.requires_grad and (p.grad is None or not torch.any(p.grad != 0))]
    assert missing == []


def test_eval_does_not_mix_videos_of_a_batch() -> None:
    model = small_model()
    model.train()
    for _ in range(3):  # give the BN running statistics non-trivial values
        model(small_batch(seed=7))
    model.eval()
    batch = small_batch(b=4, t=9, seed=3)
    with torch.inference_mode():
        together = model(batch)["score"]
        alone = torch.cat([model(Batch(
            features=batch.features[i:i + 1], lengths=batch.lengths[i:i + 1],
            target=batch.target[i:i + 1], score=batch.score[i:i + 1]))["score"]
            for i in range(4)])
    torch.testing.assert_close(together, alone)


def test_defaults_follow_the_spec() -> None:
    ball, hoop = defaults("rg-synth", "Ball"), defaults("rg", "Hoop")
    assert (ball["epochs"], hoop["epochs"]) == (250, 500)
    assert (ball["score_shift"], ball["score_scale"]) == (0.0, 25.0)
    assert (ball["optimizer"], ball["lr"], ball["lr_min"], ball["train_clips"]) == \
        ("sgd", 1e-2, 1e-4, 68)
    assert defaults("fisv-synth", "TES")["score_scale"] == 50.0
    assert defaults("toy-synth", None)["score_scale"] is None  # harness min-max


def tiny_run(**overrides: object) -> dict:
    from aqabench.plugins import get_registry
    from aqabench.runner import RunRequest, run

    settings = {"train_clips": 12, "hidden_dim": 32, "ffn_dim": 48, **overrides}
    record, _, _ = run(RunRequest(method="gdlt", dataset="rg-synth", subset="Ball", epochs=2,
                                  overrides=settings, size="tiny"), get_registry())
    return record


def test_two_seeded_runs_give_identical_predictions() -> None:
    first, second = tiny_run(), tiny_run()
    assert first["identity"]["method"] == "gdlt"
    assert first["provenance"]["config"]["score_scale"] == 25.0
    assert first["predictions"]["final"].tolist() == second["predictions"]["final"].tolist()
    assert first["curve"][-1]["train_loss"] == second["curve"][-1]["train_loss"]
    assert len(set(first["predictions"]["final"].tolist())) > 1  # not a constant predictor
