"""CoRe: group-aware contrastive regression (Yu, Rao, Zhao, Lu, Zhou, ICCV 2021), feature-based.

Registers the method ``core``. It needs exemplars (training videos sharing the query's
exemplar key, picked by the harness). Facts and every deliberate difference: README.md.

FineDiving (``finediving``, ``finediving-synth``): the "w/ DN" protocol of the MCoRe/TSA table
(exemplars share the dive number, 1 per query in training, 10 at test) on the RAW dive score,
as the TSA code regresses it (CoRe shipped no FineDiving config). MTL-AQA (``mtl-aqa``): the
official config (``configs/MTL_CoRe.yaml``): labels score / DD (``usingDD``), θ = 30, except the
exemplar key, dive number instead of DD (the harness groups exemplars by integer codes).
"""

from __future__ import annotations

from typing import Any

import aqabench
from aqabench.api import MethodSpec
from aqabench.config import Range

CITATION = ("Xumin Yu, Yongming Rao, Wenliang Zhao, Jiwen Lu, Jie Zhou. Group-aware "
            "Contrastive Regression for Action Quality Assessment. ICCV 2021. arXiv:2108.07797")


def defaults(dataset: str, subset: str | None) -> dict[str, Any]:
    """The official recipe (configs/MTL_CoRe.yaml; README 'Spec')."""
    mtl = dataset == "mtl-aqa"
    return {
        "epochs": 200, "batch_size": 2, "optimizer": "adam", "lr": 1e-3, "weight_decay": 0.0,
        "scheduler": "none", "lr_min": 0.0, "warmup_epochs": 0, "grad_clip": 0.0,
        "train_clips": None, "test_clips": None,
        "score_shift": 0.0, "score_scale": 1.0,
        "exemplar_key": "dive_number", "train_exemplars": 1, "test_exemplars": 10,
        "eval_batch_size": 64,
        # CoRe's own keys
        "depth": 5, "hidden": 256,
        "score_range": 30.0 if mtl else None,  # θ; None: the largest training label
        "per_difficulty": mtl,  # usingDD: regress score / DD, multiply back
    }


@aqabench.hookimpl
def aqabench_register_methods(register: Any) -> None:
    register(MethodSpec(
        name="core",
        build="aqabench_core.model:build",
        defaults=defaults,
        description="group-aware regression tree on query-exemplar score differences",
        paper="Group-aware Contrastive Regression for Action Quality Assessment (ICCV'21)",
        citation=CITATION,
        needs=frozenset({"exemplars", "dive_numbers", "difficulty_degree"}),
        config_ranges={"depth": Range(2, 8, integer=True), "hidden": Range(1, integer=True),
                       "score_range": Range(0, low_open=True, nullable=True)},
    ))
