"""CoRe plugin: the regression tree and its groups, losses, contract, determinism, learning."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import aqabench_core
from aqabench.api import Batch, FeatureSet
from aqabench.config import merge_config
from aqabench.runner import RunRequest, run
from aqabench.testing import check_method
from aqabench_core import defaults
from aqabench_core.model import CoRe, build, masked_mean, pair_differences
from aqabench_core.tree import (
    RegressionTree,
    group_edges,
    leaf_targets,
    tree_loss,
    tree_prediction,
)

from .coretsa_helpers import (
    declared_entry_points,
    exemplar_mean_srcc,
    fit_srcc,
    registry_with,
    standin,
)

TINY = {"epochs": 1, "test_exemplars": 3, "hidden": 16}
NEEDS = frozenset({"exemplars"})


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def official_edges(differences: list[float], leaves: int, high: float) -> list[float]:
    """Group_helper's positive half, written out from its description (README, Spec)."""
    data, half = sorted(differences), leaves // 2
    n = len(data)
    lefts = [0.0 if i == 0 else data[int((i / half) * (n - 1))] for i in range(half)]
    rights = [high if i == half - 1 else data[int(((i + 1) / half) * (n - 1))]
              for i in range(half)]
    assert lefts[1:] == rights[:-1]
    return [*lefts, rights[-1]]


def test_declared_and_registered():
    assert declared_entry_points()["core"] == "aqabench_core"
    spec = registry_with(aqabench_core).method("core")
    assert spec.needs == frozenset({"exemplars", "dive_numbers", "difficulty_degree"})
    cfg = merge_config(defaults("finediving-synth", None))
    assert (cfg["exemplar_key"], cfg["train_exemplars"], cfg["test_exemplars"]) == \
        ("dive_number", 1, 10)
    assert (cfg["depth"], cfg["hidden"], cfg["lr"], cfg["optimizer"]) == (5, 256, 1e-3, "adam")
    mtl = merge_config(defaults("mtl-aqa", None))
    assert mtl["per_difficulty"] is True and mtl["score_range"] == 30.0


def test_meets_the_aqabench_contract():
    check_method("core", dataset="finediving-synth", overrides=TINY,
                 registry=registry_with(aqabench_core))


def test_parameter_count_is_the_official_tree_on_i3d_features():
    tree = RegressionTree(2 * 1024 + 1, hidden=256, depth=5)
    first = 2049 * 256 + 256
    nodes = sum(2 ** (d + 1) * 256 * 256 + 2 ** (d + 1) * 256 for d in range(4))
    classifiers = sum(2 ** (d + 1) * 256 + 2 ** (d + 1) for d in range(4))
    positions = 16 * 256 + 16
    assert sum(p.numel() for p in tree.parameters()) == first + nodes + classifiers + positions \
        == 2_510_382


def test_tree_gives_a_distribution_over_sixteen_leaves():
    torch.manual_seed(0)
    log_p, positions = RegressionTree(9, hidden=8, depth=5)(torch.randn(4, 9))
    assert log_p.shape == positions.shape == (4, 16)
    assert torch.allclose(log_p.exp().sum(dim=1), torch.ones(4), atol=1e-6)


def test_group_edges_follow_the_official_quantiles():
    gen = torch.Generator().manual_seed(3)
    differences = torch.rand(101, generator=gen) * 20
    edges = group_edges(differences, leaves=16, score_range=30.0)
    assert edges.tolist() == pytest.approx(official_edges(differences.tolist(), 16, 30.0))


def test_leaf_targets_by_hand():
    edges = torch.tensor([0.0, 1.0, 1.0, 4.0, 30.0])  # 4 positive leaves, the second empty
    delta = torch.tensor([0.5, 1.0, 2.5, -2.5, -1.0, 0.0, 35.0, -0.25])
    leaf, position, left, width = leaf_targets(delta, edges)
    # positive leaves 4..7 = [0,1) [1,1) [1,4) [4,30); negative 3..0 mirror them
    assert leaf.tolist() == [4, 6, 6, 1, 1, 4, 7, 3]
    assert left.tolist() == [0.0, 1.0, 1.0, -4.0, -4.0, 0.0, 4.0, -1.0]
    assert position.tolist() == pytest.approx([0.5, 0.0, 0.5, 0.5, 1.0, 0.0, 31 / 26, 0.75])
    # the prediction of the true leaf at the true position gives the difference back
    log_p = torch.full((8, 8), -10.0)
    log_p[torch.arange(8), leaf] = 0.0
    positions = torch.zeros(8, 8).scatter(1, leaf[:, None], position[:, None].float())
    assert tree_prediction(log_p, positions, edges).tolist() == pytest.approx(delta.tolist())


def test_tree_loss_by_hand():
    edges = torch.tensor([0.0, 2.0, 10.0])  # leaves [-10,-2) [-2,0) [0,2) [2,10)
    log_p = torch.log_softmax(torch.tensor([[0.0, 1.0, 2.0, 3.0], [1.0, 0.0, 0.0, 0.0],
                                            [0.0, 0.0, 0.0, 0.0]]), dim=1)
    positions = torch.tensor([[0.0, 0.0, 0.3, 0.0], [0.0, 0.0, 0.9, 0.0],
                              [0.2, 0.0, 0.0, 0.0]])
    delta = torch.tensor([1.0, 0.5, -6.0])  # leaves 2, 2, 0; positions 0.5, 0.25, 0.5
    nll, mse = tree_loss(log_p, positions, delta, edges)
    assert float(nll) == pytest.approx(-float(log_p[0, 2] + log_p[1, 2] + log_p[2, 0]) / 3)
    expected = ((0.3 - 0.5) ** 2 + (0.9 - 0.25) ** 2) / 2 + (0.2 - 0.5) ** 2
    assert float(mse) == pytest.approx(expected)


def test_prepare_builds_groups_from_training_pairs_of_each_dive_number():
    scores = torch.tensor([50.0, 60.0, 58.0, 70.0, 40.0, 41.0])
    dn = torch.tensor([0, 0, 0, 1, 1, 1])
    train = FeatureSet.from_sequences([str(i) for i in range(6)], [torch.zeros(4, 3)] * 6,
                                      scores, {"dive_number": dn})
    model = CoRe(3, hidden=8, depth=3)
    model.prepare(train, {"score_shift": 0.0, "score_scale": 1.0, "exemplar_key": "dive_number"})
    pairs = [10.0, 8.0, 2.0, 30.0, 29.0, 1.0]  # within DN 0, within DN 1
    assert model.edges.tolist() == pytest.approx(official_edges(pairs, 4, 70.0))
    assert float(model.theta) == 70.0
    assert sorted(pair_differences(scores, dn).tolist()) == sorted(pairs)


def test_per_difficulty_regresses_score_over_dd():
    torch.manual_seed(0)
    model = CoRe(3, hidden=8, depth=3, score_range=30.0, per_difficulty=True).eval()
    model.edges.copy_(torch.tensor([0.0, 1.0, 30.0], dtype=torch.float64))

    def videos(scores: list[float], dd: list[float]) -> Batch:
        n = len(scores)
        return Batch(features=torch.randn(n, 5, 3), lengths=torch.full((n,), 5),
                     target=torch.tensor(scores), score=torch.tensor(scores),
                     extras={"difficulty": torch.tensor(dd)})

    batch = videos([60.0], [3.0])
    batch.exemplars, batch.n_exemplars = videos([40.0, 64.0], [2.0, 3.2]), 2
    with torch.inference_mode():
        out = model(batch)
        relative = tree_prediction(out["log_p_qe"], out["positions_qe"], model.edges)
    completeness = torch.tensor([20.0, 20.0]) + relative
    assert float(out["score"]) == pytest.approx(float(completeness.mean() * 3.0), rel=1e-6)


def test_masked_mean_ignores_padding():
    x = torch.tensor([[[1.0], [3.0], [100.0]]])
    assert masked_mean(x, torch.tensor([2])).tolist() == [[2.0]]


def tiny_run(seed: int = 0, **overrides: object) -> dict:
    request = RunRequest(method="core", dataset="finediving-synth", size="tiny",
                         overrides={"seed": seed, **overrides})
    record, _, _ = run(request, registry_with(aqabench_core))
    return record


def test_seed_zero_is_bit_identical():
    a, b = tiny_run(epochs=1, test_exemplars=3), tiny_run(epochs=1, test_exemplars=3)
    assert a["predictions"].keys() == b["predictions"].keys()
    for key, value in a["predictions"].items():
        assert np.array_equal(np.asarray(value), np.asarray(b["predictions"][key])), key
    assert a["curve"][0]["train_loss"] == b["curve"][0]["train_loss"]
    assert math.isfinite(a["final"]["srcc"])


def test_learns_the_standin_beyond_the_exemplar_mean():
    """Seed 0, 6 epochs: the exemplars' mean score alone gives 0.15, shuffled labels ~0; the
    tree learns the query-exemplar difference (measured 0.92 at 6 epochs, 0.93 at 10)."""
    bundle = standin()
    cfg = merge_config(defaults("finediving-synth", None),
                       overrides={"epochs": 6, "test_exemplars": 5, "hidden": 32})
    baseline = exemplar_mean_srcc(bundle, cfg)
    learned = fit_srcc(build, cfg, bundle, NEEDS)
    assert baseline < 0.3 and learned > baseline + 0.5, (baseline, learned)


@pytest.mark.slow
def test_shuffled_training_labels_learn_nothing():
    cfg = merge_config(defaults("finediving-synth", None),
                       overrides={"epochs": 6, "test_exemplars": 5, "hidden": 32})
    assert abs(fit_srcc(build, cfg, standin(), NEEDS, shuffle=True)) < 0.4
