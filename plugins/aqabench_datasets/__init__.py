"""First-party datasets: real-format loaders and their synthetic twins."""

from __future__ import annotations

from typing import Any

import aqabench
from aqabench.api import DatasetSpec


@aqabench.hookimpl
def aqabench_register_datasets(register: Any) -> None:
    register(DatasetSpec(
        name="toy-synth",
        loader="aqabench_datasets.toy:load",
        description="a small synthetic AQA set for smoke tests (seconds to train)",
        synthetic=True,
        backbone="synthetic",
        citation="aqabench",
    ))
