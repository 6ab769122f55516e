"""FGS — Fine-Grained Scoring (Sect. 3.4, Eq. 12-15).

- Eq. 12: a simplex ETF ``E = √(K/(K−1)) · U (I_K − 1_K 1_Kᵀ / K)``, ``U ∈ R^{d×K}`` with
  orthonormal columns (reduced QR of a Gaussian matrix from a dedicated seeded generator, so the
  frame depends only on ``etf_seed``, never on the global RNG). Eq. 13: unit-norm columns with
  pairwise inner product ``−1/(K−1)``. Needs ``d ≥ K``. Stored as a buffer: fixed, not learned.
- Eq. 14: ``ŝ_F = argmax_j ⟨h_F, e_j⟩``.
- Eq. 15: ``L_F = ½ mean (⟨h̄_F, ê⟩ − 1)²`` with ``h̄_F = h_F / ‖h_F‖``. The paper calls ``ê`` "the
  predicted fixed prototype"; a loss toward the prediction has no teacher, so ``ê`` is the column
  of the GROUND-TRUTH sub-grade (the dot-regression loss of the neural-collapse work it cites).
- A soft read-out ``Σ_j softmax(⟨h̄_F, e_j⟩ / τ)_j · j`` gives the score loss a gradient (the
  argmax has none) and is offered as the ``readout = "soft"`` evaluation.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F


def simplex_etf(dim: int, classes: int, seed: int = 0) -> torch.Tensor:
    """Eq. 12: a ``[dim, classes]`` simplex ETF, deterministic for ``seed``."""
    if classes < 2:
        raise ValueError("a simplex ETF needs at least 2 classes")
    if dim < classes:
        raise ValueError(f"a simplex ETF of {classes} vectors needs dimension >= {classes}, "
                         f"got {dim}")
    generator = torch.Generator().manual_seed(seed)
    basis = torch.randn(dim, classes, generator=generator, dtype=torch.float64)
    rotation, _ = torch.linalg.qr(basis)  # reduced: [dim, classes], Uᵀ U = I
    centring = torch.eye(classes, dtype=torch.float64) - 1.0 / classes
    return (math.sqrt(classes / (classes - 1)) * rotation @ centring).float()


def dot_regression_loss(similarity: torch.Tensor, subgrade: torch.Tensor) -> torch.Tensor:
    """Eq. 15 on ``similarity = ⟨h̄_F, e_j⟩`` ``[B, K]`` and the true sub-grades ``[B]``."""
    chosen = similarity.gather(1, subgrade[:, None]).squeeze(1)
    return 0.5 * ((chosen - 1.0) ** 2).mean()


class FGS(nn.Module):
    """Scores a fine feature ``h_F`` ``[B, d]`` against the fixed ETF (Eq. 14)."""

    def __init__(self, dim: int, subgrades: int, seed: int = 0) -> None:
        super().__init__()
        self.register_buffer("etf", simplex_etf(dim, subgrades, seed))

    def forward(self, h_f: torch.Tensor) -> torch.Tensor:
        """``⟨h̄_F, e_j⟩`` ``[B, K]``: cosines, since the columns have unit norm; the argmax is
        that of the unnormalised ``⟨h_F, e_j⟩`` of Eq. 14."""
        return F.normalize(h_f, dim=-1) @ self.etf

    @staticmethod
    def hard(similarity: torch.Tensor) -> torch.Tensor:
        """Eq. 14, per sample."""
        return similarity.argmax(dim=-1).to(similarity.dtype)

    @staticmethod
    def soft(similarity: torch.Tensor, temperature: float) -> torch.Tensor:
        classes = torch.arange(similarity.shape[-1], device=similarity.device,
                               dtype=similarity.dtype)
        return torch.softmax(similarity / temperature, dim=-1) @ classes
