"""CoFInAl's eval-only modules (``prepare_inference`` of both variants): the same maths, less work.

``prepare_inference`` swaps these in for the trained modules of an eval copy (made by
:func:`aqabench.inference.prepare`), so the models' own ``forward`` and read-outs run unchanged:

- paper model: :class:`PreparedTFM` absorbs the TFM's key and value projections of the T clips
  into its P procedure queries (:func:`aqabench.inference.absorbed_attention`; P = 5 << T:
  70 M fewer multiply-accumulates at T = 72, -86 % of the model); :class:`PreparedGPM`
  precomputes the aligned prototype queries ``align(linear(G))`` (a constant), stacks its key
  and value projections and attends with ``F.scaled_dot_product_attention``; the padding mask
  is kept, and dropped when nothing is padded;
- code variant: the GDLT trunk of :mod:`aqabench_gdlt.inference` (BatchNorm folded, the
  decoder's constant first self-attention precomputed, single-head attention with its
  query-key and value-output products composed); the fine head's self-attention with its q/k/v
  projections in one GEMM, and its output projection, ``Flatten``, ``Linear(K h -> h)`` and
  ``Linear(h -> 100)`` (affine maps, nothing between them) composed into one
  ``Linear(K h -> 100)`` (:func:`fine_regressor`; 5.4 x fewer multiply-accumulates there).
"""

from __future__ import annotations

import torch
from torch import nn

from aqabench.inference import (
    Affine,
    absorbed_attention,
    attention,
    compose_linear,
    stacked_linear,
)

from .attention import MultiHeadAttention, masked_mean
from .gpm import GPM, grade_parsing
from .tfm import TFM


def _padding(mask: torch.Tensor | None) -> torch.Tensor | None:
    """``mask`` when it hides any key, else None (no mask: the fused kernel's fast path)."""
    return mask if mask is not None and not bool(mask.all()) else None


class PreparedTFM(nn.Module):
    """:class:`~aqabench_cofinal.tfm.TFM` at eval (Eq. 7, no dropout)."""

    def __init__(self, tfm: TFM) -> None:
        super().__init__()
        self.procedures, self.dim_p = tfm.procedures, tfm.dim_p
        self.query, self.key, self.value = tfm.query, tfm.key, tfm.value

    def forward(self, clips: torch.Tensor, mask: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
        queries = self.query(masked_mean(clips, mask)).reshape(-1, self.procedures, self.dim_p)
        fused = absorbed_attention(queries, clips, (self.key.weight, self.key.bias),
                                   (self.value.weight, self.value.bias), 1, _padding(mask))
        return fused, None


class PreparedGPM(nn.Module):
    """:class:`~aqabench_cofinal.gpm.GPM` at eval (Eq. 9-11) with its constant queries."""

    queries: torch.Tensor

    def __init__(self, gpm: GPM) -> None:
        super().__init__()
        self.align = gpm.align
        self.register_buffer("queries", gpm.align(gpm.query(gpm.prototypes)).detach().clone())
        self.dim_s = self.queries.shape[-1]
        self.key_value = stacked_linear((gpm.key.weight, gpm.key.bias),
                                        (gpm.value.weight, gpm.value.bias))

    def forward(self, fused: torch.Tensor, mask: torch.Tensor | None
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        queries = self.queries.expand(fused.shape[0], -1, -1)
        keys, values = self.key_value(fused).split(self.dim_s, dim=-1)
        coarse = self.align(attention(queries, keys, values, 1, _padding(mask)))  # Eq. 9
        return grade_parsing(coarse, queries)


class PreparedSelfAttention(nn.Module):
    """:class:`~aqabench_cofinal.attention.MultiHeadAttention` at eval, for self-attention
    (query, key and value the same tensor, no mask): one GEMM for the three projections. The
    output projection is NOT applied: it is composed into the code variant's fine regressor
    (:func:`fine_regressor`), so this returns the heads' mixed values ``[B, L, d]``."""

    def __init__(self, block: MultiHeadAttention) -> None:
        super().__init__()
        self.heads = block.heads
        self.qkv = stacked_linear(*[(p.weight, p.bias)
                                    for p in (block.q_proj, block.k_proj, block.v_proj)])

    def forward(self, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                key_mask: torch.Tensor | None = None) -> torch.Tensor:
        if not (query is key is value) or key_mask is not None:
            raise ValueError("the prepared fine-head attention is self-attention without a mask")
        q, k, v = self.qkv(query).chunk(3, dim=-1)
        return attention(q, k, v, self.heads)


def fine_regressor(out_proj: nn.Linear, regressor: nn.Sequential) -> nn.Sequential:
    """``regressor(out_proj(z))`` for the mixed values ``z`` ``[B, K, h]`` as one map:
    ``out_proj`` per query, ``Flatten``, ``Linear(K h -> h)``, ``Linear(h -> c)`` are all
    affine, so ``W = R2 R1 blockdiag(W_o, ..., W_o)`` ``[c, K h]`` (in float64)."""
    _, first, second = regressor
    assert isinstance(first, nn.Linear) and isinstance(second, nn.Linear)
    queries = first.in_features // out_proj.out_features
    per_query = (torch.block_diag(*[out_proj.weight.detach()] * queries),
                 out_proj.bias.detach().repeat(queries))
    return nn.Sequential(nn.Flatten(1), Affine(*compose_linear(
        (second.weight, second.bias), (first.weight, first.bias), per_query)))
