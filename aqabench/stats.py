"""Honest statistics: bootstrap confidence intervals, paired comparisons, seed summaries.

Everything resamples **test videos** with :func:`scipy.stats.bootstrap` (paired: a video's
prediction(s) and label are drawn together), with a fixed seed so a record's interval is the
same on every machine and every rerun.

- :func:`bootstrap_ci`: the 95% CI of one run's SRCC or R-ℓ2 over its test videos (BCa,
  :data:`N_RESAMPLES` resamples, seed :data:`CI_SEED`; percentile where BCa is undefined, e.g.
  a constant statistic). R-ℓ2 keeps the *full* test set's label range as its unit in every
  resample, so resampling changes the errors, not the yardstick.
- :func:`paired_bootstrap`: ΔSRCC = SRCC(A) − SRCC(B) on the same videos, its percentile CI
  and a two-sided bootstrap p-value (:func:`bootstrap_p`): the CI excludes 0 exactly when
  p < 1 − level. :func:`pooled_paired` combines subsets: each subset is resampled on its own
  (a stratified bootstrap) and each replicate's subset SRCCs are averaged through Fisher's z,
  as the papers average subsets.
- :func:`seed_summary` / :func:`t_interval` / :func:`separated`: what tables print for runs
  over several seeds (mean ± std, n) and whether the best row is separated from the second.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


def _sps() -> Any:
    """``scipy.stats``, imported on first use (it takes ~0.5 s: the CLI's ``--help`` must not)."""
    from scipy import stats as sps

    return sps


N_RESAMPLES = 2000
CONFIDENCE = 0.95
CI_METHOD = "BCa"
CI_SEED = 0
ALPHA = 0.05
#: Metrics that get a bootstrap CI in every record.
CI_METRICS = ("srcc", "rl2")
SEPARATION_TEXT = (
    "Welch's t-test over seeds (p < 0.05) where both rows have >= 2 seeds, else "
    "non-overlapping 95% intervals (one seed: bootstrap CI over test videos; several: "
    "t-interval of the seed mean)")


# ------------------------------------------------------------------- vectorised statistics
def _srcc_along(pred: np.ndarray, truth: np.ndarray, axis: int = -1) -> np.ndarray:
    """Spearman's rho along ``axis`` (average ranks for ties); 0 where a side is constant,
    as :func:`aqabench.metrics.srcc`."""
    rp = _sps().rankdata(pred, axis=axis)
    rt = _sps().rankdata(truth, axis=axis)
    rp = rp - rp.mean(axis=axis, keepdims=True)
    rt = rt - rt.mean(axis=axis, keepdims=True)
    num = (rp * rt).sum(axis=axis)
    den = np.sqrt((rp * rp).sum(axis=axis) * (rt * rt).sum(axis=axis))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


def _rl2_along(span: float):
    def statistic(pred: np.ndarray, truth: np.ndarray, axis: int = -1) -> np.ndarray:
        return 100.0 * np.mean(((pred - truth) / span) ** 2, axis=axis)
    return statistic


def _statistic(metric: str, truth: np.ndarray):
    if metric == "srcc":
        return _srcc_along
    if metric == "rl2":
        span = float(np.ptp(truth))
        if span == 0:
            raise ValueError("R-l2 is undefined when all true scores are equal")
        return _rl2_along(span)
    raise ValueError(f"no bootstrap statistic for metric {metric!r}; choose srcc or rl2")


def _arrays(*values: Sequence[float] | np.ndarray) -> list[np.ndarray]:
    arrays = [np.asarray(v, dtype=np.float64).reshape(-1) for v in values]
    if len({a.size for a in arrays}) != 1:
        raise ValueError("paired samples differ in length")
    if arrays[0].size < 3:
        raise ValueError("a bootstrap needs at least three videos")
    return arrays


def _bootstrap(data: tuple[np.ndarray, ...], statistic: Any, method: str, n_resamples: int,
               seed: int, level: float) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # degenerate resamples are handled by the callers
        return _sps().bootstrap(data, statistic, paired=True, vectorized=True, axis=-1,
                             n_resamples=n_resamples, method=method, confidence_level=level,
                             rng=np.random.default_rng(seed))


# ---------------------------------------------------------------------- one run's interval
def bootstrap_ci(pred: Sequence[float] | np.ndarray, truth: Sequence[float] | np.ndarray,
                 metric: str = "srcc", n_resamples: int = N_RESAMPLES, seed: int = CI_SEED,
                 level: float = CONFIDENCE) -> tuple[float, float]:
    """The ``level`` CI of ``metric`` over the videos: (low, high), reproducible for a seed."""
    p, t = _arrays(pred, truth)
    statistic = _statistic(metric, t)
    result = _bootstrap((p, t), statistic, CI_METHOD, n_resamples, seed, level)
    low, high = result.confidence_interval
    if not (np.isfinite(low) and np.isfinite(high)):
        result = _bootstrap((p, t), statistic, "percentile", n_resamples, seed, level)
        low, high = result.confidence_interval
    return float(low), float(high)


def describe() -> dict[str, Any]:
    """How the intervals in a record were computed (stored as ``record["stats"]``)."""
    return {"ci_level": CONFIDENCE, "ci_method": CI_METHOD, "n_resamples": N_RESAMPLES,
            "seed": CI_SEED, "resampled": "test videos, (prediction, label) pairs",
            "metrics": list(CI_METRICS)}


def intervals(pred: Sequence[float] | np.ndarray, truth: Sequence[float] | np.ndarray
              ) -> dict[str, list[float]]:
    """``{"srcc_ci": [lo, hi], "rl2_ci": [lo, hi]}`` for one protocol of a record (a metric
    without a defined interval, e.g. on fewer than three videos, is left out)."""
    out = {}
    for metric in CI_METRICS:
        try:
            out[f"{metric}_ci"] = list(bootstrap_ci(pred, truth, metric))
        except ValueError:
            continue
    return out


def record_interval(record: dict[str, Any], protocol: str, metric: str
                    ) -> tuple[float, float] | None:
    """A record's stored CI of ``metric`` under ``protocol``; for records written before CIs
    existed, computed from its stored predictions; None when neither is there."""
    stored = (record.get(protocol) or {}).get(f"{metric}_ci")
    if stored is not None:
        return float(stored[0]), float(stored[1])
    pair = predictions(record, protocol)
    if pair is None or metric not in CI_METRICS:
        return None
    try:
        return bootstrap_ci(pair[1], pair[2], metric)
    except ValueError:
        return None


def predictions(record: dict[str, Any], protocol: str
                ) -> tuple[list[str], np.ndarray, np.ndarray] | None:
    """(video ids, predictions, labels) a record stored for ``protocol``, or None."""
    block = record.get("predictions") or {}
    if protocol not in block or "truth" not in block or "ids" not in block:
        return None
    return (list(block["ids"]), np.asarray(block[protocol], dtype=np.float64),
            np.asarray(block["truth"], dtype=np.float64))


# ------------------------------------------------------------------------ paired comparison
@dataclass(frozen=True)
class Paired:
    """A − B on the same videos: the observed values, Δ, its CI and a two-sided p-value."""

    n: int
    a: float
    b: float
    delta: float
    low: float
    high: float
    p_value: float
    replicates: np.ndarray  # [2, n_resamples]: bootstrap values of A and B (for pooling)


def bootstrap_p(deltas: np.ndarray) -> float:
    """Two-sided p-value of H0 "Δ = 0" from bootstrap replicates of Δ: twice the smaller tail
    beyond 0, with the +1 correction so it is never 0; 1 when every replicate is 0."""
    count = deltas.size
    below = (np.count_nonzero(deltas <= 0) + 1) / (count + 1)
    above = (np.count_nonzero(deltas >= 0) + 1) / (count + 1)
    return float(min(1.0, 2.0 * min(below, above)))


def _percentile(values: np.ndarray, level: float) -> tuple[float, float]:
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(values, [tail, 100.0 - tail])
    return float(low), float(high)


def paired_bootstrap(pred_a: Sequence[float] | np.ndarray, pred_b: Sequence[float] | np.ndarray,
                     truth: Sequence[float] | np.ndarray, n_resamples: int = N_RESAMPLES,
                     seed: int = CI_SEED, level: float = CONFIDENCE) -> Paired:
    """Paired bootstrap of ΔSRCC: resample videos, (A's prediction, B's prediction, label)
    together; percentile CI of Δ and :func:`bootstrap_p`."""
    a, b, t = _arrays(pred_a, pred_b, truth)

    def both(x: np.ndarray, y: np.ndarray, z: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.stack([_srcc_along(x, z, axis), _srcc_along(y, z, axis)])

    result = _bootstrap((a, b, t), both, "percentile", n_resamples, seed, level)
    reps = np.asarray(result.bootstrap_distribution).reshape(2, -1)
    observed = both(a, b, t)
    return _summarise(t.size, float(observed[0]), float(observed[1]), reps, level)


def _summarise(n: int, a: float, b: float, reps: np.ndarray, level: float) -> Paired:
    deltas = reps[0] - reps[1]
    low, high = _percentile(deltas, level)
    return Paired(n, a, b, a - b, low, high, bootstrap_p(deltas), reps)


def _fisher(values: np.ndarray, axis: int = 0) -> np.ndarray:
    return np.tanh(np.mean(np.arctanh(np.clip(values, -0.999999, 0.999999)), axis=axis))


def pooled_paired(parts: Sequence[Paired], level: float = CONFIDENCE) -> Paired:
    """Fisher-z pooled Δ across subsets from their (independently drawn) replicates."""
    if not parts:
        raise ValueError("nothing to pool")
    reps = np.stack([p.replicates for p in parts])  # [K, 2, B]
    a = float(_fisher(np.array([p.a for p in parts])))
    b = float(_fisher(np.array([p.b for p in parts])))
    return _summarise(sum(p.n for p in parts), a, b, _fisher(reps, axis=0), level)


def pooled_ci(pairs: Sequence[tuple[np.ndarray, np.ndarray]], seed: int = CI_SEED,
              level: float = CONFIDENCE) -> tuple[float, float]:
    """Percentile CI of the Fisher-z mean SRCC of one run over several subsets, each subset's
    videos resampled on their own; ``pairs`` = (predictions, labels) per subset."""
    reps = []
    for k, (pred, truth) in enumerate(pairs):
        p, t = _arrays(pred, truth)
        result = _bootstrap((p, t), _srcc_along, "percentile", N_RESAMPLES, seed + k, level)
        reps.append(np.asarray(result.bootstrap_distribution).reshape(-1))
    return _percentile(_fisher(np.stack(reps), axis=0), level)


# ----------------------------------------------------------------------------- over seeds
def seed_summary(values: Sequence[float]) -> tuple[float, float | None, int]:
    """(mean, sample std or None for one value, n) of one metric over seeds."""
    arr = np.asarray(values, dtype=np.float64)
    std = float(arr.std(ddof=1)) if arr.size > 1 else None
    return float(arr.mean()), std, int(arr.size)


def t_interval(values: Sequence[float], level: float = CONFIDENCE) -> tuple[float, float]:
    """Student-t interval of the mean over seeds (needs >= 2 values)."""
    mean, std, n = seed_summary(values)
    if std is None:
        raise ValueError("a t-interval needs at least two seeds")
    half = float(_sps().t.ppf(0.5 + level / 2.0, n - 1)) * std / math.sqrt(n)
    return mean - half, mean + half


def separated(a: Sequence[float], a_interval: tuple[float, float] | None,
              b: Sequence[float], b_interval: tuple[float, float] | None,
              alpha: float = ALPHA) -> bool | None:
    """Whether two table cells differ beyond noise (see :data:`SEPARATION_TEXT`); None when
    neither test applies (a cell without seeds or interval)."""
    if len(a) >= 2 and len(b) >= 2:
        if np.std(a) == 0 and np.std(b) == 0:
            return bool(np.mean(a) != np.mean(b))
        return bool(_sps().ttest_ind(a, b, equal_var=False).pvalue < alpha)
    if a_interval is None or b_interval is None:
        return None
    return a_interval[1] < b_interval[0] or b_interval[1] < a_interval[0]
