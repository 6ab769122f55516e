"""Heads-only size and cost of MCoRe: trainable parameters and multiply-accumulates of ONE
query-exemplar pair at inference (features given; the frozen backbone is not counted).

MACs = FLOPs / 2 from ``torch.utils.flop_counter.FlopCounterMode`` on the CPU, where the
counter sees the GRU's matrix products (checked against the closed form in the tests); on CUDA
a cuDNN GRU is one opaque kernel, so count on the CPU.
"""

from __future__ import annotations

import copy

import torch
from torch.utils.flop_counter import FlopCounterMode

from aqabench.api import Batch

from .model import MCoRe


def example_batch(feature_dim: int, frames: int = 96, exemplars: int = 1) -> Batch:
    """One query with ``exemplars`` exemplars of ``frames`` random per-frame features."""

    def videos(count: int) -> Batch:
        return Batch(features=torch.randn(count, frames, feature_dim),
                     lengths=torch.full((count,), frames), target=torch.zeros(count),
                     score=torch.zeros(count))

    batch = videos(1)
    batch.exemplars, batch.n_exemplars = videos(exemplars), exemplars
    return batch


def pair_cost(model: MCoRe, frames: int = 96) -> dict[str, int]:
    """``{"params", "macs_per_pair"}`` of the heads at inference (eval mode, CPU)."""
    probe = copy.deepcopy(model).cpu().eval()
    batch = example_batch(model.feature_dim, frames, exemplars=1)
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        probe(batch)
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {"params": params, "macs_per_pair": counter.get_total_flops() // 2}
