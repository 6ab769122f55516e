"""benchmarks/calibrate_deviation.py: the twin at a deviation size, and where MS-LSTM crosses."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import calibrate_deviation  # noqa: E402

from aqabench_datasets import twin_cache  # noqa: E402


def _row(amp: float, mslstm: float) -> dict:
    return {"amp": amp, "mslstm": {"final": mslstm}}


def test_crossing_is_log_linear_between_the_bracketing_sizes() -> None:
    rows = [_row(24.0, 0.75), _row(8.0, 0.55)]  # any order
    amp = calibrate_deviation.crossing(rows)
    assert amp == pytest.approx(float(np.exp(np.log(8) + 0.5 * np.log(3))))  # halfway in log
    assert calibrate_deviation.crossing([_row(8.0, 0.5), _row(24.0, 0.6)]) is None


def test_the_size_only_scales_the_deviations_and_keeps_the_scores() -> None:
    small, large = (calibrate_deviation.twin_at("TES", deviation_size=0.0, deviation_amp=a)
                    for a in (1.0, 3.0))
    assert (small.story.deviation_amp, large.story.deviation_amp) == (1.0, 3.0)
    assert small.story.gain == large.story.gain
    # the twin's own scale: an absolute size, the same deviations as that many times the gain
    absolute = calibrate_deviation.twin_at("TES", deviation_size=3.0 * large.story.gain)
    twins = (small, large, absolute)
    for twin in twins:
        twin.stream, twin.train_count = "test:0", 2
    lats = [t.latent(twin_cache.video_rng(t, "train", 0, "latent"), "train", 0) for t in twins]
    assert lats[0].score == lats[1].score == lats[2].score
    out = []
    for twin, lat in zip(twins, lats):
        story = np.zeros((lat.length, twin.story.backbone.rank), np.float32)
        twin.add_variation(lat.private, np.random.default_rng(0), story)
        out.append(story)
    np.testing.assert_allclose(out[1], 3.0 * out[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[2], out[1], rtol=1e-5, atol=1e-6)
