"""The candidate FineDiving twin with events (``finediving-synth-events``): who dives where,
what the clips of one event share, and that the default diving twin did not change."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from aqabench.api import DataRequest
from aqabench_datasets import real_diving, twin_cache, twins
from aqabench_datasets.twin_diving import DivingTwin
from aqabench_datasets.twin_diving_events import DivingEventsTwin
from aqabench_datasets.twin_roster import between_share


def split_digest(twin: object) -> str:
    digest = hashlib.sha256()
    for split in twin_cache.SPLITS:
        arrays = twin_cache.twin_splits(twin, None)[split]
        for part in (arrays.features, arrays.lengths, arrays.scores, arrays.clean,
                     *(arrays.extras[k] for k in sorted(arrays.extras))):
            digest.update(np.ascontiguousarray(part).tobytes())
    return digest.hexdigest()[:16]


def test_the_default_diving_twin_is_unchanged_by_the_variant_hooks() -> None:
    # the tiny twin's bytes as generated before the hooks (choose_dive, draw_skill,
    # clip_offset, flight_embedding) were factored out of DivingTwin
    assert split_digest(DivingTwin("tiny")) == "3e7f647653b999f6"


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
