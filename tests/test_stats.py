"""aqabench.stats: bootstrap CIs, the paired test, seed summaries, --seeds parsing."""

from __future__ import annotations

import numpy as np
import pytest

from aqabench import metrics, stats
from aqabench.config import parse_seeds
from aqabench.errors import UsageError


def data(n: int = 50, noise: float = 0.3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.uniform(10, 30, n)
    return truth + rng.normal(0, noise * truth.std(), n), truth


def test_vectorised_srcc_matches_the_metric_with_ties_and_constants() -> None:
    pred, truth = data()
    pred[:10] = pred[0]  # ties
    assert stats._srcc_along(pred, truth) == pytest.approx(metrics.srcc(pred, truth), abs=1e-12)
    assert stats._srcc_along(np.ones(5), np.arange(5.0)) == 0.0 == metrics.srcc(np.ones(5),
                                                                                np.arange(5.0))


def test_bootstrap_ci_is_reproducible_and_brackets_the_estimate() -> None:
    pred, truth = data()
    for metric, point in (("srcc", metrics.srcc(pred, truth)),
                          ("rl2", metrics.relative_l2(pred, truth))):
        low, high = stats.bootstrap_ci(pred, truth, metric)
        assert low < point < high
        assert stats.bootstrap_ci(pred, truth, metric) == (low, high)  # bit-identical
    assert stats.bootstrap_ci(pred, truth, seed=1) != stats.bootstrap_ci(pred, truth)
    narrow = stats.bootstrap_ci(*data(n=400))
    wide = stats.bootstrap_ci(*data(n=25))
    assert narrow[1] - narrow[0] < wide[1] - wide[0]  # more videos, tighter interval
    with pytest.raises(ValueError, match="no bootstrap statistic"):
        stats.bootstrap_ci(pred, truth, "pearson")


def test_paired_bootstrap_identical_and_clearly_different() -> None:
    pred, truth = data()
    same = stats.paired_bootstrap(pred, pred, truth)
    assert (same.delta, same.low, same.high, same.p_value) == (0.0, 0.0, 0.0, 1.0)
    random = np.random.default_rng(7).uniform(10, 30, truth.size)
    better = stats.paired_bootstrap(pred, random, truth)
    assert better.delta > 0.5 and better.low > 0 and better.p_value < 0.05
    worse = stats.paired_bootstrap(random, pred, truth)
    assert worse.delta == pytest.approx(-better.delta) and worse.p_value < 0.05
    pooled = stats.pooled_paired([better, stats.paired_bootstrap(pred, random, truth, seed=3)])
    assert pooled.p_value < 0.05 and pooled.n == 2 * truth.size
    assert stats.pooled_paired([same, same]).p_value == 1.0


def test_bootstrap_p_and_the_ci_agree() -> None:
    pred, truth = data(noise=0.6)
    other, _ = data(noise=0.7, seed=1)
    result = stats.paired_bootstrap(pred, other, truth)
    excludes_zero = result.low > 0 or result.high < 0
    assert excludes_zero == (result.p_value < 0.05)


def test_seed_summary_t_interval_and_separation() -> None:
    mean, std, n = stats.seed_summary([0.5, 0.6, 0.7])
    assert (mean, n) == (pytest.approx(0.6), 3) and std == pytest.approx(0.1)
    assert stats.seed_summary([0.4]) == (0.4, None, 1)
    low, high = stats.t_interval([0.5, 0.6, 0.7])
    assert low < 0.6 < high and high - low == pytest.approx(2 * 4.302653 * 0.1 / 3 ** 0.5)
    assert stats.separated([0.9, 0.91, 0.92], None, [0.5, 0.51, 0.52], None) is True
    assert stats.separated([0.9, 0.5, 0.7], None, [0.6, 0.8, 0.65], None) is False
    assert stats.separated([0.9], (0.8, 0.95), [0.5], (0.4, 0.6)) is True
    assert stats.separated([0.9], (0.5, 0.95), [0.5], (0.4, 0.6)) is False
    assert stats.separated([0.9], None, [0.5], (0.4, 0.6)) is None


@pytest.mark.parametrize(("text", "seeds"), [("0,1,2", [0, 1, 2]), ("0-4", [0, 1, 2, 3, 4]),
                                              ("3", [3]), ("0-2,7,1", [0, 1, 2, 7]),
                                              ([2, 0], [2, 0]), (5, [5])])
def test_parse_seeds(text, seeds) -> None:
    assert parse_seeds(text) == seeds


@pytest.mark.parametrize("text", ["", "a", "0-", "2-1", "0,,1", "-1", "1.5", [], [-1], True])
def test_parse_seeds_rejects(text) -> None:
    with pytest.raises(UsageError, match="bad --seeds"):
        parse_seeds(text)
