"""GDLT's eval-only network (``GDLT.prepare_inference``): the same maths with less work.

Built from a trained :class:`~aqabench_gdlt.model.GDLT` (or the CoFInAl code variant's trunk,
which composes the same modules); every step is an exact re-expression of model.py and
transformer.py in eval mode (dropout is the identity):

- ``in_proj``: both eval BatchNorms folded into the GEMM before them (Linear, ReLU, Linear);
- the decoder's input is the learned grade queries, a constant: the first layer's
  self-attention block ``LN1(G + SelfAttn(G))`` and its cross-attention query projection are
  computed once here, not per video;
- cross-attention: K grade queries attend to T >> K clips of memory, so the key and value
  projections are absorbed into the queries (:func:`aqabench.inference.absorbed_attention`:
  ``(q W_k) Mᵀ`` and ``(A M) W_vᵀ``), 19 M fewer multiply-accumulates at T = 72 (-15 %);
- self-attention runs through ``F.scaled_dot_product_attention``; no dropout calls.

The prepared model is a snapshot of the weights; it is never trained (aqabench.inference).
"""

from __future__ import annotations

from typing import cast

import torch
import torch.nn.functional as F
from torch import nn

from aqabench.api import AQAModel, Batch
from aqabench.inference import absorbed_attention, attention, fold_clip_stack

from .model import ClipProjection, GradeQueries, LikertHead
from .transformer import (
    DecoderLayer,
    EncoderLayer,
    FeedForward,
    MultiHeadAttention,
    TransformerDecoder,
    TransformerEncoder,
)


def feed_forward(ffn: FeedForward, x: torch.Tensor) -> torch.Tensor:
    """``W2 ReLU(W1 x + b1) + b2`` (eval: no dropout)."""
    expand, project = cast(nn.Linear, ffn[0]), cast(nn.Linear, ffn[3])
    return F.linear(torch.relu(F.linear(x, expand.weight, expand.bias)), project.weight,
                    project.bias)


def self_attention(block: MultiHeadAttention, x: torch.Tensor) -> torch.Tensor:
    """``block(x, x)`` in eval mode: one packed projection, SDPA, the output projection."""
    q, k, v = F.linear(x, block.in_proj.weight, block.in_proj.bias).chunk(3, dim=-1)
    return block.out_proj(attention(q, k, v, block.heads))


def encoder_layer(layer: EncoderLayer, x: torch.Tensor) -> torch.Tensor:
    """``EncoderLayer.forward`` in eval mode."""
    x = layer.norm1(x + self_attention(layer.self_attn, x))
    return layer.norm2(x + feed_forward(layer.ffn, x))


class PreparedDecoder(nn.Module):
    """``TransformerDecoder(G, memory)`` for the constant queries ``G``, precomputed in part."""

    first_state: torch.Tensor
    first_query: torch.Tensor

    def __init__(self, decoder: TransformerDecoder, queries: GradeQueries) -> None:
        super().__init__()
        self.layers: list[DecoderLayer] = list(decoder.layers)  # type: ignore[arg-type]
        self.blocks = decoder.layers  # registers the layers' weights with this module
        self.norm = decoder.norm
        state = queries.prototypes.weight.detach()[None]  # [1, K, d]
        d = state.shape[-1]
        first_query = state
        if self.layers:
            first = self.layers[0]
            state = first.norm1(state + first.self_attn(state, state))
            cross = first.cross_attn.in_proj
            first_query = F.linear(state, cross.weight[:d], cross.bias[:d])
        self.register_buffer("first_state", state.clone())
        self.register_buffer("first_query", first_query.clone())
        self.dim = d

    def forward(self, memory: torch.Tensor) -> torch.Tensor:
        """Encoder memory ``[B, T, d]`` -> decoded queries ``[B, K, d]``."""
        b, d = memory.shape[0], self.dim
        x = self.first_state.expand(b, -1, -1)
        for i, layer in enumerate(self.layers):
            weight, bias = layer.cross_attn.in_proj.weight, layer.cross_attn.in_proj.bias
            if i == 0:
                query = self.first_query.expand(b, -1, -1)
            else:
                x = layer.norm1(x + self_attention(layer.self_attn, x))
                query = F.linear(x, weight[:d], bias[:d])
            mixed = absorbed_attention(query, memory, (weight[d:2 * d], bias[d:2 * d]),
                                       (weight[2 * d:], bias[2 * d:]), layer.cross_attn.heads)
            x = layer.norm2(x + layer.cross_attn.out_proj(mixed))
            x = layer.norm3(x + feed_forward(layer.ffn, x))
        return self.norm(x)


class PreparedTrunk(nn.Module):
    """Clip features ``[B, T, C]`` -> decoded grade queries ``[B, K, d]`` (GDLT's network
    without its head), prepared from the trained modules."""

    def __init__(self, in_proj: ClipProjection, encoder: TransformerEncoder,
                 decoder: TransformerDecoder, queries: GradeQueries) -> None:
        super().__init__()
        self.in_proj = fold_clip_stack(in_proj.layers)
        self.encoder = encoder
        self.decoder = PreparedDecoder(decoder, queries)

    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        b, t, _ = clips.shape
        x = self.in_proj(clips.reshape(b * t, -1)).reshape(b, t, -1)
        for layer in self.encoder.layers:
            x = encoder_layer(layer, x)  # type: ignore[arg-type]
        return self.decoder(self.encoder.norm(x))


class PreparedGDLT(AQAModel):
    """``GDLT.forward`` at eval (same ``score`` and ``embed``), from :class:`PreparedTrunk`."""

    def __init__(self, trunk: PreparedTrunk, head: LikertHead) -> None:
        super().__init__()
        self.trunk, self.head = trunk, head

    def forward(self, batch: Batch) -> dict[str, torch.Tensor]:
        embed = self.trunk(batch.features)
        return {"score": self.head(embed), "embed": embed}
