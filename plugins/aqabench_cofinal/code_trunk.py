"""The GDLT trunk the official CoFInAl code builds on (reference spec gdlt.md §2).

``in_proj`` (per-clip 1×1 Conv1d ``D → 2h``, BN, ReLU, Conv1d ``2h → h``, BN) -> post-norm
Transformer encoder (+ final LayerNorm, no positional encoding, no padding mask — as the official
code) -> post-norm decoder whose queries are ``n_query`` learnable prototypes (+ final LayerNorm).
The official CoFInAl repository copies GDLT's network for this trunk; so does this variant, by
composing the ``gdlt`` plugin's own modules (same maths, init and parameter layout). Parameter
count matches the official class exactly (3,163,396 with the RG settings, including the
prototype and regressor heads added in code_variant.py).
"""

from __future__ import annotations

import torch
from torch import nn

from aqabench_gdlt.model import ClipProjection, GradeQueries
from aqabench_gdlt.transformer import TransformerDecoder, TransformerEncoder


class GDLTTrunk(nn.Module):
    """Clip features ``[B, T, D]`` -> query embeddings ``q1`` ``[B, n_query, hidden]``."""

    def __init__(self, in_dim: int, hidden: int, heads: int, encoders: int, decoders: int,
                 queries: int, ffn: int, dropout: float) -> None:
        super().__init__()
        self.in_proj = ClipProjection(in_dim, hidden)
        self.encoder = TransformerEncoder(encoders, hidden, heads, ffn, dropout)
        self.decoder = TransformerDecoder(decoders, hidden, heads, ffn, dropout)
        self.prototypes = GradeQueries(queries, hidden)

    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        memory = self.encoder(self.in_proj(clips))
        return self.decoder(self.prototypes(clips.shape[0]), memory)
