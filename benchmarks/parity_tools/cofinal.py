"""CoFInAl (ZhouKanglei/CoFInAl_AQA) vs the ``cofinal`` plugin with ``variant=code``.

Official model: ``models/model.py:cofinal`` built as ``main.py:build_model`` does with the RG
Ball script's arguments (``scripts/train_all_rg.sh``: hidden 256, 1 head, 1 encoder, 2 decoder
layers, 4 queries, dropout 0.3, ``--activate_regular_restrictions 2``, ``--loss_align 1``,
alpha = margin = 1), after ``np.random.seed(0)`` (``setup_seed(0)``: the ETF comes from the
global numpy RNG). The Ribbon script's ``cofinal_2`` does not exist in ``models/model.py``;
``GDLTETH2`` is that model (no neg head) and is checked against ``code_using_neg=false``.
Loss: ``models/loss.py:LossFun(alpha, margin, etf_head=True, loss_align)`` on the targets of
``model.get_proj_class``, as ``train.py`` does. No patch is needed on CPU (the module picks its
device itself).

Our side: ``score_scale = 25, score_shift = 0`` so that our target and score units are the
official ``score / 25``; ``code_batch_mixing = true`` reproduces the official fine head's
attention across the batch (``nn.MultiheadAttention`` without ``batch_first`` fed ``[B, 4, h]``).
Our default (``false``) differs at every batch size, batch 1 included: there the official head
attends to a single key (each query only to itself, ``out_proj(v_proj(q))``) while ours attends
over the video's 4 queries; both are measured and reported as deliberate. The official
``get_score`` takes one arg-max over the whole batch, so the official score is computed one
video at a time.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import numpy as np
import torch

from aqabench.api import Batch

from .core import (
    Check,
    Rule,
    import_official,
    max_abs,
    official_path,
    rg_like_batch,
    trainable,
    transplant,
)
from .gdlt import transformer_rules

RULES: list[Rule] = [
    ("in_proj.#.*", "trunk.in_proj.layers.#.*"),
    *transformer_rules("", "trunk."),
    ("prototype.weight", "trunk.prototypes.prototypes.weight"),
    ("regressor.*", "regressor.*"),
    ("regressor_revert.*", "regressor_revert.*"),
    # packed nn.MultiheadAttention in-projection [3h, h] -> our q/k/v Linear layers
    ("regi.0.in_proj_*", ("regi.q_proj.*", "regi.k_proj.*", "regi.v_proj.*")),
    ("regi.0.out_proj.*", "regi.out_proj.*"),
    ("regressori.0.#.*", "regressori.#.*"),  # Flatten, Linear(4h, 256), Linear(h, 100)
    ("etf_vec1", "etf"),  # the fixed simplex ETF (a buffer)
]

SETTINGS = {  # name: (official class, act mode, loss_align, our subset)
    "RG Ball (cofinal, act 2)": ("cofinal", 2, 1, "Ball"),
    "RG Clubs (cofinal, act 3)": ("cofinal", 3, 1, "Clubs"),
    "RG Hoop (cofinal, align 2)": ("cofinal", 2, 2, "Hoop"),
    "RG Ribbon (GDLTETH2)": ("GDLTETH2", 3, 1, "Ribbon"),
}


def ours_model(subset: str, batch_mixing: bool) -> Any:
    from aqabench_cofinal.defaults import defaults
    from aqabench_cofinal.model import build
    from aqabench_gdlt.model import example_info
    config = defaults("rg-synth", subset, variant="code")
    config.update(variant="code", score_scale=25.0, score_shift=0.0,
                  code_batch_mixing=batch_mixing)
    return build(config, example_info())


def official_model(path: Path, cls: str, act: int, align: int) -> tuple[Any, Any]:
    with official_path(path), contextlib.redirect_stdout(io.StringIO()):
        np.random.seed(0)
        torch.manual_seed(0)
        model = getattr(import_official("models.model"), cls)(1024, 256, 1, 1, 2, 4, 0.3, act)
        loss = import_official("models.loss").LossFun(1.0, 1.0, True, align)
    return model, loss


def batch_of(x: torch.Tensor, scores: torch.Tensor) -> Batch:
    """Our batch for raw ``scores`` (float64 decimals); target = score / 25."""
    b, t, _ = x.shape
    return Batch(features=x, lengths=torch.full((b,), t), target=(scores / 25).float(),
                 score=scores.float(), index=torch.arange(b))


def official_scores(model: Any, out: dict[str, Any]) -> torch.Tensor:
    """``get_score`` one video at a time (its flat arg-max is only right for batch 1)."""
    rows = []
    for i in range(len(out["int"])):
        one = {k: (v[i:i + 1] if torch.is_tensor(v) else [v[0][i:i + 1]]) for k, v in out.items()}
        rows.append(model.get_score(one))
    return torch.cat(rows)


def check(path: Path, batch: int = 4, clips: int = 68) -> list[Check]:
    checks = []
    x = rg_like_batch(batch, clips)
    # two-decimal scores on the RG Total range; the official loader gives score / 25 (float32)
    generator = torch.Generator().manual_seed(1)
    scores = torch.round((torch.rand(batch, generator=generator, dtype=torch.float64) * 20 + 4)
                         * 100) / 100
    y = (scores / 25).float()
    for name, (cls, act, align, subset) in SETTINGS.items():
        official, loss_fn = official_model(path, cls, act, align)
        ours = ours_model(subset, batch_mixing=True)
        transplant(official, ours, RULES)
        official.eval()
        ours.eval()
        n_off, n_ours = trainable(official), trainable(ours)

        def add(setting: str, quantity: str, diff: float, n_off: int = n_off,
                n_ours: int = n_ours) -> None:
            checks.append(Check("cofinal code", setting, n_off, n_ours, quantity, diff))

        with torch.no_grad():
            o, u = official(x), ours(batch_of(x, scores))
            out = o["output"]
            setting = f"{name}, eval B={batch}"
            add(setting, "pos head (int)", max_abs(out["int"], u["pos"]))
            if "int_revert" in out:
                add(setting, "neg head (int_revert)", max_abs(out["int_revert"], u["neg"]))
            add(setting, "fine feature (dec)", max_abs(out["dec"][0], u["fine"]))
            add(setting, "embed (triplet input)", max_abs(o["embed"], u["embed"]))
            add(setting, "score", max_abs(official_scores(official, out), u["score"]))
            lo = loss_fn(out, official.get_proj_class(y), o["embed"])[0]
            add(setting, "loss (all terms)", max_abs(lo, ours.loss(u, batch_of(x, scores))["loss"]))
        if name.startswith("RG Ball"):
            default = ours_model(subset, batch_mixing=False)
            transplant(official, default, RULES)
            default.eval()
            with torch.no_grad():
                x1 = x[:1]
                checks.append(Check(
                    "cofinal code", "RG Ball, code_batch_mixing=false, eval B=1", n_off, n_ours,
                    "score", max_abs(official_scores(official, official(x1)["output"]),
                                     default(batch_of(x1, scores[:1]))["score"]),
                    expected_equal=False,
                    note="deliberate: at batch 1 the official fine head attends to one key "
                         "(each query to itself: out_proj(v_proj(q))), ours over the 4 queries"))
                diff = max_abs(official(x)["output"]["dec"][0],
                               default(batch_of(x, scores))["fine"])
                checks.append(Check(
                    "cofinal code", f"RG Ball, code_batch_mixing=false, eval B={batch}", n_off,
                    n_ours, "fine feature (dec)", diff, expected_equal=False,
                    note="deliberate: our default attends over each video's 4 queries; the "
                         "official MHA (not batch_first) attends across the videos of a batch"))
        if name.startswith("RG Ball"):
            checks.append(subgrade_targets(official, n_off, n_ours))
    return checks


def subgrade_targets(official: Any, n_off: int, n_ours: int) -> Check:
    """The official ``get_proj_class`` decomposition vs ours on every two-decimal score
    4.00-23.99 (the fine sub-grade index g2 and the coarse grade g1)."""
    from aqabench_cofinal.code_variant import code_grade_index
    scores = torch.arange(400, 2400, dtype=torch.float64) / 100
    g1_off, _, target_off = official.get_proj_class((scores / 25).float())
    g2_off = (target_off @ official.etf_vec1).argmax(dim=1)  # the ETF column = its class
    index = code_grade_index(scores.float())
    mismatches = int(((index % 100) != g2_off).sum() + ((index // 100) / 100 != g1_off).sum())
    return Check("cofinal code", "targets, scores 4.00-23.99 (2,000)", n_off, n_ours,
                 "grade / sub-grade mismatches (count)", float(mismatches), tol=0.0)
