"""Stage-wise cross-attention and the per-token regressor of the procedure-aware methods.

The decoder is TSA's "decoder_fuser" (xujinglin/FineDiving models/vit_decoder.py), which
MCoRe reuses (methods/mcore.md §5): stacked pre-norm CROSS-attention blocks

    q <- q + Proj(MHA(LN_q(q), LN_m(m), LN_m(m)));   q <- q + MLP(LN_2(q))

No self-attention; the memory m (the other video's tokens of the SAME stage) is re-normalised
in every block but never updated. One set of weights serves every stage and both directions.
Attention is written as explicit matmuls so a FLOP counter sees all of it.

The regressor (TSA's ``MLP_score``, MCoRe's the same) maps every relative token to a number
through width -> 256 -> 64 -> 1 (ReLU) and averages the tokens: the relative score Δ.
"""

from __future__ import annotations

import torch
from torch import nn


class CrossAttentionBlock(nn.Module):
    """One pre-norm block: cross-attention (qkv without bias) + MLP (x4, GELU)."""

    def __init__(self, width: int, heads: int, mlp_ratio: int = 4) -> None:
        super().__init__()
        if width % heads:
            raise ValueError(f"width {width} is not divisible by {heads} heads")
        self.heads = heads
        self.norm_q = nn.LayerNorm(width)
        self.norm_m = nn.LayerNorm(width)
        self.query = nn.Linear(width, width, bias=False)
        self.key_value = nn.Linear(width, 2 * width, bias=False)
        self.proj = nn.Linear(width, width)
        self.norm_mlp = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, mlp_ratio * width), nn.GELU(),
                                 nn.Linear(mlp_ratio * width, width))

    def _split(self, t: torch.Tensor) -> torch.Tensor:
        batch, length, width = t.shape
        return t.reshape(batch, length, self.heads, width // self.heads).transpose(1, 2)

    def forward(self, q: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        batch, length, width = q.shape
        head_q = self._split(self.query(self.norm_q(q)))
        key, value = self.key_value(self.norm_m(memory)).chunk(2, dim=-1)
        att = head_q @ self._split(key).transpose(-2, -1) * (width // self.heads) ** -0.5
        mixed = (att.softmax(dim=-1) @ self._split(value)).transpose(1, 2)
        q = q + self.proj(mixed.reshape(batch, length, width))
        return q + self.mlp(self.norm_mlp(q))


class Decoder(nn.Module):
    """``blocks`` cross-attention blocks applied stage by stage: ``[P, K, S, W]`` twice ->
    relative features ``[P, K * S, W]`` (query stage k attends to exemplar stage k only)."""

    def __init__(self, width: int, heads: int = 8, blocks: int = 3) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(CrossAttentionBlock(width, heads) for _ in range(blocks))

    def forward(self, query: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        pairs, stages, steps, width = query.shape
        q = query.reshape(pairs * stages, steps, width)
        m = memory.reshape(pairs * stages, steps, width)
        for block in self.blocks:
            q = block(q, m)
        return q.reshape(pairs, stages * steps, width)


class TokenRegressor(nn.Module):
    """Per-token MLP width -> 256 -> 64 -> 1 (ReLU), mean over the K*S tokens: Δ ``[P]``."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(width, 256), nn.ReLU(), nn.Linear(256, 64), nn.ReLU(),
                                 nn.Linear(64, 1))

    def forward(self, relative: torch.Tensor) -> torch.Tensor:
        return self.mlp(relative).squeeze(-1).mean(dim=1)
