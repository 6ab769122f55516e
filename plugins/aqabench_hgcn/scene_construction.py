"""Scene construction (paper Sec. III-C, Fig. 4): shots -> S scenes, eqs. 9-13.

- Shot graph (eqs. 9-10): the static band ``A_sht[i, j] = 1 iff |i - j| <= K`` plus the learned
  attention ``B_sht = softmax_j(alpha q_i k_j / sqrt(D2) + C_ij)`` over the valid shots.
- Shot graph aggregation (eq. 11) with the paper's best, additive, adaptive weight
  ``A_adp = A_sht + B_sht``: ``s'_i = ReLU(W_sht sum_j A_adp[i, j] s_j)``, ``C2 -> C3``.
- Shot reduction (eqs. 12-13): a second graph layer maps every shot to ``S`` assignment logits;
  ``T = softmax(S0 + alpha2 * logits)`` normalised per shot over the scenes (eq. 12: the rows
  of ``T`` in R^{N x S}, as in DiffPool's differentiable pooling), and the scenes are
  ``E = (S / L) T^T S'`` (``[B, C3, S]``) over the ``L`` valid shots. The factor ``S / L`` (one
  over the mean number of shots per scene; not in the paper or code) keeps a scene's magnitude
  that of a shot whatever the sequence length: with the plain sum the scenes grow with L, and
  on rg-synth (|x| ~ 2) the score head's log-variance exploded (sigma ~ 1e12 at init).

Differences from the official code (documented in the package docstring too): the code adds
``A_sht`` inside the softmax's logits instead of to the softmax's output, uses no softmax on
``T`` (``T = S0 + alpha2 * ReLU(.)``, every shot counted once per scene at initialisation), and
normalises every softmax over the receivers. The assignment layer reads the shot features ``S``
(``C2 -> S``) with its own attention graph and no groups, as in the code (Table VIII's counts),
not ``S'`` as eq. 12 writes.
"""

from __future__ import annotations

import torch
from torch import nn

from .graphs import AttentionAdjacency, aggregate, band, masked_softmax, resample, valid_nodes


class ShotGraph(nn.Module):
    """Adaptive shot graph ``A_sht + B_sht`` (eqs. 9-10), ``[B, T, T]``, padding removed."""

    def __init__(self, channels: int, nodes: int, groups: int, radius: int) -> None:
        super().__init__()
        self.radius = radius
        self.attention = AttentionAdjacency(channels, nodes, groups)

    def forward(self, shots: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        t = shots.shape[2]
        senders = valid_nodes(lengths, t)[:, None, :]  # [B, 1, T]
        learned = masked_softmax(self.attention(shots), senders)  # eq. 10
        static = band(t, self.radius, shots.device) * senders.to(shots.dtype)  # eq. 9
        return static + learned


class ShotAggregation(nn.Module):
    """Shot graph aggregation (eq. 11): ``[B, C2, T] -> [B, C3, T]``."""

    def __init__(self, in_channels: int, out_channels: int, nodes: int, groups: int,
                 radius: int) -> None:
        super().__init__()
        self.graph = ShotGraph(in_channels, nodes, groups, radius)
        self.update = nn.Conv1d(in_channels, out_channels, 1, groups=groups)

    def forward(self, shots: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.update(aggregate(shots, self.graph(shots, lengths))))


class ShotReduction(nn.Module):
    """Assignment ``T`` of eq. 12 as ``[B, S, T_clips]``: each valid shot's column sums to 1
    over the scenes; padded shots get 0."""

    def __init__(self, channels: int, nodes: int, scenes: int, radius: int) -> None:
        super().__init__()
        self.graph = ShotGraph(channels, nodes, groups=1, radius=radius)
        self.assign = nn.Conv1d(channels, scenes, 1)
        self.prior = nn.Parameter(torch.ones(scenes, nodes))  # S0 of the official code
        self.alpha = nn.Parameter(torch.ones(1, 1))

    def forward(self, shots: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        t = shots.shape[2]
        logits = self.assign(aggregate(shots, self.graph(shots, lengths)))  # [B, S, T]
        logits = resample(self.prior, (self.prior.shape[0], t)) + self.alpha * logits
        valid = valid_nodes(lengths, t)[:, None, :].to(logits.dtype)
        return logits.softmax(dim=1) * valid


class SceneConstruction(nn.Module):
    """Shots ``[B, C2, T]`` -> scenes ``[B, C3, S]`` (eqs. 9-13)."""

    def __init__(self, in_channels: int, out_channels: int, nodes: int, scenes: int,
                 groups: int, radius: int) -> None:
        super().__init__()
        self.aggregation = ShotAggregation(in_channels, out_channels, nodes, groups, radius)
        self.reduction = ShotReduction(in_channels, nodes, scenes, radius)

    def forward(self, shots: torch.Tensor, lengths: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """Returns the scenes ``E`` and the assignment ``T`` (``[B, S, T_clips]``)."""
        updated = self.aggregation(shots, lengths)  # S', eq. 11
        assignment = self.reduction(shots, lengths)  # T, eq. 12
        scale = assignment.shape[1] / lengths.clamp(min=1).to(updated.dtype)
        scenes = aggregate(updated, assignment) * scale[:, None, None]  # E = T^T S', eq. 13
        return scenes, assignment
