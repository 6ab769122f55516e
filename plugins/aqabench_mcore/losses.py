"""MCoRe's score and contrastive losses (mcore.md §8). Total: L = L_reg + L_seg + L_cont.

- L_reg = MSE(Δ_qe, s_q - s_e) + MSE(Δ_eq, s_e - s_q): the relative score in both directions.
- L_cont, the stage-wise contrastive loss (GRACE-style, τ = 0.5, weight 10): for a pair and a
  stage k with pooled tokens a_i = Q_k[i], b_i = E_k[i], cosine similarity s and f(x) = e^{x/τ},

      l(a_i) = -log f(s(a_i, b_i)) / (sum_j f(s(a_i, b_j)) + sum_{j != i} f(s(a_i, a_j)))

  and L_cont = w * mean over (pairs, stages, i) of (l(a_i; a, b) + l(b_i; b, a)) / 2. The
  positive is the exemplar token at the same time slot of the same stage; the negatives are the
  other slots of that stage in both videos (no cross-stage negatives, as in the official code,
  whose run produced the reported numbers). The paper's summary says the loss also discourages
  cross-stage confusion; ``cross_stage=True`` (config ``cont_cross_stage``) is that reading: the
  negatives are every other token of both videos, all stages.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F


def regression_loss(delta_qe: torch.Tensor, delta_eq: torch.Tensor, query: torch.Tensor,
                    exemplar: torch.Tensor) -> torch.Tensor:
    """Both directions of the relative score, in the units of the targets given."""
    return F.mse_loss(delta_qe, query - exemplar) + F.mse_loss(delta_eq, exemplar - query)


def _one_way(a: torch.Tensor, b: torch.Tensor, tau: float) -> torch.Tensor:
    """``l(a_i; a, b)`` for every token: ``[..., S, W]`` (unit rows) -> ``[..., S]``."""
    own = torch.exp(a @ a.transpose(-2, -1) / tau)
    cross = torch.exp(a @ b.transpose(-2, -1) / tau)
    denominator = own.sum(-1) + cross.sum(-1) - own.diagonal(dim1=-2, dim2=-1)
    return -torch.log(cross.diagonal(dim1=-2, dim2=-1) / denominator)


def stage_contrastive_loss(query: torch.Tensor, exemplar: torch.Tensor, tau: float = 0.5,
                           cross_stage: bool = False) -> torch.Tensor:
    """Unweighted L_cont of pooled tokens ``[P, K, S, W]`` (a pair = one row of each)."""
    if cross_stage:  # one group of K * S tokens: other stages become negatives too
        query, exemplar = query.flatten(1, 2)[:, None], exemplar.flatten(1, 2)[:, None]
    a = F.normalize(query, dim=-1)
    b = F.normalize(exemplar, dim=-1)
    return 0.5 * (_one_way(a, b, tau) + _one_way(b, a, tau)).mean()
