"""The coarse head (Sect. 3.1: ``ŝ_C = f_MLP(H_C)``) and the Appendix-A alignment/activation modes.

- Alignment modes (Tab. S4) map features into a bounded range before they are scored. We apply
  the map to the coarse feature ``H_C`` and to the embedded prototypes ``Q_G`` (so the difference
  ``H_C − Q_G`` of Eq. 11 lives in one space): 0 → ``[0, D_C]`` (``clamp(x, 0, D_C)``, the
  non-negative "quadrant" alignment the paper attributes to GDLT), 1 → ``[−1, 1]`` (``tanh``),
  2 → ``[0, 1]`` (``sigmoid``). The paper reports mode 1 best (Fig. S9): the default.
- Activation modes (Fig. S7) are the non-linearity of the scoring MLP's hidden layer:
  0 ReLU, 1 ReLU with slope k = 0.5, 2 sigmoid, 3 Leaky ReLU (slope ``leaky_slope``). The paper
  reports Leaky ReLU (mode 3) best: the default.
- ``CoarseHead``: Linear(G·D_S → D_S), activation, dropout, Linear(D_S → G) on the flattened
  ``H_C`` (one row per grade), giving grade logits for the cross-entropy ``L_C``.
"""

from __future__ import annotations

import torch
from torch import nn

ALIGN_MODES = (0, 1, 2)
ACT_MODES = (0, 1, 2, 3)


class Align(nn.Module):
    """Tab. S4 alignment: 0 ``[0, bound]``, 1 ``[−1, 1]``, 2 ``[0, 1]``."""

    def __init__(self, mode: int, bound: float) -> None:
        super().__init__()
        if mode not in ALIGN_MODES:
            raise ValueError(f"align_mode must be one of {ALIGN_MODES}, got {mode!r}")
        self.mode, self.bound = mode, float(bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mode == 0:
            return x.clamp(0.0, self.bound)
        if self.mode == 1:
            return torch.tanh(x)
        return torch.sigmoid(x)


class ScaledReLU(nn.Module):
    """Fig. S7's "ReLU (k = 0.5)": ``k · max(x, 0)``."""

    def __init__(self, slope: float) -> None:
        super().__init__()
        self.slope = slope

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.slope * torch.relu(x)


def activation(mode: int, leaky_slope: float = 0.01) -> nn.Module:
    """Fig. S7 activation ``mode``: 0 ReLU, 1 ReLU k=0.5, 2 sigmoid, 3 Leaky ReLU."""
    if mode not in ACT_MODES:
        raise ValueError(f"act_mode must be one of {ACT_MODES}, got {mode!r}")
    return [nn.ReLU(), ScaledReLU(0.5), nn.Sigmoid(), nn.LeakyReLU(leaky_slope)][mode]


class CoarseHead(nn.Module):
    """``f_MLP``: ``[B, rows, D_S]`` (rows = G grades, or 1 pooled row w/o GPM) -> ``[B, G]``."""

    def __init__(self, rows: int, dim_s: int, grades: int, act: nn.Module,
                 dropout: float) -> None:
        super().__init__()
        self.mlp = nn.Sequential(nn.Flatten(1), nn.Linear(rows * dim_s, dim_s), act,
                                 nn.Dropout(dropout), nn.Linear(dim_s, grades))

    def forward(self, h_c: torch.Tensor) -> torch.Tensor:
        return self.mlp(h_c)
