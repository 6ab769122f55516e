"""First-party datasets: real-format loaders and their synthetic twins."""

from __future__ import annotations

from typing import Any

import aqabench
from aqabench.api import DatasetSpec

RG_SUBSETS = ("Ball", "Clubs", "Hoop", "Ribbon")
FISV_SUBSETS = ("TES", "PCS")
TWIN = "aqabench synthetic twin (see docs/datasets.md)"


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
    register(DatasetSpec(
        name="rg-synth",
        loader="aqabench_datasets.twins:load_rg",
        info="aqabench_datasets.twins:info_rg",
        description="synthetic twin of Rhythmic Gymnastics (1024-d clips, D/E/penalty)",
        subsets=RG_SUBSETS, default_subset="Ball", synthetic=True, backbone="synthetic",
        table_layout="cofinal-tab1", citation=TWIN,
    ))
    register(DatasetSpec(
        name="fisv-synth",
        loader="aqabench_datasets.twins:load_fisv",
        info="aqabench_datasets.twins:info_fisv",
        description="synthetic twin of Fis-V (1024-d clips, TES/PCS, deductions)",
        subsets=FISV_SUBSETS, default_subset="TES", synthetic=True, backbone="synthetic",
        table_layout="cofinal-tab1", citation=TWIN,
    ))
    register(DatasetSpec(
        name="finediving-synth",
        loader="aqabench_datasets.twins:load_finediving",
        info="aqabench_datasets.twins:info_finediving",
        description="synthetic twin of FineDiving (96 frames x 368-d, DN, DD, 3 stages)",
        synthetic=True, backbone="synthetic",
        table_layout="mcore-finediving", citation=TWIN,
    ))
