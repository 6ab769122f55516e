"""The harness calls AQAModel.prepare once with the training split before training, and
AQAModel.start_epoch before every epoch (the hooks CoRe and TSA use)."""

from __future__ import annotations

from typing import Any

import torch

from aqabench.api import AQAModel, Batch, DataBundle, FeatureSet
from aqabench.config import merge_config
from aqabench.train import fit


def split(prefix: str, count: int) -> FeatureSet:
    gen = torch.Generator().manual_seed(len(prefix))
    return FeatureSet.from_sequences([f"{prefix}{i}" for i in range(count)],
                                     [torch.randn(5, 3, generator=gen) for _ in range(count)],
                                     torch.rand(count, generator=gen) * 10)


class Recorder(AQAModel):
    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(3, 1)
        self.calls: list[tuple[Any, ...]] = []

    def prepare(self, train: FeatureSet, config: Any) -> None:
        self.calls.append(("prepare", train.ids, float(config["score_scale"])))

    def start_epoch(self, epoch: int, epochs: int) -> None:
        self.calls.append(("start_epoch", epoch, epochs))

    def forward(self, batch: Batch) -> dict[str, torch.Tensor]:
        return {"score": self.linear(batch.features.mean(dim=1)).squeeze(-1)}

    def loss(self, outputs: dict[str, torch.Tensor], batch: Batch) -> dict[str, torch.Tensor]:
        return {"loss": ((outputs["score"] - batch.target) ** 2).mean()}


def test_prepare_sees_only_the_training_split_then_every_epoch_starts():
    bundle = DataBundle(train=split("train", 8), test=split("test_", 4))
    model = Recorder()
    config = merge_config({}, overrides={"epochs": 3, "score_shift": 0.0, "score_scale": 2.0,
                                         "batch_size": 4})
    fit(model, bundle, bundle.info("hooks", None), config, torch.device("cpu"))
    assert model.calls == [("prepare", bundle.train.ids, 2.0), ("start_epoch", 0, 3),
                           ("start_epoch", 1, 3), ("start_epoch", 2, 3)]
