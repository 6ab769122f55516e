"""Stage tools of the procedure-aware methods (MCoRe, TSA): split per-frame features at the
stage transitions, bring every stage to a fixed number of steps S, and decode predicted
transitions from per-frame logits.

Pooling (``fix_size`` = 5 in both official codes; methods/mcore.md §4):

- ``linear`` (TSA's and MCoRe's code, ``seg_pool_1d``): 1-D linear interpolation with
  ``align_corners=True``, i.e. step i samples position ``a + i (L_k - 1) / (S - 1)`` of stage
  ``[a, a + L_k)``; a one-frame stage repeats its frame S times. Each step sees at most two
  frames.
- ``average`` (adaptive average pooling): step i averages the frames
  ``[a + floor(i L_k / S), a + ceil((i + 1) L_k / S))`` of the stage, so every frame of the stage
  reaches a step; a stage shorter than S repeats frames, as ``adaptive_avg_pool1d`` does.

Decoding (both codes): transition j is the arg-max of its logits (or probabilities) inside its
own window ``[j L / J, (j + 1) L / J)`` of the video's length L, then :func:`ordered` forces
``1 <= t_1 < ... < t_J < L`` so that no stage is empty (the codes only clamp a 0 to 1).
"""

from __future__ import annotations

import torch

POOLINGS = ("linear", "average")


def _bounds(transitions: torch.Tensor, lengths: torch.Tensor
            ) -> tuple[torch.Tensor, torch.Tensor]:
    """Stage starts and ends ``[B, K]``."""
    starts = torch.cat([torch.zeros_like(transitions[:, :1]), transitions], dim=1)
    ends = torch.cat([transitions, lengths[:, None].to(transitions.dtype)], dim=1)
    return starts, ends


def stage_pool(x: torch.Tensor, transitions: torch.Tensor, lengths: torch.Tensor,
               steps: int = 5) -> torch.Tensor:
    """Linear resampling: ``x [B, T, D]``, ``transitions [B, K-1]`` (valid, increasing) ->
    ``[B, K, steps, D]``."""
    batch, _, dim = x.shape
    starts, ends = _bounds(transitions, lengths)
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


def stage_average_pool(x: torch.Tensor, transitions: torch.Tensor, lengths: torch.Tensor,
                       steps: int = 5) -> torch.Tensor:
    """Adaptive average pooling of every stage to ``steps`` bins: ``[B, K, steps, D]``."""
    batch, _, dim = x.shape
    starts, ends = _bounds(transitions.long(), lengths.long())
    size = (ends - starts)[..., None]  # [B, K, 1]
    i = torch.arange(steps, device=x.device)
    low = starts[..., None] + (i * size) // steps  # floor(i L / S)
    high = starts[..., None] + -((-(i + 1) * size) // steps)  # ceil((i + 1) L / S)
    cumulative = torch.cat([x.new_zeros(batch, 1, dim), x.cumsum(dim=1)], dim=1)

    def at(index: torch.Tensor) -> torch.Tensor:
        flat = index.reshape(batch, -1, 1).expand(-1, -1, dim)
        return cumulative.gather(1, flat).reshape(*index.shape, dim)

    return (at(high) - at(low)) / (high - low)[..., None].to(x.dtype)


def pool_stages(kind: str, x: torch.Tensor, transitions: torch.Tensor, lengths: torch.Tensor,
                steps: int = 5) -> torch.Tensor:
    """Dispatch on ``kind`` (one of :data:`POOLINGS`)."""
    fn = stage_pool if kind == "linear" else stage_average_pool
    return fn(x, transitions, lengths, steps)


def ordered(bounds: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Force ``1 <= t_1 < t_2 < ... < L`` so every stage keeps at least one frame."""
    cols: list[torch.Tensor] = []
    count = bounds.shape[1]
    for j in range(count):
        low = torch.full_like(bounds[:, j], j + 1) if j == 0 else cols[-1] + 1
        cols.append(torch.minimum(torch.maximum(bounds[:, j], low), lengths - (count - j)))
    return torch.stack(cols, dim=1)


def decode_transitions(logits: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """``[B, T, J]`` scores -> ``[B, J]`` predicted transitions: arg-max of channel j inside
    window j (any monotone score works: logits or sigmoid probabilities)."""
    count = logits.shape[2]
    frames = torch.arange(logits.shape[1], device=logits.device)[None, :]
    picks = []
    for j in range(count):
        start = (j * lengths) // count
        stop = ((j + 1) * lengths) // count
        inside = (frames >= start[:, None]) & (frames < stop[:, None])
        picks.append(logits[..., j].masked_fill(~inside, float("-inf")).argmax(dim=1))
    return ordered(torch.stack(picks, dim=1), lengths)
