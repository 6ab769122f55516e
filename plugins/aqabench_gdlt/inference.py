"""GDLT's eval-only network (``GDLT.prepare_inference``): the same maths with less work.

Built from a trained :class:`~aqabench_gdlt.model.GDLT` (or the CoFInAl code variant's trunk,
which composes the same modules); every step is an exact re-expression of model.py and
transformer.py in eval mode (dropout is the identity), only float rounding differs:

- ``in_proj``: both eval BatchNorms folded into the GEMM before them (Linear, ReLU, Linear);
- single-head attention (GDLT's and the code variant's default): no key projection and no
  output projection. The scores are ``(x W_qᵀ W_k + b_q W_k) mᵀ / √d`` on the raw memory ``m``
  (:func:`aqabench.inference.query_key_product`; the dropped term is constant per query) and
  the values ``m (W_o W_v)ᵀ + W_o b_v + b_o`` (:func:`aqabench.inference.compose_linear`;
  attention rows sum to 1): in the encoder one ``[d, 2d]`` GEMM instead of ``[d, 3d]`` +
  ``[d, d]``, in the decoder's cross-attention the memory is never projected at all;
- the decoder's input is the learned grade queries, a constant: the first layer's
  self-attention block ``LN1(G + SelfAttn(G))`` and its cross-attention query side are
  computed once here, not per video;
- multi-head attention keeps one packed q/k/v GEMM (self-attention) or absorbs the memory's
  key/value projections into the K queries (cross-attention,
  :func:`aqabench.inference.absorbed_attention`);
- every GEMM is one ``torch.addmm`` on pre-transposed weights (:class:`~aqabench.inference.
  Affine`), attention runs through ``F.scaled_dot_product_attention``, no dropout calls.

At T = 72 with the RG settings the prepared trunk does 94 M multiply-accumulates against the
training graph's 123 M. The prepared model is a snapshot of the weights; it is never trained.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from aqabench.api import AQAModel, Batch
from aqabench.inference import (
    Affine,
    Map,
    absorbed_attention,
    attention,
    compose_linear,
    fold_clip_stack,
    query_key_product,
    stacked_linear,
)

from .model import ClipProjection, GradeQueries, LikertHead
from .transformer import (
    DecoderLayer,
    EncoderLayer,
    FeedForward,
    MultiHeadAttention,
    TransformerDecoder,
    TransformerEncoder,
)


def attention_maps(block: MultiHeadAttention) -> tuple[Map, Map, Map, Map]:
    """The query, key, value and output maps ``(weight, bias)`` of a packed block."""
    d, weight, bias = block.dim, block.in_proj.weight.detach(), block.in_proj.bias.detach()
    return ((weight[:d], bias[:d]), (weight[d:2 * d], bias[d:2 * d]),
            (weight[2 * d:], bias[2 * d:]),
            (block.out_proj.weight.detach(), block.out_proj.bias.detach()))


class PreparedFeedForward(nn.Module):
    """``W2 ReLU(W1 x + b1) + b2`` (eval: no dropout)."""

    def __init__(self, ffn: FeedForward) -> None:
        super().__init__()
        expand, project = ffn[0], ffn[3]
        assert isinstance(expand, nn.Linear) and isinstance(project, nn.Linear)
        self.expand, self.project = Affine(expand.weight, expand.bias), \
            Affine(project.weight, project.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.project(torch.relu_(self.expand(x)))


class PreparedSelfAttention(nn.Module):
    """``block(x, x)`` in eval mode, output projection included."""

    def __init__(self, block: MultiHeadAttention) -> None:
        super().__init__()
        self.heads = block.heads
        query, key, value, out = attention_maps(block)
        self.out: Affine | None = None
        if self.heads == 1:  # scores (x A + c) xᵀ, values x (W_o W_v)ᵀ + (W_o b_v + b_o)
            self.proj = stacked_linear(query_key_product(query, key), compose_linear(out, value))
        else:
            self.proj, self.out = stacked_linear(query, key, value), Affine(*out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.out is None:
            query, value = self.proj(x).chunk(2, dim=-1)
            return attention(query, x, value, scale=1.0)
        query, key, value = self.proj(x).chunk(3, dim=-1)
        return self.out(attention(query, key, value, self.heads))


class PreparedCrossAttention(nn.Module):
    """``block(x, memory)`` in eval mode for few queries ``x`` on a long memory, output
    projection included; with ``constant`` (the queries, when they never change) the query
    side is computed here once."""

    key_weight: torch.Tensor
    value_weight: torch.Tensor
    value_bias: torch.Tensor
    fixed: torch.Tensor

    def __init__(self, block: MultiHeadAttention, constant: torch.Tensor | None = None) -> None:
        super().__init__()
        self.heads = block.heads
        query, key, value, out = attention_maps(block)
        self.folded = self.heads == 1
        # scores query(x) memoryᵀ, out (A M) (W_o W_v)ᵀ + (W_o b_v + b_o); else the key and
        # value projections absorbed into the queries, per head
        query_side = query_key_product(query, key) if self.folded else query
        self.value_out = Affine(*compose_linear(out, value)) if self.folded else Affine(*out)
        if not self.folded:
            self.register_buffer("key_weight", key[0].clone())
            self.register_buffer("value_weight", value[0].clone())
            self.register_buffer("value_bias", value[1].clone())
        self.query: Affine | None = None
        if constant is None:
            self.query = Affine(*query_side)
        else:  # computed once, in float64 from the float64 constant
            weight, bias = query_side
            fixed = constant.double() @ weight.double().t() + bias.double()
            self.register_buffer("fixed", fixed.to(weight.dtype))

    def forward(self, x: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        query = self.query(x) if self.query is not None \
            else self.fixed.expand(memory.shape[0], -1, -1)
        if self.folded:
            mixed = attention(query, memory, memory, scale=1.0)
        else:
            mixed = absorbed_attention(query, memory, (self.key_weight, None),
                                       (self.value_weight, self.value_bias), self.heads)
        return self.value_out(mixed)


class PreparedEncoderLayer(nn.Module):
    """``EncoderLayer.forward`` in eval mode."""

    def __init__(self, layer: EncoderLayer) -> None:
        super().__init__()
        self.self_attn = PreparedSelfAttention(layer.self_attn)
        self.ffn = PreparedFeedForward(layer.ffn)
        self.norm1, self.norm2 = layer.norm1, layer.norm2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm1(x + self.self_attn(x))
        return self.norm2(x + self.ffn(x))


class PreparedDecoderLayer(nn.Module):
    """``DecoderLayer.forward`` in eval mode; with ``state`` (the constant input after the
    self-attention block, for the first layer) only the cross-attention and FFN blocks run."""

    def __init__(self, layer: DecoderLayer, state: torch.Tensor | None = None) -> None:
        super().__init__()
        self.self_attn = PreparedSelfAttention(layer.self_attn) if state is None else None
        self.cross_attn = PreparedCrossAttention(layer.cross_attn, state)
        self.ffn = PreparedFeedForward(layer.ffn)
        self.norm1, self.norm2, self.norm3 = layer.norm1, layer.norm2, layer.norm3

    def forward(self, x: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        if self.self_attn is not None:
            x = self.norm1(x + self.self_attn(x))
        x = self.norm2(x + self.cross_attn(x, memory))
        return self.norm3(x + self.ffn(x))


class PreparedDecoder(nn.Module):
    """``TransformerDecoder(G, memory)`` for the constant queries ``G``, precomputed in part."""

    first_state: torch.Tensor

    def __init__(self, decoder: TransformerDecoder, queries: GradeQueries) -> None:
        super().__init__()
        state = queries.prototypes.weight.detach()[None].double()  # [1, K, d]
        trained = list(decoder.layers)
        if trained:  # the first self-attention block on the constant queries, in float64
            first = copy.deepcopy(trained[0]).double()
            assert isinstance(first, DecoderLayer)
            state = first.norm1(state + first.self_attn(state, state))
        self.register_buffer("first_state", state.to(decoder.norm.weight.dtype))
        self.layers = nn.ModuleList(
            PreparedDecoderLayer(layer, state if i == 0 else None)  # type: ignore[arg-type]
            for i, layer in enumerate(trained))
        self.norm = decoder.norm

    def forward(self, memory: torch.Tensor) -> torch.Tensor:
        """Encoder memory ``[B, T, d]`` -> decoded queries ``[B, K, d]``."""
        x = self.first_state.expand(memory.shape[0], -1, -1)
        for layer in self.layers:
            x = layer(x, memory)
        return self.norm(x)


class PreparedTrunk(nn.Module):
    """Clip features ``[B, T, C]`` -> decoded grade queries ``[B, K, d]`` (GDLT's network
    without its head), prepared from the trained modules."""

    def __init__(self, in_proj: ClipProjection, encoder: TransformerEncoder,
                 decoder: TransformerDecoder, queries: GradeQueries) -> None:
        super().__init__()
        expand, relu, project = fold_clip_stack(in_proj.layers)
        assert isinstance(expand, nn.Linear) and isinstance(project, nn.Linear)
        assert isinstance(relu, nn.ReLU)
        self.expand, self.project = Affine(expand.weight, expand.bias), \
            Affine(project.weight, project.bias)
        self.encoder = nn.ModuleList(PreparedEncoderLayer(layer)  # type: ignore[arg-type]
                                     for layer in encoder.layers)
        self.encoder_norm = encoder.norm
        self.decoder = PreparedDecoder(decoder, queries)

    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        b, t, _ = clips.shape
        x = self.project(torch.relu_(self.expand(clips.reshape(b * t, -1)))).view(b, t, -1)
        for layer in self.encoder:
            x = layer(x)
        return self.decoder(self.encoder_norm(x))


class PreparedGDLT(AQAModel):
    """``GDLT.forward`` at eval (same ``score`` and ``embed``), from :class:`PreparedTrunk`."""

    def __init__(self, trunk: PreparedTrunk, head: LikertHead) -> None:
        super().__init__()
        self.trunk, self.head = trunk, head

    def forward(self, batch: Batch) -> dict[str, torch.Tensor]:
        embed = self.trunk(batch.features)
        return {"score": self.head(embed), "embed": embed}
