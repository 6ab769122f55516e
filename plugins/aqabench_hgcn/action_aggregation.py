"""Action aggregation (paper Sec. III-D, Fig. 5): S scenes -> video-level feature, eqs. 14-16.

- Scene graph (eq. 14): information flows from earlier to later scenes only,
  ``A_sce[i, j] = 1 iff j <= i``; learned weights ``B_sce`` (eq. 15) are a softmax over the
  allowed senders (a real mask: later scenes get weight exactly 0).
- Video-level aggregation (eq. 16): ``e'_i = ReLU(W_act sum_j (A_sce * B_sce)[i, j] e_j)``,
  ``C3 -> C4``; the last node ``e'_S`` is the video-level representation ``v``.

Eq. 14 writes ``i - j > 0`` (no self-loop) and eq. 16 a separate self term ``e_i W_act``; like the
official code (and Table VIII's counts) one convolution serves both and the graph keeps its
self-loops, so the first scene is not left without senders. The official code multiplies the
mask into the logits (a masked logit becomes 0, weight ``e^0``), so nothing is masked there.

``enabled = False`` is the official class's default ``c=False`` (and the paper's "w/o action
aggregation" ablation): ``e'_i = ReLU(W_act e_i)``, no scene graph.
"""

from __future__ import annotations

import torch
from torch import nn

from .graphs import AttentionAdjacency, aggregate, causal, masked_softmax


class SceneGraph(nn.Module):
    """``A_sce * B_sce`` (eqs. 14-15) as receiver-normalised weights ``[B, S, S]``."""

    def __init__(self, channels: int, scenes: int, groups: int) -> None:
        super().__init__()
        self.attention = AttentionAdjacency(channels, scenes, groups)

    def forward(self, scenes: torch.Tensor) -> torch.Tensor:
        mask = causal(scenes.shape[2], scenes.device)[None]
        return masked_softmax(self.attention(scenes), mask)


class ActionAggregation(nn.Module):
    """Scenes ``[B, C3, S]`` -> updated scenes ``[B, C4, S]`` (eq. 16)."""

    def __init__(self, in_channels: int, out_channels: int, scenes: int, groups: int,
                 enabled: bool = True) -> None:
        super().__init__()
        self.graph = SceneGraph(in_channels, scenes, groups) if enabled else None
        self.update = nn.Conv1d(in_channels, out_channels, 1, groups=groups)

    def forward(self, scenes: torch.Tensor) -> torch.Tensor:
        if self.graph is not None:
            scenes = aggregate(scenes, self.graph(scenes))
        return torch.relu(self.update(scenes))
