"""TSA's procedure segmentation network (PSNet), on per-frame features.

Official (xujinglin/FineDiving @ a2b8057, ``models/PS.py``, ``models/PS_parts.py``): five
"double conv" blocks (Conv1d k=3 pad 1 -> BatchNorm -> ReLU, twice), the last four after a
max-pool by 2, widths 12/24/48/96/96, then ``MLP_tas`` (64 -> 128 -> 64 -> 2, ReLU, sigmoid).
Its input is I3D's 9 clip features ``[9, 1024]`` with the CLIPS as conv channels and the 1024
feature dims as the conv axis, so its 96 output channels become the 96 "frames" and the
pooled 64-d axis their features.

Here the input is already one feature per frame ``[T, D]``: the blocks run along TIME with the
features as channels (``D -> width``, then ``width -> width``; no max-pool, which would
shrink the frame grid), and ``MLP_tas`` (width -> 128 -> 64 -> 2, sigmoid) scores every
frame: ``p[t, j]`` = "frame t is transition j". The trunk's ``[T, width]`` output is what the
stages are pooled from, as the official ``u_fea_96``.

Loss (``tools/helper.py``): binary cross-entropy between ``p`` and a one-hot map with a 1 at
``(t1, 0)`` and ``(t2, 1)``, averaged over every frame and both channels (here: real frames).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def double_conv(channels_in: int, channels_out: int) -> nn.Sequential:
    """(Conv1d k=3 -> BatchNorm -> ReLU) x 2, along the last axis of ``[B, C, T]``."""
    return nn.Sequential(
        nn.Conv1d(channels_in, channels_out, 3, padding=1), nn.BatchNorm1d(channels_out),
        nn.ReLU(),
        nn.Conv1d(channels_out, channels_out, 3, padding=1), nn.BatchNorm1d(channels_out),
        nn.ReLU())


class PSNet(nn.Module):
    """``[B, T, D]`` -> (trunk ``[B, T, width]``, transition probabilities ``[B, T, 2]``)."""

    def __init__(self, feature_dim: int, width: int = 64, blocks: int = 5) -> None:
        super().__init__()
        self.trunk = nn.Sequential(double_conv(feature_dim, width),
                                   *(double_conv(width, width) for _ in range(blocks - 1)))
        self.tas = nn.Sequential(nn.Linear(width, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                                 nn.Linear(64, 2), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        trunk = self.trunk(x.transpose(1, 2)).transpose(1, 2)
        return trunk, self.tas(trunk)


def transition_loss(probs: torch.Tensor, lengths: torch.Tensor, transitions: torch.Tensor
                    ) -> torch.Tensor:
    """Mean BCE over the real frames and both channels against the one-hot transition map."""
    batch, frames, count = probs.shape
    target = torch.zeros_like(probs)
    rows = torch.arange(batch, device=probs.device)[:, None]
    target[rows, transitions, torch.arange(count, device=probs.device)] = 1.0
    valid = (torch.arange(frames, device=probs.device)[None, :] < lengths[:, None])
    bce = F.binary_cross_entropy(probs, target, reduction="none")
    return (bce * valid[..., None]).sum() / (valid.sum() * count)
