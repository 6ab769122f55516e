"""Inception-I3D (Carreira & Zisserman, "Quo Vadis, Action Recognition?", CVPR 2017), RGB stream.

A pure-PyTorch re-implementation of DeepMind's kinetics-i3d graph: Inception-v1 inflated to 3-D
(§2.4, Fig. 3). Every convolution and max-pool uses TensorFlow "SAME" padding (total pad
``max((ceil(n/s) - 1) * s + k - n, 0)`` per axis, the smaller half before), max-pools pad with
``-inf``. The released BatchNorm has no scale (gamma = 1) and eps = 1e-3; we fold it into the
preceding convolution when converting the weights (``i3d_weights``), so each unit here is
Conv3d (with bias) + ReLU — the same function, fewer kernels.

Outputs: :meth:`I3D.features` is the 1024-d clip feature AQA papers use: Mixed_5c average-pooled
with the (2, 7, 7) VALID window of the logits head, then averaged over the remaining time steps.
:meth:`I3D.logits` is the Kinetics-400 head applied to that feature (a 1×1×1 conv is linear, so
averaging over time before or after it gives the same logits as the original graph). Time is
strided by 8, so a clip of 16+ frames (what the original saw) leaves the 2 steps the head pools.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

Triple = tuple[int, int, int]

#: Mixed block widths: (branch0, branch1 reduce, branch1, branch2 reduce, branch2, branch3).
MIXED: dict[str, tuple[int, int, int, int, int, int]] = {
    "Mixed_3b": (64, 96, 128, 16, 32, 32),
    "Mixed_3c": (128, 128, 192, 32, 96, 64),
    "Mixed_4b": (192, 96, 208, 16, 48, 64),
    "Mixed_4c": (160, 112, 224, 24, 64, 64),
    "Mixed_4d": (128, 128, 256, 24, 64, 64),
    "Mixed_4e": (112, 144, 288, 32, 64, 64),
    "Mixed_4f": (256, 160, 320, 32, 128, 128),
    "Mixed_5b": (256, 160, 320, 32, 128, 128),
    "Mixed_5c": (384, 192, 384, 48, 128, 128),
}
FEATURE_DIM = 1024
NUM_CLASSES = 400


def same_pad(x: torch.Tensor, kernel: Triple, stride: Triple, value: float = 0.0) -> torch.Tensor:
    """Pad a ``[B, C, T, H, W]`` tensor as TensorFlow's "SAME" does."""
    pads: list[int] = []
    for size, k, s in zip(reversed(x.shape[2:]), reversed(kernel), reversed(stride),
                          strict=True):
        total = max((math.ceil(size / s) - 1) * s + k - size, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads, value=value) if any(pads) else x


class Unit3D(nn.Module):
    """Conv3d (BatchNorm folded into weight and bias) + ReLU, SAME padding."""

    def __init__(self, cin: int, cout: int, kernel: Triple = (1, 1, 1),
                 stride: Triple = (1, 1, 1)) -> None:
        super().__init__()
        self.kernel, self.stride = kernel, stride
        self.conv = nn.Conv3d(cin, cout, kernel, stride=stride, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.conv(same_pad(x, self.kernel, self.stride)))


def max_pool_separable(x: torch.Tensor, kernel: Triple, stride: Triple) -> torch.Tensor:
    """Max-pool a (padded) ``[B, C, T, H, W]`` tensor one axis at a time.

    A box max is separable, so this equals ``F.max_pool3d(x, kernel, stride)`` exactly; it is
    several times faster on CPU, where ``max_pool3d`` also computes indices we never use.
    """
    for axis, k, s in zip((2, 3, 4), kernel, stride, strict=True):
        if k == 1 and s == 1:
            continue
        out = (x.shape[axis] - k) // s + 1
        span = s * (out - 1) + 1
        taps = [x.narrow(axis, j, span) for j in range(k)]
        pooled = taps[0]
        for tap in taps[1:]:
            pooled = torch.maximum(pooled, tap)
        index = [slice(None)] * x.ndim
        index[axis] = slice(None, None, s)
        x = pooled[tuple(index)]
    return x


class MaxPoolSame(nn.Module):
    def __init__(self, kernel: Triple, stride: Triple) -> None:
        super().__init__()
        self.kernel, self.stride = kernel, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = same_pad(x, self.kernel, self.stride, value=float("-inf"))
        return max_pool_separable(x, self.kernel, self.stride)


class Mixed(nn.Module):
    """Inflated Inception block: 1×1 | 1×1→3×3 | 1×1→3×3 | 3×3 max-pool→1×1, concatenated."""

    def __init__(self, cin: int, widths: tuple[int, int, int, int, int, int]) -> None:
        super().__init__()
        w0, w1a, w1b, w2a, w2b, w3 = widths
        self.b0 = Unit3D(cin, w0)
        self.b1a, self.b1b = Unit3D(cin, w1a), Unit3D(w1a, w1b, (3, 3, 3))
        self.b2a, self.b2b = Unit3D(cin, w2a), Unit3D(w2a, w2b, (3, 3, 3))
        self.pool, self.b3 = MaxPoolSame((3, 3, 3), (1, 1, 1)), Unit3D(cin, w3)
        self.out_channels = w0 + w1b + w2b + w3

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.b0(x), self.b1b(self.b1a(x)), self.b2b(self.b2a(x)),
                          self.b3(self.pool(x))], dim=1)


class I3D(nn.Module):
    """RGB Inception-I3D up to Mixed_5c plus the Kinetics-400 logits head.

    Input ``[B, 3, T, 224, 224]`` RGB scaled to [-1, 1].
    """

    def __init__(self, num_classes: int = NUM_CLASSES) -> None:
        super().__init__()
        layers: dict[str, nn.Module] = {
            "Conv3d_1a_7x7": Unit3D(3, 64, (7, 7, 7), (2, 2, 2)),
            "MaxPool3d_2a_3x3": MaxPoolSame((1, 3, 3), (1, 2, 2)),
            "Conv3d_2b_1x1": Unit3D(64, 64),
            "Conv3d_2c_3x3": Unit3D(64, 192, (3, 3, 3)),
            "MaxPool3d_3a_3x3": MaxPoolSame((1, 3, 3), (1, 2, 2)),
        }
        channels = 192
        pools = {"Mixed_4b": ((3, 3, 3), (2, 2, 2)), "Mixed_5b": ((2, 2, 2), (2, 2, 2))}
        for name, widths in MIXED.items():
            if name in pools:
                layers[f"MaxPool3d_{name[-2:-1]}a"] = MaxPoolSame(*pools[name])
            block = Mixed(channels, widths)
            layers[name] = block
            channels = block.out_channels
        self.body = nn.Sequential()
        for name, layer in layers.items():
            self.body.add_module(name, layer)
        self.logits_conv = nn.Conv3d(FEATURE_DIM, num_classes, 1, bias=True)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, 3, T, H, W]`` -> ``[B, 1024]`` (avg-pooled Mixed_5c, mean over time)."""
        x = self.body(x)
        window = (min(2, x.shape[2]), min(7, x.shape[3]), min(7, x.shape[4]))
        return F.avg_pool3d(x, window, stride=1).mean(dim=(2, 3, 4))

    def logits(self, feature: torch.Tensor) -> torch.Tensor:
        """Kinetics-400 logits of ``[B, 1024]`` clip features."""
        return self.logits_conv(feature[:, :, None, None, None]).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits(self.features(x))
