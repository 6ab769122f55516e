"""Shared helpers for the backbone / extract / score tests (no tests of its own).

A fake frame backbone (cheap, deterministic), a 1024-d stand-in dataset, a registry with both
plugged in beside the installed plugins, and short test videos encoded with PyAV.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import aqabench
from aqabench import plugins
from aqabench.api import BackboneSpec, DataBundle, DataRequest, DatasetSpec, FeatureSet

FAKE_DIM = 16  # = toy-synth's tiny feature size, so a toy checkpoint can score fake features


class FakeBackbone:
    """Clip feature = per-channel mean and std of the clip's pixels, tiled to FAKE_DIM."""

    feature_dim = FAKE_DIM
    clips = 0  # clips extracted so far (class-wide, reset by the registry fixture)

    def __init__(self, device: Any = "cpu") -> None:
        self.clip_len = 8

    def extract(self, frames: torch.Tensor) -> torch.Tensor:
        assert frames.dtype == torch.uint8 and frames.shape[0] % self.clip_len == 0
        clips = frames.float().reshape(-1, self.clip_len, *frames.shape[1:]) / 255.0
        FakeBackbone.clips += len(clips)
        stats = torch.cat([clips.mean(dim=(1, 2, 3)), clips.std(dim=(1, 2, 3))], dim=1)
        return stats.repeat(1, FAKE_DIM // 6 + 1)[:, :FAKE_DIM]


def load_standin(request: DataRequest) -> DataBundle:
    """A 1024-d synthetic set (the I3D feature size): score = 5 + 3 * mean feature."""
    gen = torch.Generator().manual_seed(7)

    def split(n: int) -> FeatureSet:
        seqs = [torch.randn(int(torch.randint(3, 6, (1,), generator=gen)), 1024, generator=gen)
                for _ in range(n)]
        scores = [5.0 + 3.0 * float(s.mean()) * 32 for s in seqs]
        return FeatureSet.from_sequences([f"v{i}" for i in range(n)], seqs, scores)

    return DataBundle(train=split(24), test=split(12), backbone="synthetic")


class StandInPlugin:
    @aqabench.hookimpl
    def aqabench_register_backbones(self, register: Any) -> None:
        register(BackboneSpec(name="fake", factory=FakeBackbone, feature_dim=FAKE_DIM,
                              clip_len=8, weights="fake v1"))

    @aqabench.hookimpl
    def aqabench_register_datasets(self, register: Any) -> None:
        register(DatasetSpec(name="standin-1024", loader=load_standin, synthetic=True,
                             backbone="synthetic"))


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> plugins.Registry:
    """The installed plugins plus the test plugin, as the process registry; a private cache."""
    monkeypatch.setenv("AQABENCH_CACHE", str(tmp_path / "cache"))
    reg = plugins.load_registry(strict=False)
    reg.add_plugin("test", StandInPlugin)
    monkeypatch.setattr(plugins, "_REGISTRY", reg)
    FakeBackbone.clips = 0
    return reg


def write_video(path: Path, frames: np.ndarray, fps: int = 25, codec: str = "mpeg4") -> Path:
    """Encode ``[F, H, W, 3]`` uint8 frames (even H, W) with PyAV."""
    av = pytest.importorskip("av")
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=fps)
        stream.height, stream.width = frames.shape[1:3]
        stream.pix_fmt = "yuv420p"
        stream.options = {"qscale": "2"} if codec == "mpeg4" else {}
        for array in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(array, format="rgb24")))
        container.mux(stream.encode())
    return path


def ramp_frames(count: int, height: int = 48, width: int = 64) -> np.ndarray:
    """Frames whose brightness grows with time (so clips differ)."""
    levels = np.linspace(20, 230, count).astype(np.uint8)
    return np.broadcast_to(levels[:, None, None, None], (count, height, width, 3)).copy()
