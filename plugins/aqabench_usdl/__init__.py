"""USDL and MUSDL: uncertainty-aware score distribution learning (Tang et al., CVPR 2020),
feature-based. Registers ``usdl`` (one Gaussian score distribution, KL loss) and ``musdl``
(one distribution per judge, score = DD x the counted judges; needs the ``judge_scores``
extra). The defaults are the official MTL-AQA scripts' (README §2): Adam lr 1e-4, batch 4,
100 epochs, no schedule, sigma 5 bins, weight decay 0 (USDL) / 1e-5 (MUSDL).
"""

from __future__ import annotations

from typing import Any

import aqabench
from aqabench.api import MethodSpec
from aqabench.config import Choice, Range

from .choices import DECODERS, PANELS

CITATION = ("Yansong Tang, Zanlin Ni, Jiahuan Zhou, Danyang Zhang, Jiwen Lu, Ying Wu, Jie Zhou. "
            "Uncertainty-aware Score Distribution Learning for Action Quality Assessment. "
            "CVPR 2020. arXiv:2006.07665")
PAPER = "Uncertainty-aware Score Distribution Learning for Action Quality Assessment (CVPR'20)"
#: Judges per panel in each dataset's ``judge_scores`` (FineDiving: the three counted scores).
JUDGES = {"mtl-aqa": 7}


def _protocol(weight_decay: float) -> dict[str, Any]:
    """The official MTL-AQA run (run.sh, opts.py): Adam, constant lr, batch 4, 100 epochs."""
    return {"epochs": 100, "batch_size": 4, "optimizer": "adam", "lr": 1e-4,
            "weight_decay": weight_decay, "scheduler": "none", "lr_min": 0.0,
            "warmup_epochs": 0, "grad_clip": 0.0, "train_clips": None, "test_clips": None,
            "score_norm": "minmax", "sigma": 5.0, "decode": "argmax"}


def defaults_usdl(dataset: str, subset: str | None) -> dict[str, Any]:
    """USDL: 101 bins over the normalised score; MTL-AQA keeps the code's range 0 .. 104.5."""
    config = {**_protocol(0.0), "bins": 101}
    if dataset == "mtl-aqa":
        config.update(score_shift=0.0, score_scale=104.5)
    return config


def defaults_musdl(dataset: str, subset: str | None) -> dict[str, Any]:
    """MUSDL: 21 bins over each judge's 0 .. 10; 7 judges on MTL-AQA, 3 on FineDiving."""
    return {**_protocol(1e-5), "judges": JUDGES.get(dataset, 3), "judge_bins": 21,
            "judge_max": 10.0, "panel": "auto"}


SHARED_RANGES = {"sigma": Range(0, low_open=True), "decode": Choice(DECODERS)}


@aqabench.hookimpl
def aqabench_register_methods(register: Any) -> None:
    register(MethodSpec(
        name="usdl", build="aqabench_usdl.model:build_usdl", defaults=defaults_usdl,
        description="Gaussian score distribution over 101 bins, KL loss (mean clip feature)",
        paper=PAPER, citation=CITATION,
        config_ranges={**SHARED_RANGES, "bins": Range(2, integer=True)},
    ))
    register(MethodSpec(
        name="musdl", build="aqabench_usdl.model:build_musdl", defaults=defaults_musdl,
        description="one score distribution per judge, DD x counted judges",
        paper=PAPER, citation=CITATION, needs=frozenset({"judge_scores", "difficulty_degree"}),
        config_ranges={**SHARED_RANGES, "judges": Range(1, integer=True),
                       "judge_bins": Range(2, integer=True),
                       "judge_max": Range(0, low_open=True), "panel": Choice(PANELS)},
    ))
