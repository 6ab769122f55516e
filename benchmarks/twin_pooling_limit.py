"""How much of a routine twin's score can mean pooling + a linear head reach, given data?

A diagnosis for issue 18 (the v5 twins rank learned methods below or near ``ridge``). If the
twin's score were (close to) linear in the *mean* clip feature, mean pooling would be a
sufficient statistic: a linear head on pooled features, given enough videos, would approach
the oracle ceiling, and a learned temporal model could beat ``ridge`` at the real training size
only by estimating the same linear map with less variance — never by reading structure pooling
destroys. Real features are not like that: on the same C3D features MS-LSTM reaches 0.65 on
Fis-V TES where the linear C3D+SVR reaches 0.40 (CoFInAl Tab. 1).

For each subset this draws a large population of twin videos from a stream of its own (never
the benchmark's split), mean-pools them, fits closed-form ridge regression (features
standardised, the penalty chosen by 5-fold cross-validation on the training part) on the first
``n`` videos for growing ``n``, and prints test SRCC on held-out videos beside the oracle ceiling
(SRCC of the noise-free score against the observed one on the same test videos). Nothing is
fitted to a published number; the twins are not changed.

    python benchmarks/twin_pooling_limit.py                       # Clubs, Ribbon, PCS
    python benchmarks/twin_pooling_limit.py --subset Ball --max-train 3200 --test 1000
    python benchmarks/twin_pooling_limit.py --irregular --subset TES --pool mean+std

``--pool mean+std`` adds each dimension's standard deviation over the clips to the mean: a
linear head on it can read a signal that lies in how far clips stray (the irregular-execution
candidate's execution, ``--irregular``) where the mean cannot; a learned model that applies a
non-linearity to each clip before pooling can read at least as much.
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy.stats import spearmanr

from aqabench_datasets import twin_cache
from aqabench_datasets.twin_irregular import FisVIrregularTwin, RGIrregularTwin
from aqabench_datasets.twin_routines import FisVTwin, RGTwin, RoutineTwin
from aqabench_datasets.twin_stats import twin_videos

PENALTIES = np.logspace(-3, 4, 15)


def pooled(video: np.ndarray, pool: str) -> np.ndarray:
    """The mean clip, or with ``mean+std`` the mean and each dimension's std over clips."""
    if pool == "mean":
        return video.mean(0)
    return np.concatenate([video.mean(0), video.std(0)])


def population(twin: RoutineTwin, count: int, stream: str, pool: str = "mean"
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pooled features [count, dim], observed scores and noise-free scores of ``count`` videos."""
    twin.stream = stream
    feats = np.stack([pooled(v, pool) for v in twin_videos(twin, count, "train")]
                     ).astype(np.float64)
    latents = twin_cache.split_latents(twin, "train", count)
    return feats, np.array([z.score for z in latents]), np.array([z.clean for z in latents])


def ridge_fit(x: np.ndarray, y: np.ndarray, penalty: float) -> tuple[np.ndarray, float]:
    """Weights and intercept of ridge regression on centred data (closed form, dual if wide)."""
    mx, my = x.mean(0), y.mean()
    xc, yc = x - mx, y - my
    if xc.shape[0] < xc.shape[1]:
        alpha = np.linalg.solve(xc @ xc.T + penalty * np.eye(len(xc)), yc)
        w = xc.T @ alpha
    else:
        w = np.linalg.solve(xc.T @ xc + penalty * np.eye(xc.shape[1]), xc.T @ yc)
    return w, float(my - mx @ w)


def cv_penalty(x: np.ndarray, y: np.ndarray, folds: int = 5) -> float:
    """The penalty of PENALTIES with the best mean held-out SRCC over ``folds`` folds."""
    index = np.arange(len(x)) % folds
    best, chosen = -np.inf, PENALTIES[0]
    for penalty in PENALTIES:
        scores = []
        for k in range(folds):
            w, b = ridge_fit(x[index != k], y[index != k], penalty)
            scores.append(spearmanr(x[index == k] @ w + b, y[index == k]).statistic)
        if np.mean(scores) > best:
            best, chosen = float(np.mean(scores)), penalty
    return float(chosen)


def standardise(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, std = train.mean(0), train.std(0) + 1e-8
    return (train - mean) / std, (test - mean) / std


def curve(twin: RoutineTwin, sizes: list[int], n_test: int, pool: str = "mean"
          ) -> tuple[list[float], float]:
    """Test SRCC of pooled ridge per training size, and the oracle ceiling on the test part."""
    x, y, clean = population(twin, max(sizes) + n_test, f"{twin.subset}:pooling-limit", pool)
    x_test, y_test = x[-n_test:], y[-n_test:]
    out = []
    for n in sizes:
        xs, xt = standardise(x[:n], x_test)
        w, b = ridge_fit(xs, y[:n], cv_penalty(xs, y[:n]))
        out.append(float(spearmanr(xt @ w + b, y_test).statistic))
    return out, float(spearmanr(clean[-n_test:], y_test).statistic)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subset", action="append",
                        help="RG apparatus or TES / PCS (default: Clubs, Ribbon, PCS)")
    parser.add_argument("--max-train", type=int, default=3200)
    parser.add_argument("--test", type=int, default=1000)
    parser.add_argument("--pool", choices=("mean", "mean+std"), default="mean")
    parser.add_argument("--irregular", action="store_true",
                        help="the irregular-execution candidates instead of the v5 twins")
    args = parser.parse_args()
    rg, fisv = (RGIrregularTwin, FisVIrregularTwin) if args.irregular else (RGTwin, FisVTwin)
    sizes = [n for n in (100, 200, 400, 800, 1600, 3200, 6400) if n <= args.max_train]
    print("| subset | " + " | ".join(f"n={n}" for n in sizes) + " | ceiling |")
    print("|---|" + "---|" * (len(sizes) + 1))
    for subset in args.subset or ["Clubs", "Ribbon", "PCS"]:
        twin = fisv(subset, "full") if subset in ("TES", "PCS") else rg(subset, "full")
        srcc, ceiling = curve(twin, sizes, args.test, args.pool)
        print(f"| {subset} | " + " | ".join(f"{v:.3f}" for v in srcc) + f" | {ceiling:.3f} |",
              flush=True)


if __name__ == "__main__":
    main()
