"""The one-venue bound (rg-synth-onevenue): v5's RG twin without the per-video offset, whose
separate videos then differ as much as segments of one fixed-camera real video do."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from aqabench.feature_stats import between_share
from aqabench.plugins import get_registry
from aqabench_datasets import twins
from aqabench_datasets.twin_routines import RG_STORY, ROUTINE_BACKBONE
from aqabench_datasets.twin_stats import twin_videos
from aqabench_datasets.twin_venue import RG_ONE_VENUE_GAINS


def test_only_the_offset_and_the_gain_differ_from_v5() -> None:
    for subset, gain in RG_ONE_VENUE_GAINS.items():
        story = twins.make_twin("rg-synth-onevenue", subset, "full").story
        assert story == replace(RG_STORY, backbone=replace(ROUTINE_BACKBONE, offset=0.0),
                                gain=gain)
        assert 0 < gain < twins.make_twin("rg-synth-v5", subset, "full").story.gain


def _separate_share(name: str, videos: int = 8, groups: int = 5, clips: int = 5) -> float:
    """Between-video share of ``groups`` separate videos of ``clips`` clips each, averaged
    over rotations (benchmarks/twins.py --segments, "separate videos")."""
    vids = twin_videos(twins.make_twin(name, "Ball", "full"), videos)
    return float(np.mean([between_share([vids[(k + j) % videos][:clips] for j in range(groups)])
                          for k in range(videos)]))


@pytest.mark.parametrize("name", ["rg-synth-onevenue"])
def test_separate_videos_differ_like_segments_of_one_real_video(name: str) -> None:
    # real I3D: vtest cut into 5 segments of 5 clips 0.325; unrelated videos (v5's fit) ~0.6
    assert _separate_share(name) == pytest.approx(0.325, abs=0.05)
    assert _separate_share("rg-synth-v5") > 0.5


def test_registered_with_its_loader_info_and_export() -> None:
    spec = get_registry().dataset("rg-synth-onevenue")
    assert spec.synthetic and spec.export and spec.info
    assert spec.subsets == ("Ball", "Clubs", "Hoop", "Ribbon")
