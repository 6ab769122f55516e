"""MCoRe: multi-stage contrastive regression (An, Qi, Ma, ICASSP 2024), feature-based.

Registers the method ``mcore``. It needs exemplars (training videos with the query's dive
number, picked by the harness) and stage labels (the two transitions of every video).

Score units: the paper regresses the RAW dive score (0..114.8) with MSE on score differences,
so the defaults set ``score_shift = 0`` and ``score_scale = 1`` (targets in points). Adam
(scale-invariant steps) trains stably in these units and the loss terms keep the paper's
balance (L_reg ~ 10-20 vs L_seg ~ 4 and L_cont ~ 16 at the end of training).
"""

from __future__ import annotations

from typing import Any

import aqabench
from aqabench.api import MethodSpec
from aqabench.config import Range

CITATION = ("Qi An, Mengshi Qi, Huadong Ma. Multi-Stage Contrastive Regression for Action "
            "Quality Assessment. ICASSP 2024. arXiv:2401.02841")


def defaults(dataset: str, subset: str | None) -> dict[str, Any]:
    """The official FineDiving recipe (mcore.md §9, §14)."""
    return {
        "epochs": 200, "batch_size": 8, "optimizer": "adam", "lr": 1e-3, "weight_decay": 0.0,
        "scheduler": "none", "lr_min": 0.0, "warmup_epochs": 0, "grad_clip": 0.0,
        "train_clips": None, "test_clips": None,
        "score_shift": 0.0, "score_scale": 1.0,
        "exemplar_key": "dive_number", "train_exemplars": 1, "test_exemplars": 10,
        "eval_batch_size": 64,
        # MCoRe's own keys
        "adapter": "linear",  # linear | gru (the code's unused EnhNet), stands in for the backbone
        "pooling": "average",  # average | linear (the official code's 5-frame resampling)
        "width": 368, "heads": 8, "blocks": 3, "steps": 5,
        "seg_dropout": 0.5, "tau": 0.5, "cont_weight": 10.0,
        "cont_cross_stage": False,  # true: other stages' tokens are negatives too (paper summary)
    }


@aqabench.hookimpl
def aqabench_register_methods(register: Any) -> None:
    register(MethodSpec(
        name="mcore",
        build="aqabench_mcore.model:build",
        defaults=defaults,
        description="procedure segmentation + stage-wise cross-attention on exemplar pairs",
        paper="Multi-Stage Contrastive Regression for Action Quality Assessment (ICASSP'24)",
        citation=CITATION,
        needs=frozenset({"exemplars", "stage_labels", "dive_numbers"}),
        config_ranges={"seg_dropout": Range(0, 1, high_open=True),
                       "tau": Range(0, low_open=True), "heads": Range(1, integer=True)},
    ))
