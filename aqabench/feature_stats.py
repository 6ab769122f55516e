"""Statistics of clip features that decide what pooling vs attention can learn.

Computed the same way on any list of per-video feature arrays ``[clips, dim]`` — a real
backbone's features of real videos, or a synthetic twin's — so the two can be printed side by
side (``benchmarks/twins.py --real``, docs/datasets.md):

- ``mean`` / ``std``: the mean of all entries and the mean per-dimension standard deviation
  (the scale a first layer sees);
- ``effective_rank``: the participation ratio ``(Σλ)² / Σλ²`` of the clip covariance
  eigenvalues (how many directions carry the variance), and ``dims90``, how many principal
  directions hold 90 % of it;
- ``between_share``: the share of the variance that lies between video means (what a video-level
  read-out sees; the rest varies within a video);
- ``autocorr_k`` (k = 1, 2, 4): lag-k autocorrelation of the within-video deviations
  ``x_t − mean_video`` pooled over videos (how slowly a video's features drift over clips).

Every statistic but the means depends on how many videos and clips it is computed from (the
rank of 72 clips is at most 71), so compare like with like: :func:`matched_sample` cuts a
twin's videos to the lengths of the real sample.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

LAGS = (1, 2, 4)
KEYS = ("mean", "std", "effective_rank", "dims90", "between_share") + tuple(
    f"autocorr_{k}" for k in LAGS)


def feature_stats(videos: Sequence[np.ndarray]) -> dict[str, float]:
    """The statistics above of ``videos`` (each ``[clips, dim]``, at least one clip)."""
    clips = np.concatenate([np.asarray(v, dtype=np.float64) for v in videos], axis=0)
    centred = clips - clips.mean(0)
    eig = np.clip(np.linalg.eigvalsh(centred.T @ centred / max(len(clips) - 1, 1)), 0, None)
    eig = eig[::-1]
    total = float(eig.sum()) or 1.0
    stats = {
        "mean": float(clips.mean()),
        "std": float(clips.std(0).mean()),
        "effective_rank": total**2 / float((eig**2).sum() or 1.0),
        "dims90": float(np.searchsorted(np.cumsum(eig) / total, 0.9) + 1),
    }
    grand = clips.mean(0)
    between = sum(len(v) * float(((np.mean(v, 0) - grand) ** 2).sum()) for v in videos)
    stats["between_share"] = between / float((centred**2).sum() or 1.0)
    deviations = [np.asarray(v, np.float64) - np.mean(v, 0) for v in videos]
    for k in LAGS:
        lagged = sum(float((d[k:] * d[:-k]).sum()) for d in deviations if len(d) > k)
        within = sum(float((d[k:] ** 2).sum() + (d[:-k] ** 2).sum()) / 2
                     for d in deviations if len(d) > k)
        stats[f"autocorr_{k}"] = lagged / within if within else float("nan")
    return stats


def matched_sample(videos: Sequence[np.ndarray], lengths: Sequence[int]) -> list[np.ndarray]:
    """The first ``len(lengths)`` videos, each cut to the matching length (its first clips)."""
    if len(videos) < len(lengths):
        raise ValueError(f"need {len(lengths)} videos, got {len(videos)}")
    return [np.asarray(v)[: min(n, len(v))] for v, n in zip(videos, lengths)]


def segments(video: np.ndarray, length: int) -> list[np.ndarray]:
    """``video`` cut into its contiguous ``length``-clip segments (a shorter tail is dropped)."""
    video = np.asarray(video)
    return [video[i * length:(i + 1) * length] for i in range(len(video) // length)]


def between_share(videos: Sequence[np.ndarray]) -> float:
    """The share of the clips' variance that lies between the means of ``videos``."""
    return feature_stats(videos)["between_share"]


def noise_between_share(groups: int, clips: int) -> float:
    """:func:`between_share` expected of ``groups`` groups of ``clips`` i.i.d. clips: ``(g - 1) /
    (g·c - 1)``, what group means share of pure noise (the floor of any split's figure)."""
    return (groups - 1) / (groups * clips - 1)
