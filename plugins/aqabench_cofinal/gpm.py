"""GPM — Grade Parsing Module (Sect. 3.3, Eq. 8-11).

- ``G`` learnable grade prototypes ``g_k ∈ R^{D_P}`` (``N(0, 1)`` init).
- Eq. 9: ``H_C = softmax(Q_G K_Gᵀ / √D_S) V_G`` with ``Q_G = linear(G)`` (``D_P → D_S``) and
  ``K_G, V_G = linear(H̃)``; each row is the video's response to one grade. The alignment map of
  Appendix A (see heads.py) is applied to ``H_C`` and ``Q_G``.
- Eq. 10: ``M = softmax_G(avgPool_features(H_C))`` ``[G, 1]``.
- Eq. 11: ``H_F = M ⊙ (H_C − Q_G)``. The paper writes ``H_C − G``, but ``G`` is ``G × D_P`` and
  ``H_C`` is ``G × D_S``; we subtract the embedded prototypes ``Q_G`` (same shape, same meaning).
- Eq. 8, the quality-aware graph regulariser ``L_R = KL(arccos(Ḡ Ḡᵀ), D)``, ``D_ij = |i − j|``.
  Angles and distances are matrices, so each row ``i`` is made a distribution over ``j ≠ i``
  (divided by its sum; the diagonal, 0 in both, is dropped) and
  ``L_R = mean_i KL(D_i ‖ A_i)``; the cosine is clamped to ``[−1 + 1e-6, 1 − 1e-6]`` before the
  arccos (its gradient is infinite at ±1). Prototypes whose angles grow in proportion to their
  grade distance give ``L_R = 0``; ``G = 1`` gives 0.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .attention import attend, masked_mean
from .heads import Align

COS_EPS = 1e-6


def graph_regulariser(prototypes: torch.Tensor) -> torch.Tensor:
    """Eq. 8 on ``[G, D]`` prototypes (see the module docstring for the normalisation)."""
    count = prototypes.shape[0]
    if count < 2:
        return prototypes.sum() * 0.0
    unit = F.normalize(prototypes, dim=-1)
    angles = torch.arccos((unit @ unit.T).clamp(-1 + COS_EPS, 1 - COS_EPS))
    index = torch.arange(count, device=prototypes.device)
    distance = (index[:, None] - index[None, :]).abs().to(prototypes.dtype)
    off = ~torch.eye(count, dtype=torch.bool, device=prototypes.device)
    target = distance[off].reshape(count, count - 1)
    target = target / target.sum(-1, keepdim=True)
    model = angles[off].reshape(count, count - 1)
    model = model / model.sum(-1, keepdim=True)
    return (target * (target.log() - model.log())).sum(-1).mean()


def grade_parsing(coarse: torch.Tensor, queries: torch.Tensor
                  ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Eq. 10-11 from ``H_C`` and ``Q_G`` ``[B, G, D_S]``: ``(H_C, H_F, M)``."""
    weights = torch.softmax(coarse.mean(dim=-1), dim=-1)  # Eq. 10
    fine = weights[..., None] * (coarse - queries)  # Eq. 11
    return coarse, fine, weights


class GPM(nn.Module):
    def __init__(self, grades: int, dim_p: int, dim_s: int, align: Align) -> None:
        super().__init__()
        self.prototypes = nn.Parameter(torch.randn(grades, dim_p))
        self.query = nn.Linear(dim_p, dim_s)
        self.key = nn.Linear(dim_p, dim_s)
        self.value = nn.Linear(dim_p, dim_s)
        self.align = align

    def forward(self, fused: torch.Tensor, mask: torch.Tensor | None
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``H̃`` ``[B, L, D_P]`` -> ``H_C``, ``H_F`` ``[B, G, D_S]``, the mask ``M`` ``[B, G]``."""
        queries = self.align(self.query(self.prototypes)).expand(fused.shape[0], -1, -1)
        coarse = self.align(attend(queries, self.key(fused), self.value(fused), mask))  # Eq. 9
        return grade_parsing(coarse, queries)

    def regulariser(self) -> torch.Tensor:
        return graph_regulariser(self.prototypes)


class PooledParsing(nn.Module):
    """w/o GPM (Tab. 3 / S6): no prototypes or cross-attention; the pooled ``H̃`` projected to
    ``D_S`` (and aligned) feeds the coarse head and, as ``h_F``, the FGS directly."""

    def __init__(self, dim_p: int, dim_s: int, align: Align) -> None:
        super().__init__()
        self.proj = nn.Linear(dim_p, dim_s)
        self.align = align

    def forward(self, fused: torch.Tensor, mask: torch.Tensor | None
                ) -> tuple[torch.Tensor, torch.Tensor, None]:
        pooled = self.align(self.proj(masked_mean(fused, mask)))[:, None, :]
        return pooled, pooled, None
