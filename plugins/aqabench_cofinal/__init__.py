"""aqabench plugin: CoFInAl (coarse-to-fine instruction alignment, IJCAI'24).

``variant = "paper"`` (default) implements Sect. 3 of the paper (model.py, one module per
component: tfm.py, gpm.py, heads.py, fgs.py, grades.py); ``variant = "code"`` the official
repository's model (code_variant.py), the one behind the paper's Tab. 2.
"""

from __future__ import annotations

from typing import Any

import aqabench
from aqabench.api import MethodSpec
from aqabench.config import Choice, Range

CITATION = ("Kanglei Zhou, Junlin Li, Ruizhi Cai, Liyuan Wang, Xingxing Zhang, Xiaohui Liang. "
            "CoFInAl: Enhancing Action Quality Assessment with Coarse-to-Fine Instruction "
            "Alignment. IJCAI 2024. arXiv:2404.13999")


@aqabench.hookimpl
def aqabench_register_methods(register: Any) -> None:
    register(MethodSpec(
        name="cofinal",
        build="aqabench_cofinal.model:build",
        defaults="aqabench_cofinal.defaults:defaults",
        description="coarse-to-fine instruction alignment: TFM + grade prototypes (GPM) + "
                    "fixed-ETF sub-grades (FGS)",
        paper="CoFInAl (IJCAI'24)",
        citation=CITATION,
        config_ranges={"dropout": Range(0, 1, high_open=True),
                       "variant": Choice(("paper", "code")),
                       "procedures": Range(1, integer=True),
                       "tfm_form": Choice(("projected", "absorbed"))},
        numerics=frozenset({"tfm_form"}),  # tfm.py: Eq. 7 multiplied out in another order
    ))
