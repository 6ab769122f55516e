"""The candidate FineDiving twin with events (``finediving-synth-events``): who dives where,
what the clips of one event share, and that the default diving twin did not change."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aqabench.api import DataRequest
from aqabench_datasets import real_diving, twin_cache, twins
from aqabench_datasets.twin_diving import DivingTwin
from aqabench_datasets.twin_diving_events import DivingEventsTwin
from aqabench_datasets.twin_roster import between_share

#: (split, part) -> (sum, sum of squares) of the tiny default diving twin, from the code whose
#: bytes had sha256 prefix 3e7f647653b999f6 before the variant hooks (choose_dive, draw_skill,
#: clip_offset, flight_embedding) were factored out of DivingTwin. Sums, not a byte digest: the
#: features come out of float32 matmuls whose last bits depend on numpy's OpenBLAS kernels (the
#: digest holds with the SkylakeX kernels, not with OPENBLAS_CORETYPE=Haswell, code unchanged);
#: any real change of the twin moves these sums by far more than the 1e-6 allowed.
DIVING_TINY_SUMS = {
    ("train", "features"): (6986.836398177049, 2847620.6495238263),
    ("train", "lengths"): (6144.0, 589824.0),
    ("train", "scores"): (4259.700000000001, 294438.015),
    ("train", "clean"): (4324.750405218174, 302707.21402674867),
    ("train", "difficulty"): (207.0, 673.1400000000001),
    ("train", "dive_number"): (156.0, 580.0),
    ("train", "judge_scores"): (1315.0, 9366.0),
    ("train", "transitions"): (6002.0, 335240.0),
    ("test", "features"): (19256.73690197082, 1548799.4199433292),
    ("test", "lengths"): (3072.0, 294912.0),
    ("test", "scores"): (2277.25, 165139.1375),
    ("test", "clean"): (2323.648455948049, 171486.63184941447),
    ("test", "difficulty"): (106.5, 355.65),
    ("test", "dive_number"): (89.0, 317.0),
    ("test", "judge_scores"): (684.5, 5001.75),
    ("test", "transitions"): (2797.0, 147157.0),
}


def split_sums(twin: object) -> dict[tuple[str, str], tuple[float, float]]:
    out = {}
    for split in twin_cache.SPLITS:
        arrays = twin_cache.twin_splits(twin, None)[split]
        parts = {"features": arrays.features, "lengths": arrays.lengths,
                 "scores": arrays.scores, "clean": arrays.clean, **arrays.extras}
        for name, part in parts.items():
            x = np.asarray(part, dtype=np.float64)
            out[(split, name)] = (float(x.sum()), float((x * x).sum()))
    return out


def test_the_default_diving_twin_is_unchanged_by_the_variant_hooks() -> None:
    got = split_sums(DivingTwin("tiny"))
    assert set(got) == set(DIVING_TINY_SUMS)
    for key, want in DIVING_TINY_SUMS.items():
        assert got[key] == pytest.approx(want, rel=1e-6), key


def test_events_are_drawn_lazily_and_cover_the_test_split() -> None:
    a, b = DivingEventsTwin("full"), DivingEventsTwin("full")
    first = [a.event_of("train", i) for i in range(50)]
    [b.event_of("test", i) for i in range(100)]  # asking for later clips first changes nothing
    assert [b.event_of("train", i) for i in range(50)] == first
    events = np.array([a.event_of("train", i) for i in range(a.counts[0])])
    test = np.array([a.event_of("test", i) for i in range(a.counts[1])])
    assert 100 <= len(np.unique(np.concatenate([events, test]))) <= 175  # FineDiving: 135
    assert np.isin(test, events).mean() > 0.95  # FineDiving: every test clip


def test_an_events_scores_and_looks_are_shared() -> None:
    twin = DivingEventsTwin("full")
    n = 600
    lats = [twin.latent(twin_cache.video_rng(twin, "train", i, "latent"), "train", i)
            for i in range(n)]
    event = np.array([v.private["event"] for v in lats])
    execution = np.array([v.score / v.extras["difficulty"] for v in lats if v.score > 0])
    ok = np.array([v.score > 0 for v in lats])
    assert between_share(execution, event[ok]) > 0.1  # the default twin: no events at all
    # the clip offset (venue, camera) is the event's look for look_share of its variance
    offsets = np.array([twin.clip_offset(lats[i], np.random.default_rng(i), twin.dim)
                        for i in range(60)])
    corr = np.corrcoef(offsets)
    same = (event[:60, None] == event[None, :60]) & ~np.eye(60, dtype=bool)
    assert same.any()
    assert abs(corr[same].mean() - twin.story.look_share) < 0.1
    assert abs(corr[event[:60, None] != event[None, :60]].mean()) < 0.05


def test_the_events_twin_exports_to_the_finediving_layout(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "fd"
    code, _, err = run_cli("data", "export", "finediving-synth-events", "--size", "tiny",
                           "--out", out)
    assert code == 0, err
    made = twins.load_finediving_events(DataRequest(size="tiny"))
    read = real_diving.load_finediving(DataRequest(root=out))
    for a, b in ((made.train, read.train), (made.test, read.test)):
        assert np.array_equal(a.features.numpy(), b.features.numpy())
        assert np.array_equal(a.scores.numpy(), b.scores.numpy())
