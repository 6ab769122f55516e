"""The ``ridge`` baseline: mean-pooled clip features and a linear head, L2-regularised.

It proves the plugin contract end to end and stays on every leaderboard as the sanity floor: a
method that cannot beat a ridge regression on mean-pooled features has learned nothing about
procedures or grades. The ridge penalty is the optimiser's weight decay (AdamW decouples it, so
it acts on the weights exactly as an L2 penalty's shrinkage step would).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

import aqabench
from aqabench.api import AQAModel, Batch, DataInfo, MethodSpec


def masked_mean(features: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Mean over the valid clips of each video: ``[B, T, D] -> [B, D]``."""
    valid = torch.arange(features.shape[1], device=features.device)[None, :] < lengths[:, None]
    weights = valid.to(features.dtype)[..., None]
    return (features * weights).sum(1) / weights.sum(1).clamp(min=1)


class RidgeBaseline(AQAModel):
    """ŝ = w·mean_t(x_t) + b, trained with MSE; targets are min-max normalised by the harness."""

    def __init__(self, feature_dim: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(feature_dim, elementwise_affine=False)
        self.head = nn.Linear(feature_dim, 1)
        nn.init.zeros_(self.head.weight)
        nn.init.constant_(self.head.bias, 0.5)

    def forward(self, batch: Batch) -> dict[str, torch.Tensor]:
        pooled = self.norm(masked_mean(batch.features, batch.lengths))
        return {"score": self.head(pooled).squeeze(-1)}

    def loss(self, outputs: dict[str, torch.Tensor], batch: Batch) -> dict[str, torch.Tensor]:
        return {"loss": nn.functional.mse_loss(outputs["score"], batch.target)}


def build(config: dict[str, Any], info: DataInfo) -> RidgeBaseline:
    return RidgeBaseline(info.feature_dim)


def defaults(dataset: str, subset: str | None) -> dict[str, Any]:
    return {"optimizer": "adamw", "lr": 1e-3, "weight_decay": 1e-2, "scheduler": "cosine",
            "lr_min": 1e-5, "epochs": 30, "batch_size": 32, "train_clips": None}


@aqabench.hookimpl
def aqabench_register_methods(register: Any) -> None:
    register(MethodSpec(
        name="ridge",
        build=build,
        defaults=defaults,
        description="mean-pooled features + linear head (L2-regularised); the sanity floor",
        paper="baseline: ridge regression on mean-pooled clip features",
    ))
