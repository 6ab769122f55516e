"""The ``i3d`` backbone: frames -> 1024-d Kinetics-400 I3D clip features.

Preprocessing follows DeepMind's kinetics-i3d evaluation: RGB frames resized so the short side
is 256 (bilinear, antialiased), a centre 224×224 crop, values scaled to [-1, 1]. Frames are
split into non-overlapping clips of ``clip_len`` frames; each clip gives one feature
(:meth:`aqabench_backbones.i3d_net.I3D.features`). Weights: :mod:`aqabench_backbones.i3d_weights`.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import torch
import torch.nn.functional as F

from .i3d_net import FEATURE_DIM, I3D
from .i3d_weights import load_state_dict

SHORT_SIDE = 256
CROP = 224
DEFAULT_CLIP_LEN = 32
#: Clips pushed through the network at once (bounds memory: 32 frames ≈ 19 MB of input each).
CLIPS_PER_FORWARD = 4


def kinetics400_labels() -> list[str]:
    """The 400 Kinetics class names in the order of the logits (alphabetical)."""
    text = files("aqabench_backbones").joinpath("kinetics400_labels.txt").read_text("utf-8")
    return [line for line in text.splitlines() if line]


def preprocess(frames: torch.Tensor) -> torch.Tensor:
    """``[F, H, W, 3]`` uint8 -> ``[3, F, 224, 224]`` float in [-1, 1]."""
    x = frames.permute(0, 3, 1, 2).float()
    height, width = x.shape[-2:]
    scale = SHORT_SIDE / min(height, width)
    size = (max(CROP, round(height * scale)), max(CROP, round(width * scale)))
    if size != (height, width):
        x = F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=True)
    top, left = (size[0] - CROP) // 2, (size[1] - CROP) // 2
    x = x[:, :, top:top + CROP, left:left + CROP].clamp(0, 255)
    return (x / 127.5 - 1.0).permute(1, 0, 2, 3).contiguous()


class I3DBackbone:
    """Frozen Kinetics-400 I3D (RGB). ``extract(frames)`` -> ``[clips, 1024]``."""

    feature_dim = FEATURE_DIM

    def __init__(self, device: torch.device | str = "cpu", cache_dir: Path | None = None,
                 clip_len: int = DEFAULT_CLIP_LEN) -> None:
        from aqabench.runner import default_cache_dir

        self.device = torch.device(device)
        self.clip_len = clip_len
        self.net = I3D()
        self.net.load_state_dict(load_state_dict(cache_dir or default_cache_dir()))
        self.net.eval().to(self.device)
        for param in self.net.parameters():
            param.requires_grad_(False)

    def _clips(self, frames: torch.Tensor) -> torch.Tensor:
        if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != torch.uint8:
            raise ValueError(f"frames must be [F, H, W, 3] uint8, got {tuple(frames.shape)} "
                             f"{frames.dtype}")
        if frames.shape[0] == 0 or frames.shape[0] % self.clip_len:
            raise ValueError(f"{frames.shape[0]} frames is not a positive multiple of the clip "
                             f"length {self.clip_len}")
        return frames.reshape(-1, self.clip_len, *frames.shape[1:])

    def extract(self, frames: torch.Tensor) -> torch.Tensor:
        """``[F, H, W, 3]`` uint8, ``F`` a multiple of ``clip_len`` -> ``[F / clip_len, 1024]``."""
        return self._run(frames, logits=False)

    def classify(self, frames: torch.Tensor) -> torch.Tensor:
        """Kinetics-400 class probabilities per clip, ``[clips, 400]``."""
        return self._run(frames, logits=True).softmax(dim=-1)

    def _run(self, frames: torch.Tensor, logits: bool) -> torch.Tensor:
        outputs = []
        with torch.inference_mode():
            for group in self._clips(frames).split(CLIPS_PER_FORWARD):
                x = torch.stack([preprocess(clip) for clip in group]).to(self.device)
                feature = self.net.features(x)
                outputs.append((self.net.logits(feature) if logits else feature).float().cpu())
        return torch.cat(outputs)


def build(device: torch.device | str = "cpu") -> I3DBackbone:
    return I3DBackbone(device)
