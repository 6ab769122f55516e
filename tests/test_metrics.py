"""Metrics against scipy and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from aqabench import metrics


@pytest.fixture
def pair() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    true = rng.uniform(5, 25, size=50)
    return true + rng.normal(0, 3, size=50), true


def test_srcc_and_pearson_match_scipy(pair: tuple[np.ndarray, np.ndarray]) -> None:
    pred, true = pair
    assert metrics.srcc(pred, true) == pytest.approx(stats.spearmanr(pred, true).statistic)
    assert metrics.pearson(pred, true) == pytest.approx(stats.pearsonr(pred, true).statistic)
    assert metrics.srcc(np.ones(5), np.arange(5)) == 0.0  # constant prediction, not NaN


def test_l2_and_relative_l2_closed_form() -> None:
    true = np.array([10.0, 20.0, 30.0])
    pred = np.array([12.0, 20.0, 27.0])
    assert metrics.l2(pred, true) == pytest.approx((4 + 0 + 9) / 3)
    # range 20: 100 * mean((2/20)^2, 0, (3/20)^2)
    assert metrics.relative_l2(pred, true) == pytest.approx(100 * (0.01 + 0 + 0.0225) / 3)


def test_fisher_z_mean_closed_form() -> None:
    values = [0.809, 0.806, 0.804, 0.810]
    expected = math.tanh(sum(math.atanh(v) for v in values) / 4)
    assert metrics.fisher_z_mean(values) == pytest.approx(expected)
    assert round(metrics.fisher_z_mean(values), 3) == 0.807  # CoFInAl Tab. 1, VST, RG Avg
    assert round(metrics.fisher_z_mean([0.716, 0.843]), 3) == 0.788  # Fis-V Avg
    assert metrics.fisher_z_mean([0.5, 0.5]) == pytest.approx(0.5)


def test_aiou_counts_intervals_above_threshold() -> None:
    true = np.array([[10, 50], [10, 50], [10, 50]])
    pred = np.array([[10, 50], [20, 50], [40, 90]])  # IoU 1.0, 0.75, 10/80
    assert metrics.temporal_iou(pred, true) == pytest.approx([1.0, 0.75, 0.125])
    assert metrics.aiou(pred, true, 0.5) == pytest.approx(200 / 3)
    assert metrics.aiou(pred, true, 0.75) == pytest.approx(200 / 3)
    assert metrics.aiou(pred, true, 0.8) == pytest.approx(100 / 3)


def test_bad_inputs_raise() -> None:
    with pytest.raises(ValueError):
        metrics.srcc([1.0, 2.0], [1.0])
    with pytest.raises(ValueError):
        metrics.relative_l2([1.0, 2.0], [3.0, 3.0])
