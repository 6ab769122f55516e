"""Records built by hand, with per-video predictions, for the statistics tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from aqabench import metrics
from aqabench.results import SCHEMA_VERSION

RG = ("Ball", "Clubs", "Hoop", "Ribbon")


def labels(n: int = 50, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(10.0, 25.0, n)


def fake_record(method: str, dataset: str, subset: str | None, pred: np.ndarray,
                truth: np.ndarray, seed: int = 0, ids: list[str] | None = None,
                backbone: str = "synthetic") -> dict[str, Any]:
    """A record whose final (and best) predictions are ``pred``; no stored CI, so tables and
    frames compute it from the predictions, as for records written before CIs existed."""
    block = {"epoch": 5, **metrics.score_metrics(pred, truth)}
    return {
        "schema_version": SCHEMA_VERSION,
        "identity": {"method": method, "dataset": dataset, "subset": subset,
                     "backbone": backbone, "split": "official", "seed": seed, "variant": None,
                     "size": "full", "setting": None},
        "final": block, "best": {**block, "chosen_on": "test"},
        "curve": [],
        "predictions": {"ids": ids or [f"v{i:03d}" for i in range(len(truth))],
                        "final": list(pred), "truth": list(truth)},
        "data": {"train_size": 100, "test_size": len(truth), "meta": {}},
        "profile": None,
        "provenance": {"config": {}, "argv": [], "device": "cpu", "config_hash": "x"},
    }


def good(truth: np.ndarray, seed: int, noise: float = 0.2) -> np.ndarray:
    """Predictions = labels + small noise."""
    return truth + np.random.default_rng(100 + seed).normal(0, noise * truth.std(), truth.size)


def random(truth: np.ndarray, seed: int) -> np.ndarray:
    return np.random.default_rng(200 + seed).uniform(10.0, 25.0, truth.size)
