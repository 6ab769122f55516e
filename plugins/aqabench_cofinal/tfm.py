"""TFM — Temporal Fusion Module (Sect. 3.2, Eq. 3 and 7): procedure-aware self-attention.

``K_T, V_T = linear(H)`` (``D_C → D_P``) per clip; ``Q_T = linear(H)`` (``D_C → P·D_P``) per clip,
average-pooled over the clips into ``P`` procedure queries ``Q̃_T ∈ R^{P×D_P}``;
``H̃ = softmax(Q̃_T K_Tᵀ / √D_P) V_T ∈ R^{P×D_P}`` (Eq. 7).

The query projection is linear, so averaging ``W h_t + b`` over the valid clips equals
``W · mean_t(h_t) + b``: we project the mean (identical result, ``T``× fewer MACs). Padded clips
are excluded from the mean and masked out of the attention. Dropout acts on ``H̃``.

``form`` (config key ``tfm_form``) says in which order Eq. 7 is multiplied out; both are the
same function, to float rounding (tests/test_cofinal.py):

- ``"projected"`` (default): as written, ``K_T`` and ``V_T`` of every clip first
  (``2·T·D_C·D_P`` multiply-accumulates), then the attention of the ``P`` queries;
- ``"absorbed"``: the projections moved onto the ``P`` queries
  (:func:`aqabench.inference.absorbed_attention`: ``Q̃ K_Tᵀ = (Q̃ W_K) Hᵀ + const``, the
  constant dropped by the softmax, and ``A V_T = (A H) W_Vᵀ + b_V``), about ``2·P·D_C·(T + D_P)``
  multiply-accumulates: 3-5× less time for a training step on CPU at T = 68-124, P = 5. The
  rounding differs, so a run's numbers differ slightly from the projected form's; FLOPs are
  counted on what runs (``aqabench profile`` at the defaults counts the projected form, as
  Tab. 2 does).

``ClipProjection`` is the "w/o TFM" ablation: every clip projected to ``D_P`` on its own, no
procedure attention, so the GPM attends over the ``T`` clips instead of ``P`` procedures.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from aqabench.inference import absorbed_attention

from .attention import attend, masked_mean

TFM_FORMS = ("projected", "absorbed")


class TFM(nn.Module):
    def __init__(self, dim_c: int, dim_p: int, procedures: int, dropout: float,
                 form: str = "projected") -> None:
        super().__init__()
        if form not in TFM_FORMS:
            raise ValueError(f"tfm_form must be one of {TFM_FORMS}, got {form!r}")
        self.procedures, self.dim_p, self.form = procedures, dim_p, form
        self.query = nn.Linear(dim_c, procedures * dim_p)
        self.key = nn.Linear(dim_c, dim_p)
        self.value = nn.Linear(dim_c, dim_p)
        self.drop = nn.Dropout(dropout)

    def forward(self, clips: torch.Tensor, mask: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``[B, T, D_C]`` clips + ``[B, T]`` mask -> ``H̃`` ``[B, P, D_P]`` (no padding left)."""
        queries = self.query(masked_mean(clips, mask)).reshape(-1, self.procedures, self.dim_p)
        if self.form == "absorbed":
            fused = absorbed_attention(queries, clips, (self.key.weight, self.key.bias),
                                       (self.value.weight, self.value.bias), 1, mask)
        else:
            fused = attend(queries, self.key(clips), self.value(clips), mask)
        return self.drop(fused), None

    def logits(self, clips: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Eq. 7's attention logits ``Q̃_T K_Tᵀ / √D_P``, ``[B, P, T]``, ``-inf`` on padded
        clips: their softmax is what each procedure pools (its spread over the clips decides
        whether the procedures differ from the clip mean; benchmarks/cofinal_tfm_attention.py)."""
        queries = self.query(masked_mean(clips, mask)).reshape(-1, self.procedures, self.dim_p)
        scores = queries @ self.key(clips).transpose(-1, -2) / math.sqrt(self.dim_p)
        return scores.masked_fill(~mask[:, None, :], float("-inf"))


class ClipProjection(nn.Module):
    """w/o TFM (Tab. 3 / S6): ``H̃ = linear(H)`` per clip, ``[B, T, D_P]``, mask kept."""

    def __init__(self, dim_c: int, dim_p: int, dropout: float) -> None:
        super().__init__()
        self.proj = nn.Linear(dim_c, dim_p)
        self.drop = nn.Dropout(dropout)

    def forward(self, clips: torch.Tensor, mask: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
        return self.drop(self.proj(clips)), mask
