"""The GDLT trunk the official CoFInAl code builds on (reference spec gdlt.md §2, own code).

``in_proj`` (per-clip 1×1 Conv1d ``D → 2h``, BN, ReLU, Conv1d ``2h → h``, BN) -> post-norm
Transformer encoder (+ final LayerNorm, no positional encoding, no padding mask — as the official
code) -> post-norm decoder whose queries are ``n_query`` learnable prototypes (+ final LayerNorm).
Transformer matrices are xavier-initialised as ``nn.Transformer._reset_parameters`` does; the
prototypes are ``N(0, 1)`` (``nn.Embedding``). Parameter layout and count match the official
class exactly (3,163,396 with the RG settings, including the prototype and regressor heads
added in code_variant.py).
"""

from __future__ import annotations

import torch
from torch import nn

from aqabench.layers import per_clip

from .attention import MultiHeadAttention


class FeedForward(nn.Sequential):
    def __init__(self, dim: int, ffn: int, dropout: float) -> None:
        super().__init__(nn.Linear(dim, ffn), nn.ReLU(), nn.Dropout(dropout), nn.Linear(ffn, dim))
        for layer in (self[0], self[3]):
            nn.init.xavier_uniform_(layer.weight)


class EncoderLayer(nn.Module):
    """``x = LN1(x + Drop(SelfAttn(x)))``; ``x = LN2(x + Drop(FFN(x)))``."""

    def __init__(self, dim: int, heads: int, ffn: int, dropout: float) -> None:
        super().__init__()
        self.attn = MultiHeadAttention(dim, heads, dropout)
        self.ffn = FeedForward(dim, ffn, dropout)
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.drop1, self.drop2 = nn.Dropout(dropout), nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm1(x + self.drop1(self.attn(x, x, x)))
        return self.norm2(x + self.drop2(self.ffn(x)))


class DecoderLayer(nn.Module):
    """Self-attention, cross-attention to the encoder memory, FFN; each post-norm."""

    def __init__(self, dim: int, heads: int, ffn: int, dropout: float) -> None:
        super().__init__()
        self.self_attn = MultiHeadAttention(dim, heads, dropout)
        self.cross_attn = MultiHeadAttention(dim, heads, dropout)
        self.ffn = FeedForward(dim, ffn, dropout)
        self.norm1, self.norm2, self.norm3 = (nn.LayerNorm(dim) for _ in range(3))
        self.drop1, self.drop2, self.drop3 = (nn.Dropout(dropout) for _ in range(3))

    def forward(self, x: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        x = self.norm1(x + self.drop1(self.self_attn(x, x, x)))
        x = self.norm2(x + self.drop2(self.cross_attn(x, memory, memory)))
        return self.norm3(x + self.drop3(self.ffn(x)))


class GDLTTrunk(nn.Module):
    """Clip features ``[B, T, D]`` -> query embeddings ``q1`` ``[B, n_query, hidden]``."""

    def __init__(self, in_dim: int, hidden: int, heads: int, encoders: int, decoders: int,
                 queries: int, ffn: int, dropout: float) -> None:
        super().__init__()
        self.in_proj = nn.Sequential(
            nn.Conv1d(in_dim, 2 * hidden, 1), nn.BatchNorm1d(2 * hidden), nn.ReLU(),
            nn.Conv1d(2 * hidden, hidden, 1), nn.BatchNorm1d(hidden))
        self.encoder = nn.ModuleList(
            EncoderLayer(hidden, heads, ffn, dropout) for _ in range(encoders))
        self.encoder_norm = nn.LayerNorm(hidden)
        self.decoder = nn.ModuleList(
            DecoderLayer(hidden, heads, ffn, dropout) for _ in range(decoders))
        self.decoder_norm = nn.LayerNorm(hidden)
        self.prototypes = nn.Embedding(queries, hidden)

    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        memory = per_clip(self.in_proj, clips)  # the 1x1 convs as GEMMs (same maths)
        for layer in self.encoder:
            memory = layer(memory)
        memory = self.encoder_norm(memory)
        queries = self.prototypes.weight[None].repeat(clips.shape[0], 1, 1)  # a copy, not a view
        for layer in self.decoder:
            queries = layer(queries, memory)
        return self.decoder_norm(queries)
