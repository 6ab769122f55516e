"""Shared by the CoRe and TSA tests: a registry holding their plugins (whether or not the
installed distribution declares their entry points yet) and the pyproject's entry points."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import tomllib

import aqabench_baseline
import aqabench_datasets
from aqabench.plugins import Registry

ROOT = Path(__file__).resolve().parents[1]


def declared_entry_points() -> dict[str, str]:
    """The ``aqabench`` entry points this checkout's pyproject.toml declares."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return dict(data["project"]["entry-points"]["aqabench"])


def registry_with(*plugins: ModuleType) -> Registry:
    """A strict registry of the datasets, the ridge baseline and ``plugins``."""
    registry = Registry(strict=True)
    for module in (aqabench_datasets, aqabench_baseline, *plugins):
        registry.add_plugin(module.__name__, lambda m=module: m)
    return registry
