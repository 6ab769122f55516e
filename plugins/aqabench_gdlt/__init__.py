"""``gdlt``: Likert Scoring with Grade Decoupling (Xu, Zeng & Zheng, CVPR 2022).

Network and loss in :mod:`aqabench_gdlt.model`, Transformer blocks in
:mod:`aqabench_gdlt.transformer`, the triplet term in :mod:`aqabench_gdlt.triplet`. This module
registers the method and holds its per-dataset defaults (spec ``reference/methods/gdlt.md`` §5).

Rhythmic Gymnastics (``rg``, ``rg-synth``): the official protocol. SGD lr 1e-2, momentum 0.9,
weight decay 1e-4, cosine to 1e-4 per epoch, batch 32, a random 68-clip window per video at train,
every clip at test, epochs Ball/Clubs/Hoop/Ribbon = 250/400/500/150, dropout 0.3, alpha = margin
= 1, labels ``y = score / 25`` (``score_shift 0``, ``score_scale 25``).

Fis-V (``fisv``, ``fisv-synth``): GDLT shipped no Fis-V loader (spec §6), so these are our
choices. Optimiser, schedule, batch, window (68 clips; every GDLT/CoFInAl config keeps the
default for Fis-V too) and loss are the RG ones. Epochs TES 100 / PCS 200, as CoFInAl's Fis-V
scripts, which produced the GDLT Fis-V row of its Table 1. Labels are ``y = score / 50``, not
/25: TES reaches ~43 and PCS ~38, so /25 would put most targets above 1, outside what the
Likert head (a convex mix of grade values in [0, 1]) can output, and the MSE would saturate.
/50 maps TES to ~[0.13, 0.86] and PCS to ~[0.21, 0.77], means ~0.59 / ~0.54 (RG /25: ~0.61),
inside the head's reachable range with the same headroom RG has. A fixed divisor is preferred to
min-max because min-max puts the training extremes at exactly 0 and 1, which the sigmoid-
normalised head can only approach asymptotically, and it keeps GDLT's "score / fixed cap" form.

Any other dataset: the RG optimisation settings and the harness's min-max label scaling.
"""

from __future__ import annotations

from typing import Any

import aqabench
from aqabench.api import MethodSpec, dataset_family
from aqabench.config import Range

RG_EPOCHS = {"Ball": 250, "Clubs": 400, "Hoop": 500, "Ribbon": 150}
FISV_EPOCHS = {"TES": 100, "PCS": 200}

#: The official model and optimisation settings (README command + options.py).
COMMON: dict[str, Any] = {
    "optimizer": "sgd", "lr": 1e-2, "momentum": 0.9, "weight_decay": 1e-4,
    "scheduler": "cosine", "lr_min": 1e-4, "warmup_epochs": 0, "grad_clip": 0.0,
    "batch_size": 32, "train_clips": 68, "test_clips": None,
    "hidden_dim": 256, "n_head": 1, "n_encoder": 1, "n_decoder": 2, "n_query": 4,
    "dropout": 0.3, "ffn_dim": None,  # null = 3 * hidden_dim (768), as the official code
    "alpha": 1.0, "margin": 1.0,
}


def defaults(dataset: str, subset: str | None) -> dict[str, Any]:
    """GDLT's hyper-parameters for ``dataset``/``subset`` (see the module docstring)."""
    config = dict(COMMON)
    family = dataset_family(dataset)
    if family == "rg":
        config.update(epochs=RG_EPOCHS.get(subset or "Ball", 250),
                      score_shift=0.0, score_scale=25.0)
    elif family == "fisv":
        config.update(epochs=FISV_EPOCHS.get(subset or "TES", 100),
                      score_shift=0.0, score_scale=50.0)
    else:
        config.update(epochs=250, score_shift=None, score_scale=None)
    return config


@aqabench.hookimpl
def aqabench_register_methods(register: Any) -> None:
    register(MethodSpec(
        name="gdlt",
        build="aqabench_gdlt.model:build",
        defaults=defaults,
        description="grade-query Transformer decoder + Likert scoring with grade values",
        paper="Likert Scoring with Grade Decoupling for Long-term Action Assessment (CVPR 2022)",
        citation="Angchi Xu, Ling-An Zeng, Wei-Shi Zheng. Likert Scoring with Grade Decoupling "
                 "for Long-term Action Assessment. CVPR 2022, pp. 3232-3241.",
        config_ranges={"dropout": Range(0, 1, high_open=True)},
    ))
