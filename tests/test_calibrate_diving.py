"""benchmarks/calibrate_diving.py: the pooled features it trains USDL on are the twin's own."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from aqabench_datasets.twin_diving import DivingTwin
from aqabench_datasets.twin_stats import twin_videos

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import calibrate_diving  # noqa: E402


def test_pooled_features_are_affine_in_the_execution_amplitude() -> None:
    pop = calibrate_diving.Population(0, (6, 3), size="tiny")
    for amp in (0.3, 2.5):
        bundle = pop.bundle(amp)
        twin = DivingTwin("tiny")
        twin.stream = "calibration:0"
        twin.story = replace(twin.story, quality_amp=amp)
        for split, part in (("train", bundle.train), ("test", bundle.test)):
            videos = twin_videos(twin, len(part.scores), split)
            want = np.stack([v.mean(0) for v in videos])
            np.testing.assert_allclose(part.features[:, 0].numpy(), want, atol=2e-5)
            assert part.features.shape[1] == 1 and bool((part.lengths == 1).all())
    # the labels do not depend on the amplitude, and they are the twin's
    assert np.array_equal(pop.bundle(0.3).train.scores.numpy(),
                          pop.bundle(2.5).train.scores.numpy())
