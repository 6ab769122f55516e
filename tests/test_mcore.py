"""MCoRe plugin: exemplar hygiene, deterministic evaluation, losses, pooling, gradients, cost.

Uses its own small stand-in FineDiving-like bundle (per-frame features, dive numbers, two
transitions) whose test ids start with ``test_`` and whose test features carry a marker.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from aqabench import sampling
from aqabench.api import DataBundle, FeatureSet
from aqabench.config import merge_config
from aqabench.plugins import get_registry
from aqabench.stages import decode_transitions, stage_average_pool, stage_pool
from aqabench.train import build_picker, evaluate, fit, seed_everything
from aqabench_mcore import defaults
from aqabench_mcore.cost import example_batch, pair_cost
from aqabench_mcore.losses import stage_contrastive_loss
from aqabench_mcore.model import MCoRe, build
from aqabench_mcore.segmentation import segmentation_loss

FRAMES, DIM, MARKER = 24, 16, 7.0
NEEDS = frozenset({"exemplars", "stage_labels", "dive_numbers"})


@pytest.fixture(autouse=True)
def one_thread():
    """The GRU's small per-step products crawl with 2 threads on a loaded 2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def make_split(prefix: str, count: int, seed: int) -> FeatureSet:
    """Three stages split at (t1, t2); stage k carries quality q_k along one direction."""
    gen = torch.Generator().manual_seed(seed)
    basis = torch.randn(4, DIM, generator=torch.Generator().manual_seed(99))
    seqs, scores, dives, trans = [], [], [], []
    for _ in range(count):
        t1 = int(torch.randint(3, FRAMES // 2, (1,), generator=gen))
        t2 = int(torch.randint(FRAMES // 2, FRAMES - 3, (1,), generator=gen))
        quality = torch.randn(3, generator=gen)
        x = 0.3 * torch.randn(FRAMES, DIM, generator=gen)
        for k, (a, b) in enumerate(zip((0, t1, t2), (t1, t2, FRAMES), strict=True)):
            x[a:b] += basis[k] + quality[k] * basis[3]
        dives.append(int(torch.randint(0, 3, (1,), generator=gen)))
        scores.append(50.0 + 5.0 * dives[-1] + 8.0 * float(quality.sum()))
        seqs.append(x)
        trans.append((t1, t2))
    extras = {"dive_number": torch.tensor(dives), "transitions": torch.tensor(trans)}
    ids = [f"{prefix}_{i:03d}" for i in range(count)]
    return FeatureSet.from_sequences(ids, seqs, scores, extras)


def standin(marked: bool = False) -> DataBundle:
    test = make_split("test", 12, seed=2)
    if marked:  # a value no training feature has, in channel 0 of every test frame
        test.features[:, :, 0] = MARKER
    return DataBundle(train=make_split("train", 40, seed=1), test=test, split_id="standin")


def config(**overrides: object) -> dict:
    small = {"width": 16, "heads": 4, "epochs": 1, "eval_batch_size": 8, "test_exemplars": 3}
    return merge_config(defaults("finediving-synth", None), overrides={**small, **overrides})


def train_model(cfg: dict, bundle: DataBundle):  # noqa: ANN201
    seed_everything(int(cfg["seed"]))
    model = build(cfg, bundle.info("standin", None))
    return fit(model, bundle, bundle.info("standin", None), cfg, torch.device("cpu"), NEEDS)


def test_registered_through_the_entry_point():
    spec = get_registry().method("mcore")
    assert spec.needs == NEEDS
    assert spec.datasets is None  # it runs wherever stages and dive numbers are provided
    cfg = config()
    assert (cfg["exemplar_key"], cfg["train_exemplars"], cfg["optimizer"]) == \
        ("dive_number", 1, "adam")
    assert cfg["train_clips"] is None and cfg["test_clips"] is None


def test_no_test_sample_is_ever_an_exemplar():
    bundle, cfg = standin(marked=True), config(test_exemplars=10)
    picker = build_picker(bundle, cfg, NEEDS)
    assert picker is not None
    batches = [*sampling.test_batches(bundle.test, cfg, picker)]
    for epoch in range(3):
        gen = torch.Generator().manual_seed(epoch)
        batches += [*sampling.train_batches(bundle.train, cfg, gen, picker)]
    seen = 0
    for batch in batches:
        ex = batch.exemplars
        assert ex is not None and batch.n_exemplars in (1, 10)
        ids = [picker.train.ids[i] for i in ex.index.tolist()]
        assert all(i.startswith("train_") for i in ids)
        assert not (ex.features[..., 0] == MARKER).any()
        assert torch.equal(ex.features, bundle.train.features[ex.index])
        same_dive = batch.extras["dive_number"].repeat_interleave(batch.n_exemplars)
        assert torch.equal(ex.extras["dive_number"], same_dive)
        seen += len(ex)
    assert seen == 12 * 10 + 3 * 40


def test_two_evaluations_of_one_model_are_identical():
    bundle, cfg = standin(), config()
    state = train_model(cfg, bundle)
    picker = build_picker(bundle, cfg, NEEDS)
    first = evaluate(state.model, bundle.test, cfg, torch.device("cpu"), picker)
    second = evaluate(state.model, bundle.test, cfg, torch.device("cpu"), picker)
    assert first.metrics == second.metrics
    assert np.array_equal(first.predictions, second.predictions)
    assert {"srcc", "rl2", "aiou50", "aiou75"} <= set(first.metrics)
    assert first.metrics == state.final.metrics  # the evaluation inside fit, too


def test_seed_zero_training_is_bit_identical():
    bundle, cfg = standin(), config()
    a, b = train_model(cfg, bundle), train_model(cfg, bundle)
    assert np.array_equal(a.final.predictions, b.final.predictions)
    assert a.curve[0]["train_loss"] == b.curve[0]["train_loss"]


def test_segmentation_loss_hand_computed():
    logits = torch.zeros(2, 4, 2)
    logits[0, 0, 1] = math.log(2.0)  # video 0, transition 2: p(frame 0) = 2 / 5
    transitions = torch.tensor([[2, 0], [1, 2]])
    lengths = torch.tensor([4, 3])  # video 1: frame 3 is padding, softmax over 3 frames
    per_video = segmentation_loss(logits, lengths, transitions)
    expected_0 = (math.log(4) + 2 * math.log(5 / 2)) / 2
    expected_1 = (math.log(3) + 2 * math.log(3)) / 2
    assert per_video.tolist() == pytest.approx([expected_0, expected_1], abs=1e-6)


def test_decoding_stays_inside_each_window():
    logits = torch.zeros(1, 8, 2)
    logits[0, 0, 0] = 5.0  # transition 1 at frame 0 -> clamped to 1
    logits[0, 2, 1] = 9.0  # outside window 2 ([4, 8)): ignored
    logits[0, 6, 1] = 3.0
    assert decode_transitions(logits, torch.tensor([8])).tolist() == [[1, 6]]


def test_stage_pooling_with_one_frame_stages():
    x = torch.arange(6 * 3, dtype=torch.float32).reshape(1, 6, 3)
    pooled = stage_pool(x, torch.tensor([[1, 5]]), torch.tensor([6]), steps=5)
    assert pooled.shape == (1, 3, 5, 3)
    assert torch.equal(pooled[0, 0], x[0, 0].expand(5, 3))  # stage [0, 1)
    assert torch.equal(pooled[0, 2], x[0, 5].expand(5, 3))  # stage [5, 6)
    middle = F.interpolate(x[:, 1:5].transpose(1, 2), size=5, mode="linear",
                           align_corners=True).transpose(1, 2)
    assert torch.allclose(pooled[0, 1], middle[0])


def test_average_pooling_is_adaptive_average_pooling_of_each_stage():
    torch.manual_seed(0)
    x, lengths = torch.randn(2, 20, 3), torch.tensor([20, 17])
    transitions = torch.tensor([[3, 10], [1, 16]])  # stages of 1 and 1 frame in the second
    pooled = stage_average_pool(x, transitions, lengths, steps=5)
    assert pooled.shape == (2, 3, 5, 3)
    for b in range(2):
        edges = [0, *transitions[b].tolist(), int(lengths[b])]
        for k in range(3):
            stage = x[b, edges[k]:edges[k + 1]].T[None]
            expected = F.adaptive_avg_pool1d(stage, 5)[0].T
            assert torch.allclose(pooled[b, k], expected, atol=1e-5), (b, k)
    assert torch.allclose(pooled[1, 0], x[1, 0].expand(5, 3))  # one frame repeated
    # every frame of a stage reaches the tokens (the linear resampling skips some)
    x.requires_grad_(True)
    stage_average_pool(x, transitions, lengths, steps=5).sum().backward()
    assert bool((x.grad[0, :20] != 0).all())


def test_contrastive_loss_matches_its_formula():
    torch.manual_seed(0)
    a, b, tau = torch.randn(1, 1, 3, 4), torch.randn(1, 1, 3, 4), 0.5
    cos = F.cosine_similarity

    def term(x: torch.Tensor, y: torch.Tensor, i: int) -> float:
        f = [math.exp(float(cos(x[i], y[j], dim=0)) / tau) for j in range(3)]
        g = [math.exp(float(cos(x[i], x[j], dim=0)) / tau) for j in range(3) if j != i]
        return -math.log(f[i] / (sum(f) + sum(g)))

    x, y = a[0, 0], b[0, 0]
    expected = sum(term(x, y, i) + term(y, x, i) for i in range(3)) / 6
    assert float(stage_contrastive_loss(a, b, tau)) == pytest.approx(expected, rel=1e-5)
    # cross-stage variant: tokens of the other stages join the denominators -> strictly larger
    two_a, two_b = torch.randn(2, 2, 3, 4), torch.randn(2, 2, 3, 4)
    assert stage_contrastive_loss(two_a, two_b, tau, cross_stage=True) > \
        stage_contrastive_loss(two_a, two_b, tau)


@pytest.mark.parametrize(("adapter", "pooling"),
                         [("linear", "average"), ("gru", "average"), ("linear", "linear")])
def test_every_trainable_parameter_gets_a_gradient(adapter: str, pooling: str):
    bundle, cfg = standin(), config(adapter=adapter, pooling=pooling)
    torch.manual_seed(0)
    model = build(cfg, bundle.info("standin", None)).train()
    picker = build_picker(bundle, cfg, NEEDS)
    gen = torch.Generator().manual_seed(0)
    batch = next(sampling.train_batches(bundle.train, cfg, gen, picker))
    losses = model.loss(model(batch), batch)
    assert set(losses) == {"loss", "reg", "seg", "cont"}
    losses["loss"].backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_pair_cost_matches_the_closed_form():
    w, t = 16, FRAMES
    model = MCoRe(DIM, width=w, heads=4)
    cost = pair_cost(model, frames=t)
    videos, tokens = 2, 3 * 5
    gru = videos * t * 2 * 3 * (w * w + w * w)
    adapter, seg_head = videos * t * DIM * w, videos * t * 2 * w * 2
    block = tokens * (w * w + 2 * w * w + w * w + 2 * 4 * w * w) + 2 * 3 * 5 * 5 * w
    regressor = tokens * (w * 256 + 256 * 64 + 64)
    assert cost["macs_per_pair"] == gru + adapter + seg_head + 3 * block + regressor
    assert cost["params"] == sum(p.numel() for p in model.parameters())


def test_batch_of_one_with_ten_exemplars_runs_in_eval():
    model = MCoRe(DIM, width=16, heads=4).eval()
    with torch.inference_mode():
        out = model(example_batch(DIM, frames=FRAMES, exemplars=10))
    assert out["score"].shape == (1,) and out["transitions"].shape == (1, 2)
    t1, t2 = out["transitions"][0].tolist()
    assert 1 <= t1 < FRAMES // 2 <= t2 < FRAMES


@pytest.mark.slow
def test_learns_the_standin():
    bundle, cfg = standin(), config(epochs=15)
    state = train_model(cfg, bundle)
    assert state.final.metrics["srcc"] > 0.6
