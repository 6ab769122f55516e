"""The Transformer blocks GDLT uses: post-norm encoder/decoder layers with 1-head attention.

GDLT (Xu et al., CVPR'22) vendors torch 1.10's ``nn.Transformer`` and calls its encoder and
decoder directly (spec ``methods/gdlt.md`` §2). The maths is Vaswani et al.'s post-norm layer:

- attention: ``Attn(Q, K, V) = softmax(Q K^T / sqrt(d_h)) V`` with ``Q = X W_q``, ``K = M W_k``,
  ``V = M W_v`` (one packed ``in_proj`` of shape ``[3d, d]``), dropout on the attention weights,
  then ``out_proj``;
- encoder layer: ``x = LN1(x + Drop(SelfAttn(x)))``, ``x = LN2(x + Drop(FFN(x)))``;
- decoder layer: the same with a cross-attention sub-block (queries attend to the encoder
  memory) between self-attention and FFN, three LayerNorms;
- ``FFN(x) = W2 Drop(ReLU(W1 x + b1)) + b2``; each stack ends with one extra LayerNorm.

Why not ``torch.nn.TransformerEncoderLayer``: its parameters and maths are the same, but in eval
mode it routes attention through fused kernels that ``torch.utils.flop_counter`` does not count
(it misses ``QK^T`` and ``AV``, -2.5 % of GDLT's MACs at T = 68). Written out here, every matmul
is visible to the profiler. Parameter shapes and init are torch's: packed ``in_proj`` (so its
Xavier bound uses fan ``(d, 3d)`` exactly as the official model's), zero attention biases, and
``xavier_uniform_`` on every matrix (``Transformer._reset_parameters``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class MultiHeadAttention(nn.Module):
    """Scaled dot-product attention with a packed input projection (``nn.MultiheadAttention``'s
    parameter layout: ``in_proj`` ``[3d, d]`` + bias, ``out_proj`` ``[d, d]`` + bias)."""

    def __init__(self, dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        if dim % heads:
            raise ValueError(f"hidden dim {dim} is not divisible by {heads} heads")
        self.dim, self.heads, self.dropout = dim, heads, dropout
        self.in_proj = nn.Linear(dim, 3 * dim)
        self.out_proj = nn.Linear(dim, dim)
        nn.init.xavier_uniform_(self.in_proj.weight)
        nn.init.xavier_uniform_(self.out_proj.weight)
        nn.init.zeros_(self.in_proj.bias)
        nn.init.zeros_(self.out_proj.bias)

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        b, n, _ = x.shape
        return x.reshape(b, n, self.heads, self.dim // self.heads).transpose(1, 2)

    def forward(self, query: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        """``query [B, Nq, d]`` attends to ``memory [B, Nk, d]`` (pass the same tensor for
        self-attention); returns ``[B, Nq, d]``."""
        d = self.dim
        weight, bias = self.in_proj.weight, self.in_proj.bias
        if query is memory:
            q, k, v = F.linear(query, weight, bias).chunk(3, dim=-1)
        else:
            q = F.linear(query, weight[:d], bias[:d])
            k, v = F.linear(memory, weight[d:], bias[d:]).chunk(2, dim=-1)
        q, k, v = self._split(q), self._split(k), self._split(v)
        q = q * (1.0 / math.sqrt(d // self.heads))
        weights = torch.softmax(q @ k.transpose(-2, -1), dim=-1)
        weights = F.dropout(weights, self.dropout, self.training)
        mixed = (weights @ v).transpose(1, 2).reshape(query.shape[0], query.shape[1], d)
        return self.out_proj(mixed)


class FeedForward(nn.Sequential):
    """``W2 Drop(ReLU(W1 x + b1)) + b2``."""

    def __init__(self, dim: int, hidden: int, dropout: float) -> None:
        expand, project = nn.Linear(dim, hidden), nn.Linear(hidden, dim)
        nn.init.xavier_uniform_(expand.weight)
        nn.init.xavier_uniform_(project.weight)
        super().__init__(expand, nn.ReLU(), nn.Dropout(dropout), project)


class EncoderLayer(nn.Module):
    """Post-norm encoder layer: self-attention, then FFN, each ``LN(x + Drop(f(x)))``."""

    def __init__(self, dim: int, heads: int, ffn: int, dropout: float) -> None:
        super().__init__()
        self.self_attn = MultiHeadAttention(dim, heads, dropout)
        self.ffn = FeedForward(dim, ffn, dropout)
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.drop1, self.drop2 = nn.Dropout(dropout), nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm1(x + self.drop1(self.self_attn(x, x)))
        return self.norm2(x + self.drop2(self.ffn(x)))


class DecoderLayer(nn.Module):
    """Post-norm decoder layer: self-attention, cross-attention to ``memory``, FFN."""

    def __init__(self, dim: int, heads: int, ffn: int, dropout: float) -> None:
        super().__init__()
        self.self_attn = MultiHeadAttention(dim, heads, dropout)
        self.cross_attn = MultiHeadAttention(dim, heads, dropout)
        self.ffn = FeedForward(dim, ffn, dropout)
        self.norm1, self.norm2, self.norm3 = (nn.LayerNorm(dim) for _ in range(3))
        self.drop1, self.drop2, self.drop3 = (nn.Dropout(dropout) for _ in range(3))

    def forward(self, x: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        x = self.norm1(x + self.drop1(self.self_attn(x, x)))
        x = self.norm2(x + self.drop2(self.cross_attn(x, memory)))
        return self.norm3(x + self.drop3(self.ffn(x)))


class TransformerEncoder(nn.Module):
    """``n`` encoder layers and a final LayerNorm; no positional encoding, no mask (as GDLT)."""

    def __init__(self, layers: int, dim: int, heads: int, ffn: int, dropout: float) -> None:
        super().__init__()
        self.layers = nn.ModuleList(EncoderLayer(dim, heads, ffn, dropout) for _ in range(layers))
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x)
        return self.norm(x)


class TransformerDecoder(nn.Module):
    """``n`` decoder layers and a final LayerNorm."""

    def __init__(self, layers: int, dim: int, heads: int, ffn: int, dropout: float) -> None:
        super().__init__()
        self.layers = nn.ModuleList(DecoderLayer(dim, heads, ffn, dropout) for _ in range(layers))
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x, memory)
        return self.norm(x)
