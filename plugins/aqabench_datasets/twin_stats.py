"""A twin's clip statistics measured like a real sample's (:mod:`aqabench.feature_stats`).

The real reference is small (8 videos, 72 clips), and every statistic but the means depends on
how many videos and clips it is computed from, so a twin is measured on matched samples: groups
of its test videos, each cut to a real video's clip count, the statistics averaged over groups.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from aqabench.feature_stats import feature_stats, matched_sample

from . import twin_cache
from .twin_routines import RoutineTwin


def twin_videos(twin: RoutineTwin, count: int, split: str = "test") -> list[np.ndarray]:
    """The first ``count`` videos of ``twin``'s ``split``, each ``[length, dim]`` (nothing
    cached): the bytes the cached split holds (:func:`twin_cache.fill_videos`)."""
    latents = twin_cache.split_latents(twin, split, count)
    videos = [np.empty((latent.length, twin.dim), np.float32) for latent in latents]
    twin_cache.fill_videos(twin, split, latents, videos)
    return videos


def matched_stats(twin: RoutineTwin, lengths: Sequence[int], groups: int) -> dict[str, float]:
    """The mean over ``groups`` matched samples of ``twin``'s statistics."""
    n = len(lengths)
    videos = twin_videos(twin, groups * n)
    per = [feature_stats(matched_sample(videos[g * n:(g + 1) * n], lengths))
           for g in range(groups)]
    return {key: float(np.mean([p[key] for p in per])) for key in per[0]}
