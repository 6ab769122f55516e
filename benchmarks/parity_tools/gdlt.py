"""GDLT (xuangch/CVPR22_GDLT) vs the ``gdlt`` plugin: name map and forward/loss/gradient checks.

Official model: ``models/model.py:GDLT`` built as the README's training command does
(``in_dim 1024, hidden 256, n_head 1, n_encoder 1, n_decoder 2, n_query 4, dropout 0.3``),
loss ``models/loss.py:LossFun(alpha=1, margin=1)``. Patch needed on CPU: ``GDLT.__init__`` puts
its grade values on ``.cuda()``; :func:`core.cuda_is_cpu` turns that call into a no-op while
the class is built (the file is not edited).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import torch

from aqabench.api import Batch

from .core import (
    Check,
    Rule,
    cuda_is_cpu,
    import_official,
    max_abs,
    official_path,
    rg_like_batch,
    to_ours,
    trainable,
    transplant,
)


def transformer_rules(official: str, ours: str) -> list[Rule]:
    """The vendored torch-1.10 ``nn.Transformer`` (official) -> ``aqabench_gdlt.transformer``."""
    rules: list[Rule] = []
    for part, blocks in (("encoder", ("self_attn",)), ("decoder", ("self_attn", "multihead_attn"))):
        src, dst = f"{official}transformer.{part}", f"{ours}{part}"
        for block in blocks:
            mine = "cross_attn" if block == "multihead_attn" else block
            rules += [(f"{src}.layers.#.{block}.in_proj_*", f"{dst}.layers.#.{mine}.in_proj.*"),
                      (f"{src}.layers.#.{block}.out_proj.*", f"{dst}.layers.#.{mine}.out_proj.*")]
        rules += [(f"{src}.layers.#.linear1.*", f"{dst}.layers.#.ffn.0.*"),
                  (f"{src}.layers.#.linear2.*", f"{dst}.layers.#.ffn.3.*"),
                  (f"{src}.layers.#.norm#.*", f"{dst}.layers.#.norm#.*"),
                  (f"{src}.norm.*", f"{dst}.norm.*")]
    return rules


#: official state-dict key pattern -> ours (see core.py for the pattern syntax).
RULES: list[Rule] = [
    ("in_proj.#.*", "in_proj.layers.#.*"),  # Conv1d/BN/Conv1d/BN, same shapes
    *transformer_rules("", ""),
    ("prototype.weight", "queries.prototypes.weight"),
    ("regressor.*", "head.regressor.*"),
]


def ours_model(dropout: float = 0.3) -> Any:
    from aqabench_gdlt import defaults
    from aqabench_gdlt.model import build, example_info
    config = defaults("rg-synth", "Ball")
    config.update(dropout=dropout)
    return build(config, example_info())


def batch_of(x: torch.Tensor, target: torch.Tensor) -> Batch:
    b, t, _ = x.shape
    return Batch(features=x, lengths=torch.full((b,), t), target=target, score=target * 25,
                 index=torch.arange(b))


def official_model(path: Path, dropout: float = 0.3) -> tuple[Any, Any]:
    with official_path(path), cuda_is_cpu(), contextlib.redirect_stdout(io.StringIO()):
        model = import_official("models.model").GDLT(1024, 256, 1, 1, 2, 4, dropout)
        loss = import_official("models.loss").LossFun(1.0, 1.0)
    return model, loss


def check(path: Path, batch: int = 4, clips: int = 68) -> list[Check]:
    checks = []
    torch.manual_seed(0)
    official, loss_fn = official_model(path)
    ours = ours_model()
    transplant(official, ours, RULES)
    n_off, n_ours = trainable(official), trainable(ours)

    def add(setting: str, quantity: str, diff: float) -> None:
        checks.append(Check("gdlt", setting, n_off, n_ours, quantity, diff))

    official.eval()
    ours.eval()
    x, target = rg_like_batch(batch, clips), torch.rand(batch, generator=torch.Generator()
                                                         .manual_seed(1))
    with torch.no_grad():
        o, u = official(x), ours(batch_of(x, target))
        setting = f"eval B={batch} T={clips}"
        add(setting, "score", max_abs(o["output"], u["score"]))
        add(setting, "embed (triplet input)", max_abs(o["embed"], u["embed"]))
        add(setting, "loss (MSE + triplet)", max_abs(loss_fn(o["output"], target, o["embed"])[0],
                                                     ours.loss(u, batch_of(x, target))["loss"]))
        x1 = rg_like_batch(1, 75, seed=2)  # a full-length RG test video, batch 1
        add("eval B=1 T=75", "score", max_abs(official(x1)["output"],
                                              ours(batch_of(x1, target[:1]))["score"]))
    checks += train_mode(path, x, target)
    return checks


def train_mode(path: Path, x: torch.Tensor, target: torch.Tensor) -> list[Check]:
    """Train mode (BN batch statistics) with dropout 0, so both are deterministic: loss,
    every parameter's gradient (through the name map) and the BN running statistics."""
    torch.manual_seed(0)
    official, loss_fn = official_model(path, dropout=0.0)
    ours = ours_model(dropout=0.0)
    transplant(official, ours, RULES)
    official.train()
    ours.train()
    o, u = official(x), ours(batch_of(x, target))
    lo = loss_fn(o["output"], target, o["embed"])[0]
    lu = ours.loss(u, batch_of(x, target))["loss"]
    lo.backward()
    lu.backward()
    grads_off = {k: p.grad for k, p in official.named_parameters()}
    grads_ours = dict(ours.named_parameters())
    mapped, _ = to_ours(grads_off, RULES, {k: p for k, p in grads_ours.items()})
    grad_diff = max(max_abs(g, grads_ours[k].grad) for k, g in mapped.items())
    stats, _ = to_ours(official.state_dict(), RULES, ours.state_dict())
    bn_diff = max(max_abs(v, ours.state_dict()[k]) for k, v in stats.items() if "running" in k)
    n_off, n_ours = trainable(official), trainable(ours)
    setting = f"train B={len(x)} dropout 0"
    return [Check("gdlt", setting, n_off, n_ours, "loss", max_abs(lo, lu)),
            Check("gdlt", setting, n_off, n_ours, "max grad diff (all params)", grad_diff),
            Check("gdlt", setting, n_off, n_ours, "BN running stats", bn_diff)]
