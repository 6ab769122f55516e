"""Building blocks plugins share: small, exact re-expressions of common layers that run faster.

Plugins keep the official modules (so parameter names, counts and init match the papers' code)
and call these helpers in ``forward``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def per_clip(stack: nn.Sequential, clips: torch.Tensor) -> torch.Tensor:
    """Apply a stack of kernel-size-1 ``Conv1d`` / ``BatchNorm1d`` / pointwise layers, written
    for ``[B, C, T]``, to clip features ``[B, T, C]`` -> ``[B, T, C']``.

    A 1x1 convolution is a per-clip linear map, so it runs as one GEMM on ``[B*T, C]``: on CPU
    torch sends a 1x1 ``conv1d`` through its slow im2col kernel instead. ``BatchNorm1d`` on
    ``[B*T, C]`` takes its statistics over batch x time, exactly as on ``[B, C, T]``.
    """
    b, t, _ = clips.shape
    x = clips.reshape(b * t, -1)
    for layer in stack:
        if isinstance(layer, nn.Conv1d):
            if layer.kernel_size != (1,) or layer.groups != 1:
                raise ValueError(f"per_clip needs 1x1 convolutions without groups, got {layer}")
            x = F.linear(x, layer.weight.squeeze(-1), layer.bias)
        else:
            x = layer(x)
    return x.reshape(b, t, -1)


def distinct_rows(index: torch.Tensor | None, count: int
                  ) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(first row of each distinct sample, row -> distinct position), or None if all differ.

    ``index`` holds the dataset rows of a batch (e.g. exemplars, which repeat across the queries
    of one group): a model encodes ``x[first]`` once and expands with ``[position]`` (same
    numbers wherever a row's encoding does not depend on the other rows, e.g. in eval mode)."""
    if index is None:
        return None
    unique, inverse = torch.unique(index, return_inverse=True)
    if len(unique) == count:
        return None
    rows = torch.arange(count, device=index.device)
    first = torch.full((len(unique),), count, dtype=torch.long, device=index.device)
    return first.scatter_reduce(0, inverse, rows, reduce="amin"), inverse
