"""Every metric aqabench reports, in one place.

- SRCC: Spearman's rank correlation (scipy), scale-free.
- Pearson's r.
- L2: mean squared error in the dataset's raw score units.
- R-ℓ2 (×100): ``100 * mean(((ŝ - s) / (s_max - s_min))**2)``, range over the test labels
  (CoRe, ICCV'21).
- Fisher-z mean: ``tanh(mean(atanh(r_k)))``, how the papers average SRCC across subsets.
- AIoU@d: % of videos whose middle-stage temporal IoU is ≥ d (TSA / FineDiving, MCoRe).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np


def _scipy_stats() -> Any:
    """``scipy.stats``, imported on first use (the CLI's ``--help`` must not pay for it)."""
    from scipy import stats

    return stats

ArrayLike = Sequence[float] | np.ndarray


def _pair(pred: ArrayLike, true: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(pred, dtype=np.float64).reshape(-1)
    t = np.asarray(true, dtype=np.float64).reshape(-1)
    if p.shape != t.shape:
        raise ValueError(f"prediction and truth differ in length: {p.size} vs {t.size}")
    if p.size < 2:
        raise ValueError("need at least two samples")
    return p, t


def srcc(pred: ArrayLike, true: ArrayLike) -> float:
    """Spearman's rho; 0.0 when either side is constant (scipy would give NaN)."""
    p, t = _pair(pred, true)
    if np.ptp(p) == 0 or np.ptp(t) == 0:
        return 0.0
    return float(_scipy_stats().spearmanr(p, t).statistic)


def pearson(pred: ArrayLike, true: ArrayLike) -> float:
    p, t = _pair(pred, true)
    if np.ptp(p) == 0 or np.ptp(t) == 0:
        return 0.0
    return float(_scipy_stats().pearsonr(p, t).statistic)


def l2(pred: ArrayLike, true: ArrayLike) -> float:
    p, t = _pair(pred, true)
    return float(np.mean((p - t) ** 2))


def relative_l2(pred: ArrayLike, true: ArrayLike) -> float:
    """R-ℓ2 ×100, normalised by the range of the true (test) labels."""
    p, t = _pair(pred, true)
    span = float(t.max() - t.min())
    if span == 0:
        raise ValueError("R-l2 is undefined when all true scores are equal")
    return float(100.0 * np.mean(((p - t) / span) ** 2))


def fisher_z_mean(values: Iterable[float]) -> float:
    """Average correlations through Fisher's z: ``tanh(mean(atanh(r)))``."""
    vals = [float(v) for v in values]
    if not vals:
        raise ValueError("no values to average")
    clipped = [min(max(v, -0.999999), 0.999999) for v in vals]
    return math.tanh(sum(math.atanh(v) for v in clipped) / len(clipped))


def temporal_iou(pred: np.ndarray, true: np.ndarray) -> np.ndarray:
    """1-D IoU of intervals ``[start, end]`` given as ``[N, 2]`` arrays."""
    pred = np.asarray(pred, dtype=np.float64).reshape(-1, 2)
    true = np.asarray(true, dtype=np.float64).reshape(-1, 2)
    overlap = np.minimum(pred[:, 1], true[:, 1]) - np.maximum(pred[:, 0], true[:, 0])
    inter = np.clip(overlap, 0, None)
    union = np.maximum(pred[:, 1], true[:, 1]) - np.minimum(pred[:, 0], true[:, 0])
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def aiou(pred: np.ndarray, true: np.ndarray, threshold: float) -> float:
    """AIoU@threshold in %: share of videos whose middle-stage tIoU ≥ threshold."""
    return float(100.0 * np.mean(temporal_iou(pred, true) >= threshold))


def score_metrics(pred: ArrayLike, true: ArrayLike) -> dict[str, float]:
    """The standard set for one evaluation, in raw score units."""
    return {
        "srcc": srcc(pred, true),
        "pearson": pearson(pred, true),
        "l2": l2(pred, true),
        "rl2": relative_l2(pred, true),
    }


def stage_metrics(pred_transitions: np.ndarray, true_transitions: np.ndarray) -> dict[str, float]:
    return {
        "aiou50": aiou(pred_transitions, true_transitions, 0.5),
        "aiou75": aiou(pred_transitions, true_transitions, 0.75),
    }
