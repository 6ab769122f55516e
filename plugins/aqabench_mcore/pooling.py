"""Stage pooling: split per-frame features at the transitions and resample every stage to a
fixed number of steps (mcore.md §4: ``fix_size`` = 5, 1-D linear interpolation with
``align_corners=True``, i.e. step i samples position ``a + i (L_k - 1) / (S - 1)`` of stage
``[a, a + L_k)``). A one-frame stage repeats its frame S times.
"""

from __future__ import annotations

import torch


def stage_pool(x: torch.Tensor, transitions: torch.Tensor, lengths: torch.Tensor,
               steps: int = 5) -> torch.Tensor:
    """``x [B, T, D]``, ``transitions [B, K-1]`` (valid, increasing) -> ``[B, K, steps, D]``."""
    batch, _, dim = x.shape
    starts = torch.cat([torch.zeros_like(transitions[:, :1]), transitions], dim=1)  # [B, K]
    ends = torch.cat([transitions, lengths[:, None]], dim=1)
    frac = torch.linspace(0.0, 1.0, steps, device=x.device, dtype=x.dtype)
    span = (ends - starts - 1).clamp(min=0).to(x.dtype)
    pos = starts[..., None].to(x.dtype) + span[..., None] * frac  # [B, K, S]
    low = torch.minimum(pos.floor().long(), ends[..., None] - 1)
    high = torch.minimum(low + 1, ends[..., None] - 1)
    weight = (pos - low.to(x.dtype))[..., None]

    def take(index: torch.Tensor) -> torch.Tensor:
        flat = index.reshape(batch, -1, 1).expand(-1, -1, dim)
        return x.gather(1, flat).reshape(*index.shape, dim)

    return take(low) * (1 - weight) + take(high) * weight
