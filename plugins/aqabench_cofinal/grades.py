"""The coarse-to-fine score representation of Sect. 3.1 and the read-out of Eq. 6.

A normalised score ``t`` (the harness's ``batch.target``) is written as ``G`` grades of width
``S_C`` and, inside each grade, ``G'`` sub-grades of width ``S_F = S_C / G'``:

- grade ``s_C = ⌊t / S_C⌋`` and sub-grade ``s_F = ⌊(t − s_C·S_C) / S_F⌋`` (the paper's text drops
  the factor ``S_C`` in ``s_F``; this is the consistent form), computed as one index
  ``k = ⌊t / S_F + ε⌋`` clipped to ``[0, G·G' − 1]`` so that ``s_C = k // G'``, ``s_F = k mod G'``.
  ``ε = 1e-4`` sub-grades guards against float error on grid points; a score outside the grid
  saturates at the first/last sub-grade (the per-dataset defaults make every real score reachable).
- Eq. 6: ``ŝ = ŝ_C·S_C + ŝ_F·S_F``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

EPS = 1e-4


@dataclass(frozen=True)
class GradeGrid:
    grades: int  # G
    subgrades: int  # G'
    grade_width: float  # S_C in normalised score units

    def __post_init__(self) -> None:
        if self.grades < 1 or self.subgrades < 2:
            raise ValueError("need grades >= 1 and subgrades >= 2")
        if self.grade_width <= 0:
            raise ValueError("grade_width must be positive")

    @property
    def sub_width(self) -> float:
        """``S_F = S_C / G'``."""
        return self.grade_width / self.subgrades

    @property
    def top(self) -> float:
        """The largest representable score, ``(G − 1)·S_C + (G' − 1)·S_F``."""
        return self.compose_float(self.grades - 1, self.subgrades - 1)

    def decompose(self, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Sect. 3.1: ``[B]`` scores -> (grade ``s_C``, sub-grade ``s_F``), both long ``[B]``."""
        index = torch.floor(target.double() / self.sub_width + EPS).long()
        index = index.clamp(0, self.grades * self.subgrades - 1)
        return index // self.subgrades, index % self.subgrades

    def compose(self, grade: torch.Tensor, subgrade: torch.Tensor) -> torch.Tensor:
        """Eq. 6 on tensors (hard indices or soft expectations)."""
        return grade * self.grade_width + subgrade * self.sub_width

    def compose_float(self, grade: float, subgrade: float) -> float:
        return grade * self.grade_width + subgrade * self.sub_width
