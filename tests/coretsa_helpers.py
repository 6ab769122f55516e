"""Shared by the CoRe and TSA tests: a registry holding their plugins (whether or not the
installed distribution declares their entry points yet), the pyproject's entry points, and
the learning check on a FineDiving-shaped stand-in against the exemplar-mean baseline."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import tomllib
import torch

import aqabench_baseline
import aqabench_datasets
from aqabench import metrics
from aqabench.api import AQAModel, DataBundle
from aqabench.plugins import Registry
from aqabench.sampling import ExemplarPicker, test_batches
from aqabench.train import fit, seed_everything

ROOT = Path(__file__).resolve().parents[1]


def declared_entry_points() -> dict[str, str]:
    """The ``aqabench`` entry points this checkout's pyproject.toml declares."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return dict(data["project"]["entry-points"]["aqabench"])


def _same(module: ModuleType) -> ModuleType:
    return module


def registry_with(*plugins: ModuleType) -> Registry:
    """A strict registry of the datasets, the ridge baseline and ``plugins``."""
    registry = Registry(strict=True)
    for module in (aqabench_datasets, aqabench_baseline, *plugins):
        registry.add_plugin(module.__name__, functools.partial(_same, module))
    return registry


def standin() -> DataBundle:
    """MCoRe's FineDiving-shaped stand-in (three stages, each carrying its quality along one
    direction; 3 dive numbers), 120 training and 60 test videos: a clear, learnable signal."""
    from .test_mcore import make_split

    return DataBundle(train=make_split("train", 120, seed=1), test=make_split("test", 60, seed=2),
                      split_id="standin")


def exemplar_mean_srcc(bundle: DataBundle, config: Mapping[str, Any]) -> float:
    """Test SRCC of predicting the mean score of each query's test exemplars (Δ = 0): what an
    exemplar-based method gets without learning anything about the query."""
    picker = ExemplarPicker(bundle.train, config["exemplar_key"])
    pred = torch.empty(len(bundle.test), dtype=torch.float64)
    for batch in test_batches(bundle.test, config, picker):
        assert batch.exemplars is not None and batch.index is not None
        pred[batch.index] = batch.exemplars.score.double().reshape(-1, batch.n_exemplars).mean(1)
    return metrics.score_metrics(pred.numpy(), bundle.test.scores.double().numpy())["srcc"]


def fit_srcc(build: Callable[..., AQAModel], config: dict[str, Any], bundle: DataBundle,
             needs: frozenset[str], shuffle: bool = False) -> float:
    """Final test SRCC after training on ``bundle`` (training labels permuted if ``shuffle``)."""
    if shuffle:
        order = torch.randperm(len(bundle.train), generator=torch.Generator().manual_seed(1))
        bundle = dataclasses.replace(bundle, train=dataclasses.replace(
            bundle.train, scores=bundle.train.scores[order]))
    info = bundle.info("standin", None)
    seed_everything(int(config["seed"]))
    state = fit(build(config, info), bundle, info, config, torch.device("cpu"), needs)
    assert state.final is not None
    return state.final.metrics["srcc"]
