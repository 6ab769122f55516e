"""``attn-pool``: score = w · Σ_t α_t x_t + b with α = softmax over clips of a learned scorer."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from aqabench.api import AQAModel, Batch, DataInfo


class AttentionPool(AQAModel):
    #: Padding clips get zero attention, so the harness may batch test videos of mixed lengths
    #: (``aqabench.testing.check_padding_invariance`` holds the model to it).
    masks_padding = True

    def __init__(self, feature_dim: int, hidden: int) -> None:
        super().__init__()
        self.embed = nn.Sequential(nn.Linear(feature_dim, hidden), nn.ReLU())
        self.attention = nn.Linear(hidden, 1)
        self.head = nn.Linear(hidden, 1)

    def forward(self, batch: Batch) -> dict[str, torch.Tensor]:
        h = self.embed(batch.features)                                    # [B, T, H]
        valid = torch.arange(h.shape[1], device=h.device)[None] < batch.lengths[:, None]
        logits = self.attention(h).squeeze(-1).masked_fill(~valid, float("-inf"))
        alpha = logits.softmax(dim=1)                                     # [B, T]
        pooled = (alpha[..., None] * h).sum(dim=1)
        return {"score": self.head(pooled).squeeze(-1), "attention": alpha}

    def loss(self, outputs: dict[str, torch.Tensor], batch: Batch) -> dict[str, torch.Tensor]:
        return {"loss": nn.functional.mse_loss(outputs["score"], batch.target)}


def build(config: dict[str, Any], info: DataInfo) -> AttentionPool:
    return AttentionPool(info.feature_dim, int(config["hidden"]))


def defaults(dataset: str, subset: str | None) -> dict[str, Any]:
    """Per-dataset hyper-parameters; the harness merges these over its own defaults."""
    return {"hidden": 64, "optimizer": "adam", "lr": 3e-3, "weight_decay": 0.0,
            "scheduler": "cosine", "lr_min": 1e-4, "epochs": 20, "batch_size": 16,
            "train_clips": 16}
