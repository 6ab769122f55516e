"""TSA plugin: PSNet, its loss, the true -> predicted boundary switch, contract, cost,
determinism, exemplar de-duplication and learning on the tiny twin."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from torch.nn import functional as F

import aqabench_tsa
from aqabench import sampling
from aqabench.config import merge_config
from aqabench.testing import check_method, prepare
from aqabench.train import build_picker, evaluate, fit
from aqabench_tsa import defaults
from aqabench_tsa.model import TSA, build
from aqabench_tsa.psnet import PSNet, transition_loss

from .coretsa_helpers import (
    declared_entry_points,
    exemplar_mean_srcc,
    fit_srcc,
    registry_with,
    standin,
)

NEEDS = frozenset({"exemplars", "stage_labels", "dive_numbers"})


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def registry():  # noqa: ANN201
    return registry_with(aqabench_tsa)


def test_declared_and_registered(registry):  # noqa: ANN001
    assert declared_entry_points()["tsa"] == "aqabench_tsa"
    assert registry.method("tsa").needs == NEEDS
    cfg = merge_config(defaults("finediving-synth", None))
    assert (cfg["width"], cfg["heads"], cfg["blocks"], cfg["steps"]) == (64, 8, 3, 5)
    assert (cfg["batch_size"], cfg["lr"], cfg["epochs"], cfg["tas_threshold"]) == \
        (8, 1e-3, 200, 0.25)
    assert (cfg["score_shift"], cfg["score_scale"], cfg["test_exemplars"]) == (0.0, 1.0, 10)


def test_meets_the_aqabench_contract(registry):  # noqa: ANN001
    check_method("tsa", dataset="finediving-synth", overrides={"test_exemplars": 3},
                 registry=registry)


def test_psnet_shapes_and_parameter_count():
    net = PSNet(32, width=64, blocks=5)
    trunk, probs = net(torch.randn(2, 96, 32))
    assert trunk.shape == (2, 96, 64) and probs.shape == (2, 96, 2)
    assert bool(((probs > 0) & (probs < 1)).all())

    def block(c_in: int, c_out: int) -> int:  # two conv k=3 + two BatchNorm (weight, bias)
        return (c_in * c_out * 3 + c_out) + 2 * c_out + (c_out * c_out * 3 + c_out) + 2 * c_out

    mlp = (64 * 128 + 128) + (128 * 64 + 64) + (64 * 2 + 2)
    expected = block(32, 64) + 4 * block(64, 64) + mlp
    assert sum(p.numel() for p in net.parameters()) == expected


def test_transition_loss_is_bce_against_the_one_hot_map():
    torch.manual_seed(0)
    probs = torch.rand(2, 6, 2) * 0.98 + 0.01
    transitions, lengths = torch.tensor([[1, 4], [2, 3]]), torch.tensor([6, 5])
    target = torch.zeros(2, 6, 2)
    target[0, 1, 0] = target[0, 4, 1] = target[1, 2, 0] = target[1, 3, 1] = 1.0
    full = F.binary_cross_entropy(probs[0], target[0], reduction="sum")
    part = F.binary_cross_entropy(probs[1, :5], target[1, :5], reduction="sum")
    expected = (full + part) / ((6 + 5) * 2)
    assert float(transition_loss(probs, lengths, transitions)) == pytest.approx(float(expected))


def test_boundaries_switch_after_a_quarter_of_training(registry):  # noqa: ANN001
    prepared = prepare("tsa", "finediving-synth", registry=registry)
    model, cfg = prepared.model, prepared.config
    picker = build_picker(prepared.bundle, cfg, NEEDS)
    batch = next(sampling.train_batches(prepared.bundle.train, cfg,
                                        torch.Generator().manual_seed(0), picker))
    moved = dataclasses.replace(batch, extras={
        **batch.extras, "transitions": batch.extras["transitions"] + torch.tensor([4, -4])})

    def delta() -> tuple[torch.Tensor, torch.Tensor]:
        model.train()
        with torch.no_grad():
            return model(batch)["delta_qe"], model(moved)["delta_qe"]

    model.start_epoch(50, 200)  # 50 / 200 <= 0.25: true boundaries pool the stages
    assert model.true_boundaries
    plain, shifted = delta()
    assert not torch.allclose(plain, shifted)
    model.start_epoch(51, 200)  # then the predicted ones: the labels no longer matter
    assert not model.true_boundaries
    plain, shifted = delta()
    assert torch.equal(plain, shifted)


def test_every_parameter_gets_a_gradient(registry):  # noqa: ANN001
    prepared = prepare("tsa", "finediving-synth", registry=registry)
    model, cfg = prepared.model.train(), prepared.config
    picker = build_picker(prepared.bundle, cfg, NEEDS)
    batch = next(sampling.train_batches(prepared.bundle.train, cfg,
                                        torch.Generator().manual_seed(0), picker))
    losses = model.loss(model(batch), batch)
    assert set(losses) == {"loss", "reg", "seg"}
    losses["loss"].backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_shared_exemplars_are_encoded_once_with_the_same_numbers(registry):  # noqa: ANN001
    prepared = prepare("tsa", "finediving-synth", overrides={"test_exemplars": 10},
                       registry=registry)
    model = prepared.model.eval()
    batch = prepared.test_batch(min_size=4)
    assert batch.exemplars is not None and len(torch.unique(batch.exemplars.index)) < \
        len(batch.exemplars)
    with torch.inference_mode():
        once = model(batch)["score"]
        plain = model(dataclasses.replace(batch, exemplars=dataclasses.replace(
            batch.exemplars, index=None)))["score"]
    assert torch.allclose(once, plain, atol=1e-5)


def test_seed_zero_training_and_evaluation_are_bit_identical(registry):  # noqa: ANN001
    def once() -> np.ndarray:
        prepared = prepare("tsa", "finediving-synth",
                           overrides={"epochs": 1, "test_exemplars": 3}, registry=registry)
        state = fit(prepared.model, prepared.bundle, prepared.info, prepared.config,
                    torch.device("cpu"), NEEDS)
        again = evaluate(state.model, prepared.bundle.test, prepared.config,
                         torch.device("cpu"), build_picker(prepared.bundle, prepared.config,
                                                           NEEDS))
        assert state.final is not None
        assert np.array_equal(state.final.predictions, again.predictions)
        assert {"srcc", "rl2", "aiou50", "aiou75"} <= set(state.final.metrics)
        return state.final.predictions

    assert np.array_equal(once(), once())


def test_batch_of_one_with_ten_exemplars_decodes_inside_the_windows():
    torch.manual_seed(0)
    from aqabench_mcore.cost import example_batch  # the harness-shaped pair batch

    model = TSA(16, width=16, heads=4).eval()
    with torch.inference_mode():
        out = model(example_batch(16, frames=24, exemplars=10))
    t1, t2 = out["transitions"][0].tolist()
    assert out["score"].shape == (1,) and 1 <= t1 < 12 <= t2 < 24


def test_learns_the_standin_beyond_the_exemplar_mean():
    """Seed 0, 6 epochs: the exemplars' mean score alone gives 0.15, shuffled labels ~0; TSA
    learns the stage-wise differences (measured 0.89 at 6 epochs, 0.92 at 10)."""
    bundle = standin()
    cfg = merge_config(defaults("finediving-synth", None),
                       overrides={"epochs": 6, "test_exemplars": 5, "width": 16})
    baseline = exemplar_mean_srcc(bundle, cfg)
    learned = fit_srcc(build, cfg, bundle, NEEDS)
    assert baseline < 0.3 and learned > baseline + 0.5, (baseline, learned)


@pytest.mark.slow
def test_shuffled_training_labels_learn_nothing():
    cfg = merge_config(defaults("finediving-synth", None),
                       overrides={"epochs": 6, "test_exemplars": 5, "width": 16})
    assert abs(fit_srcc(build, cfg, standin(), NEEDS, shuffle=True)) < 0.4
