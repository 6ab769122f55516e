"""TFM — Temporal Fusion Module (Sect. 3.2, Eq. 3 and 7): procedure-aware self-attention.

``K_T, V_T = linear(H)`` (``D_C → D_P``) per clip; ``Q_T = linear(H)`` (``D_C → P·D_P``) per clip,
average-pooled over the clips into ``P`` procedure queries ``Q̃_T ∈ R^{P×D_P}``;
``H̃ = softmax(Q̃_T K_Tᵀ / √D_P) V_T ∈ R^{P×D_P}`` (Eq. 7).

The query projection is linear, so averaging ``W h_t + b`` over the valid clips equals
``W · mean_t(h_t) + b``: we project the mean (identical result, ``T``× fewer MACs). Padded clips
are excluded from the mean and masked out of the attention. Dropout acts on ``H̃``.

``ClipProjection`` is the "w/o TFM" ablation: every clip projected to ``D_P`` on its own, no
procedure attention, so the GPM attends over the ``T`` clips instead of ``P`` procedures.
"""

from __future__ import annotations

import torch
from torch import nn

from .attention import attend, masked_mean


class TFM(nn.Module):
    def __init__(self, dim_c: int, dim_p: int, procedures: int, dropout: float) -> None:
        super().__init__()
        self.procedures, self.dim_p = procedures, dim_p
        self.query = nn.Linear(dim_c, procedures * dim_p)
        self.key = nn.Linear(dim_c, dim_p)
        self.value = nn.Linear(dim_c, dim_p)
        self.drop = nn.Dropout(dropout)

    def forward(self, clips: torch.Tensor, mask: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``[B, T, D_C]`` clips + ``[B, T]`` mask -> ``H̃`` ``[B, P, D_P]`` (no padding left)."""
        queries = self.query(masked_mean(clips, mask)).reshape(-1, self.procedures, self.dim_p)
        fused = attend(queries, self.key(clips), self.value(clips), mask)
        return self.drop(fused), None


class ClipProjection(nn.Module):
    """w/o TFM (Tab. 3 / S6): ``H̃ = linear(H)`` per clip, ``[B, T, D_P]``, mask kept."""

    def __init__(self, dim_c: int, dim_p: int, dropout: float) -> None:
        super().__init__()
        self.proj = nn.Linear(dim_c, dim_p)
        self.drop = nn.Dropout(dropout)

    def forward(self, clips: torch.Tensor, mask: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
        return self.drop(self.proj(clips)), mask
