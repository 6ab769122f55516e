"""TSA: procedure-aware cross-attention (Xu, Rao, Yu, Chen, Zhou, Lu, CVPR 2022), feature-based.

Registers the method ``tsa``. It needs exemplars (training videos with the query's dive
number, picked by the harness) and stage labels (the two transitions of every video). Facts
and every deliberate difference: README.md.

Score units: the official code regresses the RAW dive score with MSE on score differences, so
``score_shift = 0`` and ``score_scale = 1`` (targets in points), as for MCoRe.
"""

from __future__ import annotations

from typing import Any

import aqabench
from aqabench.api import MethodSpec
from aqabench.config import Range

CITATION = ("Jinglin Xu, Yongming Rao, Xumin Yu, Guangyi Chen, Jie Zhou, Jiwen Lu. FineDiving: "
            "A Fine-grained Dataset for Procedure-aware Action Quality Assessment. CVPR 2022. "
            "arXiv:2204.03646")


def defaults(dataset: str, subset: str | None) -> dict[str, Any]:
    """The official FineDiving recipe (FineDiving_TSA.yaml, tools/builder.py)."""
    return {
        "epochs": 200, "batch_size": 8, "optimizer": "adam", "lr": 1e-3, "weight_decay": 0.0,
        "scheduler": "none", "lr_min": 0.0, "warmup_epochs": 0, "grad_clip": 0.0,
        "train_clips": None, "test_clips": None,
        "score_shift": 0.0, "score_scale": 1.0,
        "exemplar_key": "dive_number", "train_exemplars": 1, "test_exemplars": 10,
        "eval_batch_size": 64,
        # TSA's own keys
        "width": 64, "heads": 8, "blocks": 3, "steps": 5, "ps_blocks": 5,
        "tas_threshold": 0.25,  # prob_tas_threshold: true boundaries for this share of epochs
        "pooling": "linear",  # linear (seg_pool_1d) | average
    }


@aqabench.hookimpl
def aqabench_register_methods(register: Any) -> None:
    register(MethodSpec(
        name="tsa",
        build="aqabench_tsa.model:build",
        defaults=defaults,
        description="procedure segmentation + procedure-aware cross-attention on exemplar pairs",
        paper="FineDiving: A Fine-grained Dataset for Procedure-aware AQA (CVPR'22)",
        citation=CITATION,
        needs=frozenset({"exemplars", "stage_labels", "dive_numbers"}),
        config_ranges={"tas_threshold": Range(0, 1), "heads": Range(1, integer=True),
                       "ps_blocks": Range(1, integer=True), "steps": Range(1, integer=True)},
    ))
