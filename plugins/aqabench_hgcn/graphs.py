"""Graph helpers shared by the three HGCN levels: fixed adjacencies, masks, node tables.

Convention (the paper's, eqs. 4, 11, 16): ``P[b, i, j]`` is the weight node ``i`` RECEIVES from
node ``j``, so aggregation is ``Y[b, :, i] = sum_j P[b, i, j] X[b, :, j]`` and every softmax
normalises over the senders ``j``. (The official code uses the transpose, ``einsum('bcn,bnm')``
with rows of P normalised: see the package docstring.)

Masks here are real masks: a masked logit is ``-inf`` before the softmax (weight exactly 0), a
masked adjacency entry is multiplied by 0. Padding (clips beyond ``lengths``) is masked as a
sender everywhere, so zero padding never changes a valid node.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def band(nodes: int, radius: int, device: torch.device | None = None) -> torch.Tensor:
    """Binary band adjacency ``A[i, j] = 1 iff |i - j| <= radius`` (eqs. 2 and 9), ``[T, T]``."""
    idx = torch.arange(nodes, device=device)
    return ((idx[:, None] - idx[None, :]).abs() <= radius).float()


def causal(nodes: int, device: torch.device | None = None) -> torch.Tensor:
    """Scene graph of eq. 14 with self-loops: ``A[i, j] = 1 iff j <= i`` (bool, ``[S, S]``)."""
    return torch.ones(nodes, nodes, dtype=torch.bool, device=device).tril()


def valid_nodes(lengths: torch.Tensor, nodes: int) -> torch.Tensor:
    """``[B, T]`` bool, True for the clips that are not padding."""
    return torch.arange(nodes, device=lengths.device)[None, :] < lengths[:, None]


def masked_softmax(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Softmax over the last axis where ``mask`` is True; masked entries get weight exactly 0.

    Every row must keep at least one unmasked entry (the callers guarantee it: a self-loop or a
    valid clip), so no row is NaN.
    """
    return logits.masked_fill(~mask, float("-inf")).softmax(dim=-1)


def aggregate(x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """``Y[b, c, i] = sum_j weights[b, i, j] x[b, c, j]``, ``[B, C, T] -> [B, C, T']``."""
    return torch.bmm(x, weights.transpose(1, 2))


def resample(table: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Resample a learned node table (``[rows, cols]``) to ``size`` along normalised time.

    HGCN stores node-shaped parameters (the attention offsets ``C``, ``N x N``, and the static
    assignment ``S0``, ``S x N``) for ``N`` clips. A sequence of another length ``T`` uses the
    table bilinearly interpolated onto ``T`` evenly spaced positions (``align_corners=True``:
    first and last clips map to the first and last stored nodes). At ``T = N`` it is the
    parameter itself.
    """
    if tuple(table.shape) == tuple(size):
        return table
    out = F.interpolate(table[None, None], size=size, mode="bilinear", align_corners=True)
    return out[0, 0]


class AttentionAdjacency(nn.Module):
    """Learnable adjacency logits of eqs. 10 and 15: ``alpha (x_i W1)(x_j W2)^T / sqrt(D) + C``.

    ``W1, W2`` are kernel-1 grouped convolutions without bias (``in -> in / 4``); ``C`` is a
    learnable ``nodes x nodes`` offset initialised to the identity and ``alpha`` a learnable
    scale initialised to 1 (both from the official code; they are part of Table VIII's counts).
    Returns logits ``[B, T, T]`` (receiver, sender); the caller applies masks and the softmax.
    """

    def __init__(self, channels: int, nodes: int, groups: int, factor: int = 4) -> None:
        super().__init__()
        self.dim = max(channels // factor, 1)
        self.query = nn.Conv1d(channels, self.dim, 1, groups=groups, bias=False)
        self.key = nn.Conv1d(channels, self.dim, 1, groups=groups, bias=False)
        self.offset = nn.Parameter(torch.eye(nodes))
        self.alpha = nn.Parameter(torch.ones(1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k = self.query(x), self.key(x)  # [B, D, T]
        scores = torch.bmm(q.transpose(1, 2), k) / self.dim ** 0.5
        t = x.shape[2]
        return self.alpha * scores + resample(self.offset, (t, t))
