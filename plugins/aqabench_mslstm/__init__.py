"""The ``mslstm`` method plugin: MS-LSTM (S-LSTM + M-LSTM), Xu et al., TCSVT'19.

Hyper-parameters (official training script, Fis-V): Adam, lr 5e-4 constant (the StepLR is
built but never stepped), no weight decay, batch 128, 500 epochs, penalty weight 1. Adapted to
the harness protocol (seed 0, test after every epoch on every clip, final and best epoch
reported) as follows:

- Train windows. The official code crops/pads C3D features to T = 300 clips, which covers
  most or all of a Fis-V programme. With VST features a Fis-V video has ~124-140 clips, so we
  train on the whole sequence (``train_clips = null``): TES and PCS are judged on the whole
  programme and a crop would drop scored elements. RG (68-77 clips) uses the 68-clip window
  of GDLT/CoFInAl's RG protocol (the official repo has no RG script). Test: every clip.
- No test-time random crop and no random initial state (see :mod:`.model`).
- Targets are standardised with the training labels' mean and std (``score_norm =
  "standard"``); the loss stays in raw score units as in the official code (see :mod:`.model`,
  difference 4).

Measured on the twins, and the reduced protocol the ``ci`` suite uses: README.md here.
"""

from __future__ import annotations

from typing import Any

import aqabench
from aqabench.api import MethodSpec, dataset_family
from aqabench.config import Choice, Range

CITATION = (
    "C. Xu, Y. Fu, B. Zhang, Z. Chen, Y.-G. Jiang, X. Xue. Learning to Score Figure Skating "
    "Sport Videos. IEEE TCSVT 30(12):4578-4590, 2020 (arXiv:1802.02774)."
)

#: Train window per dataset family (clips); ``None`` = whole sequence.
TRAIN_CLIPS = {"rg": 68}  # by dataset_family: every RG twin and variant too


def defaults(dataset: str, subset: str | None) -> dict[str, Any]:
    return {
        "optimizer": "adam",
        "lr": 5e-4,
        "weight_decay": 0.0,
        "scheduler": "none",
        "epochs": 500,
        "batch_size": 128,
        "eval_batch_size": 64,
        "train_clips": TRAIN_CLIPS.get(dataset_family(dataset)),
        "test_clips": None,
        "score_norm": "standard",  # predict mean + std · out (see model.py, difference 4)
        "variant": "paper",  # paper | code (frozen skip gate, random initial state)
        "penalty_weight": 1.0,  # attention penalty ‖AAᵀ − I‖², official weight 1
        "dropout": 0.0,  # on the branch vectors; the official Dropout(0.7) is built, never applied
        "skip_budget": 0.0,  # Campos et al.'s budget loss λ·mean(u_t); not in the official code
    }


@aqabench.hookimpl
def aqabench_register_methods(register: Any) -> None:
    register(MethodSpec(
        name="mslstm",
        build="aqabench_mslstm.model:build",
        defaults=defaults,
        description="MS-LSTM: self-attentive LSTM + multi-scale convolutional skip LSTMs",
        paper="Learning to Score Figure Skating Sport Videos (TCSVT'19)",
        citation=CITATION,
        config_ranges={"dropout": Range(0, 1, high_open=True),
                       "variant": Choice(("paper", "code"))},
    ))
