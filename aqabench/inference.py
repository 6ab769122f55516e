"""Exact eval-time re-expressions of a trained network, for latency and inference only.

A method opts in by overriding :meth:`aqabench.api.AQAModel.prepare_inference`; the harness
calls :func:`prepare`, which works on a deep copy in eval mode under ``torch.no_grad``, so the
training model (its parameters, MACs, mode and records) is never touched. The helpers below are
the transformations methods share; each is exact maths (only float rounding may differ):

- :func:`fold_batch_norm` / :func:`fold_clip_stack`: an eval-mode ``BatchNorm1d`` after a GEMM
  is an affine map per channel, ``gamma (x - mu) / sqrt(var + eps) + beta``, so it folds into
  the GEMM's weight rows and bias (computed in float64, stored in the model's dtype);
- :class:`Affine` / :func:`stacked_linear`: a ``Linear`` as one ``torch.addmm`` on the rows of
  its input, the weight stored transposed and contiguous; several maps of the same input
  stacked along the output dimension become one GEMM (fewer and larger matrix multiplies);
- :func:`compose_linear`: two affine maps with nothing between them are one,
  ``W2 (W1 x + b1) + b2 = (W2 W1) x + (W2 b1 + b2)`` (in float64); fewer GEMMs, and fewer
  multiply-accumulates where the composed map is smaller;
- :func:`query_key_product`: single-head attention scores ``(x W_qᵀ + b_q)(m W_kᵀ + b_k)ᵀ / √d``
  are ``(x W_qᵀ W_k + b_q W_k) mᵀ / √d`` plus a term constant over the keys of each query, which
  the softmax ignores: the keys are the raw ``m`` (no key projection at all);
- :func:`attention`: ``softmax(Q Kᵀ / √d_h) V`` through ``F.scaled_dot_product_attention``
  (no dropout at eval), optionally with a key mask, for ``[B, L, d]`` inputs and ``heads``;
- :func:`absorbed_attention`: the same attention with the key and value projections of a long
  memory absorbed into the few queries (associativity, and softmax rows summing to 1).

Composed and absorbed maps do fewer multiply-accumulates than the training graph, so the
prepared model's own MACs are recorded beside the paper-convention count (``aqabench
profile``'s ``latency_prepared.macs``); the FLOP bound keeps the training graph's count.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

from .api import AQAModel


def prepare(model: AQAModel) -> AQAModel:
    """``model.prepare_inference()`` on an eval-mode deep copy, under ``torch.no_grad``.

    Returns an eval-mode model with no parameter requiring grad (``model`` itself when the
    method does not override the hook). ``model`` keeps its mode, parameters and buffers.
    """
    if type(model).prepare_inference is AQAModel.prepare_inference:
        return model
    twin = copy.deepcopy(model).eval()
    with torch.no_grad():
        prepared = twin.prepare_inference()
    if not isinstance(prepared, AQAModel):
        raise TypeError(f"{type(model).__name__}.prepare_inference returned a "
                        f"{type(prepared).__name__}, not an AQAModel")
    return prepared.eval().requires_grad_(False)


def fold_batch_norm(weight: torch.Tensor, bias: torch.Tensor | None, norm: nn.BatchNorm1d
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """``(W', b')`` with ``norm(x W^T + b) == x W'^T + b'`` for ``norm`` in eval mode.

    ``W' = s * W`` row-wise and ``b' = s * (b - mu) + beta`` with ``s = gamma / sqrt(var + eps)``
    (``gamma = 1``, ``beta = 0`` without affine). Needs running statistics.
    """
    if norm.running_mean is None or norm.running_var is None:
        raise ValueError("cannot fold a BatchNorm without running statistics (it normalises "
                         "with batch statistics at eval too)")
    scale = torch.rsqrt(norm.running_var.double() + norm.eps)
    shift = -norm.running_mean.double() * scale
    if norm.weight is not None:
        scale, shift = scale * norm.weight.double(), shift * norm.weight.double()
    if norm.bias is not None:
        shift = shift + norm.bias.double()
    base = bias.double() if bias is not None else torch.zeros_like(scale)
    folded_w = weight.double() * scale[:, None]
    folded_b = base * scale + shift
    return folded_w.to(weight.dtype), folded_b.to(weight.dtype)


def _as_linear(layer: nn.Module) -> nn.Linear | None:
    """A ``Linear`` equal to ``layer`` (a Linear, or a 1x1 ungrouped Conv1d applied per clip)."""
    if isinstance(layer, nn.Linear):
        return layer
    if isinstance(layer, nn.Conv1d) and layer.kernel_size == (1,) and layer.groups == 1:
        out = nn.Linear(layer.in_channels, layer.out_channels, bias=layer.bias is not None)
        out.weight.data = layer.weight.detach().squeeze(-1).clone()
        if layer.bias is not None:
            out.bias.data = layer.bias.detach().clone()
        return out
    return None


def fold_clip_stack(stack: nn.Sequential) -> nn.Sequential:
    """A per-clip stack (``[B*T, C]`` rows) with every eval ``BatchNorm1d`` folded into the
    ``Linear`` / 1x1 ``Conv1d`` before it; 1x1 convolutions become ``Linear``; the other layers
    are kept. For stacks written for :func:`aqabench.layers.per_clip`."""
    layers: list[nn.Module] = []
    for layer in stack:
        previous = layers[-1] if layers else None
        if isinstance(layer, nn.BatchNorm1d) and isinstance(previous, nn.Linear):
            weight, bias = fold_batch_norm(previous.weight, previous.bias, layer)
            folded = nn.Linear(previous.in_features, previous.out_features)
            folded.weight.data, folded.bias.data = weight, bias
            layers[-1] = folded
            continue
        linear = _as_linear(layer)
        layers.append(linear if linear is not None else layer)
    return nn.Sequential(*layers)


Map = tuple[torch.Tensor, torch.Tensor | None]  # (weight [out, in], bias [out] or None)


class Affine(nn.Module):
    """``x Wᵀ + b`` on ``[..., in]`` as one ``torch.addmm`` on its rows (no ``F.linear``
    dispatch or weight transpose per call); the weight is kept as ``Wᵀ`` ``[in, out]``."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None = None) -> None:
        super().__init__()
        weight = weight.detach()
        bias = bias.detach() if bias is not None else weight.new_zeros(weight.shape[0])
        self.weight_t = nn.Parameter(weight.t().contiguous(), requires_grad=False)
        self.bias = nn.Parameter(bias.clone(), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            return torch.addmm(self.bias, x, self.weight_t)
        out = torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight_t)
        return out.view(*x.shape[:-1], out.shape[-1])


def stacked_linear(*maps: Map) -> Affine:
    """One :class:`Affine` computing the ``(weight, bias)`` maps side by side: its output is
    their outputs concatenated on the last dimension (split it with ``Tensor.split``)."""
    weight = torch.cat([w.detach() for w, _ in maps])
    bias = torch.cat([b.detach() if b is not None else w.new_zeros(w.shape[0])
                      for w, b in maps])
    return Affine(weight, bias)


def compose_linear(*maps: Map) -> tuple[torch.Tensor, torch.Tensor]:
    """``(W, b)`` of the affine maps applied one after the other, the OUTERMOST first:
    ``compose_linear((W2, b2), (W1, b1))`` is ``W = W2 W1``, ``b = W2 b1 + b2``. Computed in
    float64 throughout, returned in the outermost weight's dtype (a missing bias is zero)."""
    weight, bias = maps[-1][0].double(), maps[-1][1]
    bias = bias.double() if bias is not None else weight.new_zeros(weight.shape[0])
    for w, b in reversed(maps[:-1]):
        weight, bias = w.double() @ weight, w.double() @ bias
        if b is not None:
            bias = bias + b.double()
    dtype = maps[0][0].dtype
    return weight.to(dtype), bias.to(dtype)


def query_key_product(query_map: Map, key_map: Map) -> tuple[torch.Tensor, torch.Tensor]:
    """``(W, b)`` such that single-head attention of ``x`` on ``m`` with query map ``W_q, b_q``
    and key map ``W_k, b_k`` has the scores ``(x Wᵀ + b) mᵀ`` (scale included) up to a term
    constant over the keys of each query: ``W = W_kᵀ W_q / √d``, ``b = W_kᵀ b_q / √d`` with
    ``d`` the query/key width, so that ``softmax`` rows (masked or not) are unchanged.

    ``(x W_qᵀ + b_q)(m W_kᵀ + b_k)ᵀ = (x W_qᵀ + b_q) W_k mᵀ + (x W_qᵀ + b_q) b_k``; the second
    term does not depend on the key. Use with :func:`attention` at ``scale=1.0`` and the raw
    memory as keys. Cheaper than projecting the keys when ``m`` is no wider than ``d``."""
    (w_q, b_q), (w_k, _) = query_map, key_map
    scale = w_q.shape[0] ** -0.5
    weight = (w_k.double().t() @ w_q.double()) * scale
    bias = (w_k.double().t() @ b_q.double()) * scale if b_q is not None \
        else weight.new_zeros(weight.shape[0])
    return weight.to(w_q.dtype), bias.to(w_q.dtype)


def attention(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, heads: int = 1,
              key_mask: torch.Tensor | None = None, scale: float | None = None
              ) -> torch.Tensor:
    """``softmax(Q Kᵀ / √d_h) V`` per batch row and head, no dropout; ``[B, L, d]`` inputs
    (queries and keys of one width, values of their own), ``key_mask`` ``[B, Lk]`` (True = a
    valid key) -> ``[B, Lq, d_v]``; ``scale`` replaces ``1 / √d_h`` (1.0 after
    :func:`query_key_product`).

    Inputs go in as ``[B, heads, L, d_h]``: on CPU only 4-d inputs take the fused
    (flash) kernel; 3-d ones fall back to the decomposed maths."""
    b, lq, _ = query.shape

    def split(x: torch.Tensor) -> torch.Tensor:
        if heads == 1:
            return x[:, None]
        return x.reshape(x.shape[0], x.shape[1], heads, -1).transpose(1, 2)

    mask = key_mask[:, None, None, :] if key_mask is not None else None
    mixed = F.scaled_dot_product_attention(split(query), split(key), split(value),
                                           attn_mask=mask, scale=scale)
    return mixed[:, 0] if heads == 1 else mixed.transpose(1, 2).reshape(b, lq, -1)


def absorbed_attention(query: torch.Tensor, memory: torch.Tensor,
                       key_map: tuple[torch.Tensor, torch.Tensor | None],
                       value_map: tuple[torch.Tensor, torch.Tensor | None], heads: int = 1,
                       key_mask: torch.Tensor | None = None) -> torch.Tensor:
    """:func:`attention` of projected queries on keys ``M W_kᵀ + b_k`` and values
    ``M W_vᵀ + b_v`` of ``memory`` ``[B, Lk, d_m]``, without projecting the memory.

    Per head, ``Q Kᵀ = (Q W_k) Mᵀ + Q b_k``, whose second term is constant over the keys (the
    softmax drops it, so ``b_k`` is never used), and, since each row of the attention ``A``
    sums to 1, ``A V = (A M) W_vᵀ + b_v``: the same maths in ``O(Lq·d_h·d_m)`` instead of
    ``O(Lk·d_h·d_m)`` multiply-accumulates, for few queries (``Lq``) on a long memory (``Lk``).
    ``query`` ``[B, Lq, heads·d_h]`` -> ``[B, Lq, heads·d_h]``. Needs at least one valid key.
    """
    (w_k, _), (w_v, b_v) = key_map, value_map
    b, lq, d = query.shape
    d_h, d_m = d // heads, memory.shape[-1]

    def per_head(x: torch.Tensor, width: int) -> torch.Tensor:  # [B, Lq, H·w] -> [H, B·Lq, w]
        return x.reshape(b, lq, heads, width).permute(2, 0, 1, 3).reshape(heads, b * lq, width)

    def per_row(x: torch.Tensor, width: int) -> torch.Tensor:  # [H, B·Lq, w] -> [B, H·Lq, w]
        return x.reshape(heads, b, lq, width).transpose(0, 1).reshape(b, heads * lq, width)

    # Every product is a plain (batched) GEMM: broadcasting a weight over the batch would make
    # autograd expand and then sum a [B, H, d_h, d_m] gradient (slower than projecting).
    queries = per_row(torch.bmm(per_head(query, d_h), w_k.reshape(heads, d_h, d_m)), d_m)
    scores = (queries @ memory.transpose(-1, -2)) * (1.0 / d_h ** 0.5)  # [B, H·Lq, Lk]
    if key_mask is not None:
        scores = scores.masked_fill(~key_mask[:, None, :], float("-inf"))
    pooled = torch.softmax(scores, dim=-1) @ memory  # [B, H·Lq, d_m]
    pooled = pooled.reshape(b, heads, lq, d_m).transpose(0, 1).reshape(heads, b * lq, d_m)
    mixed = torch.bmm(pooled, w_v.reshape(heads, d_h, d_m).transpose(-1, -2))  # [H, B·Lq, d_h]
    mixed = mixed.reshape(heads, b, lq, d_h).permute(1, 2, 0, 3).reshape(b, lq, d)
    return mixed + b_v if b_v is not None else mixed
