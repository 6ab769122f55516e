"""The HGCN network: clip refinement -> scene construction -> action aggregation -> score.

Widths follow the official code's halving (``C2 = C1/2, C3 = C1/4, C4 = C1/8``; 1024 -> 512 ->
256 -> 128 on I3D/VST features). Node-shaped parameters are stored for ``nodes`` clips and
resampled to the input length (see :func:`aqabench_hgcn.graphs.resample`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from aqabench.api import AQAModel, Batch, DataInfo
from aqabench.errors import UsageError

from .action_aggregation import ActionAggregation
from .clip_refinement import ClipRefinement
from .input_norm import MODES, normalise_clips
from .scene_construction import SceneConstruction
from .score_regression import ScoreDistributionRegression


class HGCN(AQAModel):
    """Hierarchical GCN for AQA (Zhou et al., TCSVT 2023), Fig. 2."""

    def __init__(self, feature_dim: int, nodes: int, groups: int = 4, scenes: int = 7,
                 motion_radius: int = 1, shot_radius: int = 2,
                 action_aggregation: bool = True, input_norm: str | None = None,
                 init_sigma: float | None = None) -> None:
        super().__init__()
        self.input_norm = input_norm
        c1 = feature_dim
        c2, c3, c4 = c1 // 2, c1 // 4, c1 // 8
        self.clip_refinement = ClipRefinement(c1, c2, groups, motion_radius)
        self.scene_construction = SceneConstruction(c2, c3, nodes, scenes, groups, shot_radius)
        self.action_aggregation = ActionAggregation(c3, c4, scenes, groups, action_aggregation)
        self.score_regression = ScoreDistributionRegression(c4, init_sigma)

    def forward(self, batch: Batch) -> dict[str, torch.Tensor]:
        features = normalise_clips(batch.features, batch.lengths, self.input_norm)
        clips = features.transpose(1, 2)  # [B, C1, T]
        shots = self.clip_refinement(clips, batch.lengths)
        scenes, assignment = self.scene_construction(shots, batch.lengths)
        video = self.action_aggregation(scenes)[:, :, -1]  # v = e'_S (Sec. III-D)
        out = self.score_regression(video)
        out["assignment"] = assignment
        return out

    def loss(self, outputs: dict[str, torch.Tensor], batch: Batch) -> dict[str, torch.Tensor]:
        """Eq. 19: MSE between the sampled score and the (normalised) label."""
        mse = nn.functional.mse_loss(outputs["score"], batch.target)
        return {"loss": mse, "sigma": outputs["sigma"].detach().mean()}


def resolve_nodes(config: Mapping[str, Any], info: DataInfo) -> int:
    """Stored node count: ``nodes``, else ``train_clips``, else the longest sequence."""
    nodes = config.get("nodes") or config.get("train_clips") or info.max_length
    if not isinstance(nodes, int) or isinstance(nodes, bool) or nodes < 1:
        raise UsageError(f"nodes must be a positive integer, got {nodes!r}")
    return nodes


def build(config: dict[str, Any], info: DataInfo) -> HGCN:
    groups, scenes = config["g"], config["scenes"]
    for key in ("g", "scenes", "motion_radius", "shot_radius"):
        if not isinstance(config[key], int) or isinstance(config[key], bool) or config[key] < 1:
            raise UsageError(f"{key} must be a positive integer, got {config[key]!r}")
    if info.feature_dim % (16 * groups):
        raise UsageError(f"hgcn with g={groups} needs a feature dim divisible by {16 * groups} "
                         f"(its narrowest grouped layer has C1/16 channels), "
                         f"got {info.feature_dim}")
    if config["input_norm"] not in MODES:
        raise UsageError(f"input_norm must be centre_ln or null, got {config['input_norm']!r}")
    return HGCN(info.feature_dim, resolve_nodes(config, info), groups, scenes,
                config["motion_radius"], config["shot_radius"],
                bool(config["action_aggregation"]), config["input_norm"],
                initial_sigma(config))


def initial_sigma(config: Mapping[str, Any]) -> float | None:
    """``init_sigma`` (raw score points) in the harness's target units, or None (default init)."""
    sigma, scale = config.get("init_sigma"), config.get("score_scale")
    if sigma is None:
        return None
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float)) or sigma <= 0:
        raise UsageError(f"init_sigma must be a positive number or null, got {sigma!r}")
    return float(sigma) / float(scale or 1.0)
