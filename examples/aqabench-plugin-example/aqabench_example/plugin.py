"""The entry point module: implements aqabench's hooks and registers lazy specs."""

from __future__ import annotations

from collections.abc import Callable

import aqabench
from aqabench.api import DatasetSpec, MethodSpec


@aqabench.hookimpl
def aqabench_register_methods(register: Callable[[MethodSpec], None]) -> None:
    register(MethodSpec(
        name="attn-pool",
        build="aqabench_example.method:build",
        defaults="aqabench_example.method:defaults",
        description="attention pooling over clips + linear head (example plugin)",
        paper="aqabench plugin example: attention-pooled clip features",
        citation="@misc{attnpool, title={An example aqabench method}}",
    ))


@aqabench.hookimpl
def aqabench_register_datasets(register: Callable[[DatasetSpec], None]) -> None:
    register(DatasetSpec(
        name="wave-synth",
        loader="aqabench_example.dataset:load",
        description="sine-wave clips whose amplitude is the score (example plugin)",
        synthetic=True,
        backbone="synthetic",
    ))
