"""Attention building blocks shared by the paper model (TFM Eq. 7, GPM Eq. 9) and the code variant.

Everything is written with plain matmuls so that (1) ``torch.utils.flop_counter`` sees every
multiply-accumulate (PyTorch's fused MHA fast path would hide them) and (2) nothing ever attends
across the batch dimension: every tensor is ``[B, L, D]`` and attention runs inside each row.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def valid_mask(lengths: torch.Tensor, width: int) -> torch.Tensor:
    """``[B, width]`` bool, True on the first ``lengths[b]`` positions (the valid clips)."""
    return torch.arange(width, device=lengths.device)[None, :] < lengths[:, None]


def masked_mean(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Mean over dim 1 of ``[B, L, D]`` counting only ``mask`` positions (all when None)."""
    if mask is None:
        return x.mean(dim=1)
    weights = mask.to(x.dtype)[..., None]
    return (x * weights).sum(1) / weights.sum(1).clamp(min=1)


def attend(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
           key_mask: torch.Tensor | None = None, dropout: nn.Module | None = None
           ) -> torch.Tensor:
    """``softmax(Q Kᵀ / √d) V`` per batch row; ``key_mask`` ``[B, Lk]`` hides padded keys.

    ``query`` ``[..., Lq, d]``, ``key`` ``[..., Lk, d]``, ``value`` ``[..., Lk, dv]``.
    """
    scores = query @ key.transpose(-1, -2) / math.sqrt(query.shape[-1])
    if key_mask is not None:
        hidden = ~key_mask.reshape(key_mask.shape[0], *([1] * (scores.ndim - 2)),
                                   key_mask.shape[-1])
        scores = scores.masked_fill(hidden, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if dropout is not None:
        weights = dropout(weights)
    return weights @ value


class MultiHeadAttention(nn.Module):
    """Multi-head attention with the parameter layout of ``nn.MultiheadAttention`` (4·(d²+d)).

    Input ``[B, L, d]`` (batch first). Initialised like PyTorch's MHA: the q/k/v weights are
    xavier-uniform with the bound of the fused ``3d × d`` in-projection, biases zero; the output
    projection is xavier-uniform when ``xavier_out`` (what ``nn.Transformer`` does) and PyTorch's
    default Linear init otherwise (a bare ``nn.MultiheadAttention``).
    """

    def __init__(self, dim: int, heads: int, dropout: float, xavier_out: bool = True) -> None:
        super().__init__()
        if dim % heads:
            raise ValueError(f"hidden size {dim} is not divisible by {heads} heads")
        self.heads = heads
        self.q_proj, self.k_proj, self.v_proj = (nn.Linear(dim, dim) for _ in range(3))
        self.out_proj = nn.Linear(dim, dim)
        self.drop = nn.Dropout(dropout)
        bound = math.sqrt(6.0 / (3 * dim + dim))
        for proj in (self.q_proj, self.k_proj, self.v_proj):
            nn.init.uniform_(proj.weight, -bound, bound)
            nn.init.zeros_(proj.bias)
        if xavier_out:
            nn.init.xavier_uniform_(self.out_proj.weight)
        nn.init.zeros_(self.out_proj.bias)

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        return x.reshape(b, n, self.heads, d // self.heads).transpose(1, 2)

    def forward(self, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                key_mask: torch.Tensor | None = None) -> torch.Tensor:
        q, k, v = self._split(self.q_proj(query)), self._split(self.k_proj(key)), \
            self._split(self.v_proj(value))
        out = attend(q, k, v, key_mask, self.drop)
        b, _, n, _ = out.shape
        return self.out_proj(out.transpose(1, 2).reshape(b, n, -1))
