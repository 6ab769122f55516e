"""``aqabench extract``: clips, caching, and bad videos (a fake backbone keeps it fast)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aqabench.cli import main
from aqabench.extraction import clip_groups, expected_clips
from tests.test_backbones_support import FAKE_DIM, FakeBackbone, ramp_frames, registry, write_video

__all__ = ["registry"]


@pytest.mark.parametrize(("frames", "clip_len", "clips"), [
    (40, 16, 3),   # 2 whole clips + a tail of 8 >= half a clip, padded
    (39, 16, 2),   # tail of 7 < half a clip, dropped
    (5, 16, 1),    # shorter than half a clip: still one padded clip
    (64, 16, 4),
])
def test_clip_groups_pad_or_drop_the_tail(frames: int, clip_len: int, clips: int) -> None:
    video = [np.full((2, 2, 3), i, np.uint8) for i in range(frames)]
    groups = list(clip_groups(iter(video), clip_len, clips=2))
    stacked = np.concatenate(groups)
    assert all(len(g) % clip_len == 0 for g in groups)
    assert len(stacked) == clips * clip_len == expected_clips(frames, clip_len) * clip_len
    kept = min(frames, len(stacked))
    assert (stacked[:kept, 0, 0, 0] == np.arange(kept)).all()  # order kept
    assert (stacked[kept:, 0, 0, 0] == frames - 1).all()  # padding repeats the last frame


def test_extract_writes_features_and_reuses_the_cache(registry, tmp_path: Path, capsys) -> None:
    video = write_video(tmp_path / "ramp.mp4", ramp_frames(20))
    out = tmp_path / "out"
    assert main(["extract", str(video), "--backbone", "fake", "--out", str(out)]) == 0
    features = np.load(out / "ramp.npy")
    assert features.shape == (3, FAKE_DIM) and features.dtype == np.float32  # 8 + 8 + 4->8
    assert features[0, 0] < features[1, 0] < features[2, 0]  # brightness grows clip by clip
    assert FakeBackbone.clips == 3
    assert "ramp.npy" in capsys.readouterr().out

    (out / "ramp.npy").unlink()
    assert main(["extract", str(video), "--backbone", "fake", "--out", str(out)]) == 0
    assert FakeBackbone.clips == 3  # served from the cache: the backbone never ran
    np.testing.assert_array_equal(np.load(out / "ramp.npy"), features)

    assert main(["extract", str(video), "--backbone", "fake", "--out", str(out),
                 "--clip-len", "4"]) == 0
    assert FakeBackbone.clips == 3 + 5  # another clip length is another cache entry
    assert np.load(out / "ramp.npy").shape == (5, FAKE_DIM)


def test_extract_a_folder(registry, tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    write_video(videos / "a.mp4", ramp_frames(16))
    write_video(videos / "b.avi", ramp_frames(24))
    (videos / "notes.txt").write_text("not a video")
    out = tmp_path / "out"
    assert main(["extract", str(videos), "--backbone", "fake", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["a.npy", "b.npy"]
    assert np.load(out / "b.npy").shape == (3, FAKE_DIM)


@pytest.mark.parametrize("content", [b"", b"\x00\x01garbage" * 200], ids=["empty", "garbage"])
def test_bad_video_is_one_line_error_and_writes_nothing(registry, tmp_path: Path, capsys,
                                                        content: bytes) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    write_video(videos / "good.mp4", ramp_frames(16))
    (videos / "zbroken.mp4").write_bytes(content)
    out = tmp_path / "out"
    for target in (videos / "zbroken.mp4", videos):
        assert main(["extract", str(target), "--backbone", "fake", "--out", str(out)]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "zbroken.mp4" in err
        assert not out.exists()  # not even good.npy: all or nothing


def test_missing_input_and_feature_only_backbone(registry, tmp_path: Path, capsys) -> None:
    assert main(["extract", str(tmp_path / "nope.mp4"), "--out", str(tmp_path / "o")]) == 2
    assert "nope.mp4" in capsys.readouterr().err
    video = write_video(tmp_path / "v.mp4", ramp_frames(8))
    assert main(["extract", str(video), "--backbone", "precomputed", "--out",
                 str(tmp_path / "o")]) == 2
    assert "cannot extract" in capsys.readouterr().err
    assert main(["extract", str(video), "--backbone", "fake", "--clip-len", "0", "--out",
                 str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()
