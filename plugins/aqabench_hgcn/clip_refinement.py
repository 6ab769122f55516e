"""Clip refinement (paper Sec. III-B, Fig. 3): clip features -> shot features, eqs. 1-4.

1. Motion decomposition (eq. 1): ``m_i = ReLU(Conv1D_group(f_i, g))``, ``C1 -> D1``.
2. Motion graph (eqs. 2-3): ``A_mot[i, j] = 1 iff |i - j| <= r`` and the directed distance
   ``d_ij = tanh(m_i - m_j)`` averaged over the ``D1`` channels (antisymmetric: ``d_ji = -d_ij``).
3. Information transfer (eq. 4): ``s_i = ReLU(W [f_i + sum_{j != i} A_mot[i,j] d_ij f_j])``, a
   grouped kernel-1 convolution ``C1 -> C2`` applied to the aggregated clips.

As in the official code (and as Table VIII's parameter counts require) the paper's learned
projection ``W_mot`` of eq. 3 is a plain channel mean, ``D1 = C1 / 4`` (the paper says C1 / 2),
and the self term ``W_tra`` and neighbour term ``U_tra`` of eq. 4 share one convolution, the self
weight being 1 (``B_mot = (D + I) * A_mot``).

Only the ``2r`` off-diagonals of ``A_mot`` are non-zero, so ``d_ij`` is computed on them alone
(``O(T r D1)``); the official code forms the dense ``B x D1 x T x T`` tensor and then masks it.
"""

from __future__ import annotations

import torch
from torch import nn

from .graphs import aggregate, valid_nodes


class ClipRefinement(nn.Module):
    """``[B, C1, T]`` clip features -> ``[B, C2, T]`` shot features (eqs. 1-4)."""

    def __init__(self, in_channels: int, out_channels: int, groups: int, radius: int = 1,
                 factor: int = 4) -> None:
        super().__init__()
        self.radius = radius
        self.decompose = nn.Conv1d(in_channels, in_channels // factor, 1, groups=groups)
        self.transfer = nn.Conv1d(in_channels, out_channels, 1, groups=groups)

    def motion_graph(self, motion: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """``B_mot = (D + I) * A_mot`` with padded senders removed, ``[B, T, T]`` (eqs. 2-3)."""
        batch, _, t = motion.shape
        graph = torch.eye(t, device=motion.device).expand(batch, t, t).clone()
        for k in range(1, min(self.radius, t - 1) + 1):
            d = torch.tanh(motion[:, :, :-k] - motion[:, :, k:]).mean(dim=1)  # d_{i, i+k}
            graph = graph + torch.diag_embed(d, offset=k) + torch.diag_embed(-d, offset=-k)
        return graph * valid_nodes(lengths, t)[:, None, :].to(graph.dtype)

    def forward(self, clips: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        motion = torch.relu(self.decompose(clips))  # eq. 1
        graph = self.motion_graph(motion, lengths)  # eqs. 2-3
        return torch.relu(self.transfer(aggregate(clips, graph)))  # eq. 4
