"""Parameter-free input normalisation of the clip features (an aqabench addition, not in HGCN).

``centre_ln``: subtract each video's mean clip feature over its valid clips (removes the
per-video offset a recognition backbone mostly encodes: venue, camera), then a LayerNorm over the
channels without affine weights (every clip at unit scale). ``None`` (``--set input_norm=null``):
the paper's raw features.
No parameters either way, so Table VIII's counts are unchanged. Padding stays zero.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from .graphs import valid_nodes

MODES = ("centre_ln", None)


def normalise_clips(features: torch.Tensor, lengths: torch.Tensor, mode: str | None
                    ) -> torch.Tensor:
    """``[B, T, C]`` clip features -> the same shape, normalised per ``mode``."""
    if mode is None:
        return features
    valid = valid_nodes(lengths, features.shape[1])[..., None].to(features.dtype)
    mean = (features * valid).sum(1, keepdim=True) / valid.sum(1, keepdim=True).clamp(min=1)
    return F.layer_norm(features - mean, features.shape[-1:]) * valid
