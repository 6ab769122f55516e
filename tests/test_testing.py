"""aqabench.testing: the contract checks pass on first-party methods and catch broken ones."""

from __future__ import annotations

import types

import pytest
import torch
from torch import nn

import aqabench
from aqabench.api import AQAModel, Batch, MethodSpec
from aqabench.plugins import Registry, get_registry
from aqabench.testing import (
    ContractError,
    check_batch_independence,
    check_defaults,
    check_loss,
    check_method,
    check_padding_invariance,
    prepare,
)


@pytest.mark.parametrize(("method", "dataset"), [
    ("ridge", "toy-synth"), ("gdlt", "toy-synth"), ("mslstm", "toy-synth"),
    ("hgcn", "rg-synth")])
def test_first_party_methods_meet_the_contract(method: str, dataset: str) -> None:
    prepared = check_method(method, dataset)
    assert prepared.name == method


class MeanPool(AQAModel):
    """Mean over every clip (padding included) and, when asked, minus the batch mean."""

    def __init__(self, dim: int, mix_batch: bool = False, loss_key: str = "loss") -> None:
        super().__init__()
        self.head = nn.Linear(dim, 1)
        self.mix_batch, self.loss_key = mix_batch, loss_key

    def forward(self, batch: Batch) -> dict[str, torch.Tensor]:
        score = self.head(batch.features.mean(dim=1)).squeeze(-1)
        if self.mix_batch:
            score = score - score.mean()
        return {"score": score}

    def loss(self, outputs: dict[str, torch.Tensor], batch: Batch) -> dict[str, torch.Tensor]:
        return {self.loss_key: nn.functional.mse_loss(outputs["score"], batch.target)}


@pytest.fixture(scope="module")
def batch() -> Batch:
    return prepare("ridge", "toy-synth").test_batch()


def test_batch_statistics_at_eval_are_caught(batch: Batch) -> None:
    check_batch_independence(MeanPool(batch.features.shape[2]), batch)
    with pytest.raises(ContractError, match="mixes information across the batch"):
        check_batch_independence(MeanPool(batch.features.shape[2], mix_batch=True), batch)


def test_masks_padding_is_checked_only_when_declared(batch: Batch) -> None:
    model = MeanPool(batch.features.shape[2])
    assert check_padding_invariance(model, batch) is False
    model.masks_padding = True  # a claim its mean over padding breaks
    with pytest.raises(ContractError, match="declares masks_padding but output 'score'"):
        check_padding_invariance(model, batch)


def test_loss_must_return_a_loss_entry(batch: Batch) -> None:
    assert set(check_loss(MeanPool(batch.features.shape[2]), batch)) == {"loss"}
    with pytest.raises(ContractError, match="dict with a 'loss' entry"):
        check_loss(MeanPool(batch.features.shape[2], loss_key="mse"), batch)


def test_defaults_must_pass_config_validation() -> None:
    @aqabench.hookimpl
    def aqabench_register_methods(register):  # type: ignore[no-untyped-def]
        register(MethodSpec(name="sloppy", build=lambda config, info: None,
                            defaults=lambda dataset, subset: {"epochs": "ten", "width": 8}))

    registry = Registry()
    registry.add_plugin("sloppy", lambda: types.SimpleNamespace(
        aqabench_register_methods=aqabench_register_methods))
    with pytest.raises(ContractError, match="defaults for toy-synth fail validation: .*epochs"):
        check_defaults("sloppy", "toy-synth", None, registry)
    assert check_defaults("ridge", "toy-synth", None, get_registry())["epochs"] >= 1
