"""``toy-synth``: a seconds-sized synthetic AQA set for smoke tests of the harness.

Each video has three procedures of random length, each with a latent execution quality
``q ~ N(0, 1)``. A clip's feature is a per-video nuisance offset + its procedure's embedding +
``q * u`` along a quality direction + noise. The score is ``5 + sum(q)`` plus judge noise,
so mean pooling recovers part of the signal and the oracle ceiling (noise-free vs observed score)
is below 1.
"""

from __future__ import annotations

import numpy as np
import torch

from aqabench import metrics
from aqabench.api import DataBundle, DataRequest, FeatureSet

SIZES = {"full": (160, 80, 64), "tiny": (96, 48, 16)}  # train, test, feature dim
PROCEDURES = 3


def make_split(count: int, dim: int, seed: int) -> tuple[FeatureSet, np.ndarray]:
    rng = np.random.default_rng(seed)
    basis = np.random.default_rng(12345).standard_normal((PROCEDURES + 1, dim))
    ids, seqs, scores, clean = [], [], [], []
    for i in range(count):
        length = int(rng.integers(24, 33))
        cuts = np.sort(rng.choice(np.arange(4, length - 4), PROCEDURES - 1, replace=False))
        quality = rng.standard_normal(PROCEDURES)
        offset = 1.0 * rng.standard_normal(dim)
        x = offset + 0.5 * rng.standard_normal((length, dim))
        for p, (a, b) in enumerate(zip([0, *cuts], [*cuts, length])):
            x[a:b] += basis[p] + quality[p] * basis[-1]
        ids.append(f"toy_{seed}_{i:04d}")
        seqs.append(torch.from_numpy(x.astype(np.float32)))
        clean.append(5.0 + quality.sum())
        scores.append(clean[-1] + 0.5 * rng.standard_normal())
    return FeatureSet.from_sequences(ids, seqs, scores), np.asarray(clean)


def load(request: DataRequest) -> DataBundle:
    n_train, n_test, dim = SIZES[request.size]
    train, _ = make_split(n_train, dim, seed=1)
    test, clean = make_split(n_test, dim, seed=2)
    ceiling = metrics.srcc(clean, test.scores.numpy())
    return DataBundle(train=train, test=test, backbone="synthetic", split_id="toy",
                      meta={"ceiling": ceiling, "generator": "toy-synth v1"})
