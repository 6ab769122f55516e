"""The ``precomputed`` backbone: per-video ``<name>.npy`` clip features, ``[clips, dim]``.

This is how the real AQA datasets ship (GDLT-style folders of one ``.npy`` per video, e.g. VST
or I3D features) and what ``aqabench extract`` writes. It sees no frames: it *reads* features,
checking that the file is a finite, non-empty 2-D float array, without ever unpickling.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from aqabench.errors import DataError


def load_clip_features(path: str | Path, feature_dim: int | None = None) -> torch.Tensor:
    """``<name>.npy`` -> ``[clips, dim]`` float32; a bad file is a DataError naming it."""
    path = Path(path)
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, OverflowError, MemoryError) as exc:  # bad headers
        raise DataError(path, f"not a readable .npy feature file ({exc})") from None
    if array.ndim != 2 or array.shape[0] == 0:
        raise DataError(path, f"expected [clips, dim] features, got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.floating):
        raise DataError(path, f"expected float features, got {array.dtype}")
    if feature_dim is not None and array.shape[1] != feature_dim:
        raise DataError(path, f"features are {array.shape[1]}-d, expected {feature_dim}-d")
    if not np.isfinite(array).all():
        raise DataError(path, "features contain NaN or inf")
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))


class PrecomputedBackbone:
    """Reads stored clip features; it has no frames to extract from."""

    feature_dim = 0  # whatever the files hold
    clip_len = 0

    def load(self, path: str | Path) -> torch.Tensor:
        return load_clip_features(path)

    def extract(self, frames: torch.Tensor) -> torch.Tensor:
        raise ValueError("the 'precomputed' backbone reads .npy features; it cannot see frames")


def build(device: torch.device | str = "cpu") -> PrecomputedBackbone:
    return PrecomputedBackbone()
