"""``wave-synth``: each clip is a noisy sine wave; the video's score is its mean amplitude."""

from __future__ import annotations

import numpy as np
import torch

from aqabench.api import DataBundle, DataRequest, FeatureSet

SIZES = {"full": (200, 100), "tiny": (64, 32)}
DIM = 24


def make_split(count: int, seed: int) -> FeatureSet:
    rng = np.random.default_rng(seed)
    phase = np.linspace(0, 2 * np.pi, DIM)
    ids, seqs, scores = [], [], []
    for i in range(count):
        length = int(rng.integers(20, 31))
        amplitude = rng.uniform(0.5, 2.0, size=length)
        clips = amplitude[:, None] * np.sin(phase[None] + rng.uniform(0, 6.3, size=(length, 1)))
        clips += 0.3 * rng.standard_normal((length, DIM))
        ids.append(f"wave_{seed}_{i:03d}")
        seqs.append(torch.from_numpy(clips.astype(np.float32)))
        scores.append(float(10 * amplitude.mean() + rng.normal(0, 0.2)))
    return FeatureSet.from_sequences(ids, seqs, scores)


def load(request: DataRequest) -> DataBundle:
    n_train, n_test = SIZES[request.size]
    return DataBundle(train=make_split(n_train, 1), test=make_split(n_test, 2),
                      backbone="synthetic", split_id="wave-v1")
