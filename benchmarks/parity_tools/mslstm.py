"""MS-LSTM (chmxu/MS_LSTM) vs the ``mslstm`` plugin with ``variant=code``.

Official model: ``model.py:Scoring(feature_size=1024)`` (the training script builds it with
4096 for C3D features; only the embedding's input width changes). Written for PyTorch 0.4, it
needs three import-time shims on torch 2.x, applied in memory while it is imported (no file is
edited): ``torch.nn._functions.rnn`` (gone since torch 1.x; imported but unused by the Skip-LSTM
path) is stubbed; ``torch.nn.modules.rnn.RNNCellBase`` is replaced by an ``nn.Module`` whose
``check_forward_input`` / ``check_forward_hidden`` do nothing (torch 2's base class needs
constructor arguments the 0.4-era cells do not pass); and ``.cuda()`` on the penalty's identity
matrix is a no-op (:func:`core.cuda_is_cpu`).

Random initial states: both draw ``(c_0, h_0) ~ N(0, 1)`` per Skip-LSTM call, in different
orders (official: two unused S-LSTM tensors, then ``c`` before ``h`` per branch; ours: ``h``
before ``c``). The check feeds both the same states by replacing ``torch.randn`` /
``torch.randn_like`` with a queue of pre-drawn tensors during the two forward passes.
"""

from __future__ import annotations

import contextlib
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

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

RULES: list[Rule] = [
    ("conv.0.*", "embed.layers.conv.*"),  # 1x1 Conv1d D -> 128
    ("conv.2.*", "embed.layers.norm.*"),  # BN after the ReLU
    ("attn.linear_1.weight", "slstm.attention.w_s1.weight"),
    ("attn.linear_2.weight", "slstm.attention.w_s2.weight"),
    ("attn.bn.*", "slstm.norm.*"),
    ("lstm.*_l0", "slstm.lstm.*"),  # nn.LSTM weight_ih_l0 ... -> explicit-gate LSTM
    ("scale#.conv.0.*", "mlstm.branches.#.conv.*"),  # scale1..3 -> branches 0..2 (renumbered)
    ("scale#.conv.2.*", "mlstm.branches.#.norm.*"),
    ("scale#.lstm.*.0", "mlstm.branches.#.lstm.*"),  # ParameterList weight_ih.0 ...
    ("scale#.lstm.weight_uh", "mlstm.branches.#.lstm.update_gate.weight"),
    ("scale#.lstm.bias_uh", "mlstm.branches.#.lstm.update_gate.bias"),
    ("linear_skip#.*", "fusion.branch_heads.#.*"),  # renumbered 1..3 -> 0..2
    ("linear_attn.*", "fusion.branch_heads.3.*"),
    ("linear_merge.*", "fusion.merge.*"),
    ("cls.*", "fusion.score.*"),
]


def renumber(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Official ``scale1..3`` / ``linear_skip1..3`` are 1-based; our lists are 0-based."""
    out = {}
    for key, value in state.items():
        for stem in ("scale", "linear_skip"):
            if key.startswith(stem) and key[len(stem)].isdigit():
                key = f"{stem}{int(key[len(stem)]) - 1}{key[len(stem) + 1:]}"
        out[key] = value
    return out


class _CellBase(nn.Module):
    """Stand-in for torch 0.4's argument-free ``RNNCellBase`` (checks are no-ops)."""

    def check_forward_input(self, *args: Any) -> None:
        pass

    def check_forward_hidden(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def torch04_shims() -> Iterator[None]:
    import torch.nn.modules.rnn as rnn
    stub = types.ModuleType("torch.nn._functions.rnn")
    for name in ("LSTMCell", "GRUCell", "Recurrent", "variable_recurrent_factory"):
        setattr(stub, name, None)
    saved_base, saved_mod = rnn.RNNCellBase, sys.modules.get(stub.__name__)
    rnn.RNNCellBase = _CellBase  # type: ignore[misc]
    sys.modules[stub.__name__] = stub
    try:
        yield
    finally:
        rnn.RNNCellBase = saved_base  # type: ignore[misc]
        if saved_mod is None:
            sys.modules.pop(stub.__name__, None)
        else:
            sys.modules[stub.__name__] = saved_mod


@contextlib.contextmanager
def queued_randn(queue: list[torch.Tensor]) -> Iterator[None]:
    """``torch.randn`` / ``torch.randn_like`` return the next tensor of ``queue``."""
    randn, randn_like = torch.randn, torch.randn_like

    def take(*shape: Any, **_: Any) -> torch.Tensor:
        size = shape[0].shape if shape and torch.is_tensor(shape[0]) else torch.Size(
            shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape)
        value = queue.pop(0)
        if value.shape != size:
            raise RuntimeError(f"random-state queue: expected {tuple(size)}, "
                               f"have {tuple(value.shape)}")
        return value.clone()

    torch.randn, torch.randn_like = take, take  # type: ignore[assignment]
    try:
        yield
    finally:
        torch.randn, torch.randn_like = randn, randn_like  # type: ignore[assignment]


def official_model(path: Path) -> Any:
    with official_path(path), torch04_shims():
        torch.manual_seed(0)
        return import_official("model").Scoring(feature_size=1024)


def ours_model() -> Any:
    from aqabench_mslstm.model import MSLSTM
    return MSLSTM(1024, variant="code")


def batch_of(x: torch.Tensor, score: torch.Tensor) -> Batch:
    b, t, _ = x.shape
    return Batch(features=x, lengths=torch.full((b,), t), target=score, score=score,
                 index=torch.arange(b))


def branch_outputs(official: Any, ours: Any) -> tuple[list[Any], list[Any], list[Any]]:
    """Forward hooks collecting the four branch vectors (3 M-LSTM, 1 S-LSTM) of each model:
    at init they barely reach the score (the fusion MLP damps them), so they are compared
    directly, which also tests the random initial states."""
    got_off: list[torch.Tensor] = []
    got_ours: list[torch.Tensor] = []
    handles = [official.scale1, official.scale2, official.scale3]
    hooks = [m.register_forward_hook(lambda _m, _i, out: got_off.append(out)) for m in handles]
    hooks.append(official.lstm.register_forward_hook(
        lambda _m, _i, out: got_off.append(out[0][:, -1])))
    hooks += [m.register_forward_hook(lambda _m, _i, out: got_ours.append(out[0]))
              for m in [*ours.mlstm.branches, ours.slstm]]
    return got_off, got_ours, hooks


def run_both(official: Any, ours: Any, x: torch.Tensor, score: torch.Tensor
             ) -> tuple[Any, Any]:
    b = x.shape[0]
    g = torch.Generator().manual_seed(3)
    states = {(k, s): torch.randn(b, 256, generator=g) for k in range(3) for s in "ch"}
    unused = [torch.zeros(1, b, 256), torch.zeros(1, b, 256)]  # the official h0 / c0
    with cuda_is_cpu(), queued_randn(unused + [states[k, s] for k in range(3) for s in "ch"]):
        o = official(x)
    with queued_randn([states[k, s] for k in range(3) for s in "hc"]):
        u = ours(batch_of(x, score))
    return o, u


def check(path: Path, batch: int = 4, clips: int = 68) -> list[Check]:
    official, ours = official_model(path), ours_model()
    rules_state = renumber(official.state_dict())
    ours.load_state_dict(to_ours(rules_state, RULES, ours.state_dict())[0], strict=True)
    n_off, n_ours = trainable(official), trainable(ours)
    x = rg_like_batch(batch, clips)
    score = torch.rand(batch, generator=torch.Generator().manual_seed(1)) * 20 + 20
    checks = []
    official.eval()
    ours.eval()
    got_off, got_ours, hooks = branch_outputs(official, ours)
    with torch.no_grad():
        (o_score, o_pen), u = run_both(official, ours, x, score)
    for hook in hooks:
        hook.remove()
    # both evaluate the S-LSTM first, then the three M-LSTM branches in order
    from aqabench_mslstm.slstm import attention_penalty
    setting = f"eval B={batch} T={clips}, same random states"
    branch = max(max_abs(a, b) for a, b in zip(got_off, got_ours, strict=True))
    penalty = max_abs(o_pen, attention_penalty(u["attention"]))
    for quantity, diff in (("score", max_abs(o_score.squeeze(1), u["score"])),
                           ("branch vectors (3 M-LSTM + S-LSTM)", branch),
                           ("attention penalty", penalty)):
        checks.append(Check("mslstm code", setting, n_off, n_ours, quantity, diff))
    # train mode: BN batch statistics, the loss (MSE in raw points + penalty) and gradients
    official.train()
    ours.train()
    (o_score, o_pen), u = run_both(official, ours, x, score)
    lo = official.loss(o_score, score[:, None]) + o_pen
    lu = ours.loss(u, batch_of(x, score))["loss"]
    lo.backward()
    lu.backward()
    grads = renumber({k: p.grad if p.grad is not None else torch.zeros_like(p)
                      for k, p in official.named_parameters()})
    ours_params = dict(ours.named_parameters())
    mapped, _ = to_ours(grads, RULES, ours_params)
    grad = max(max_abs(g, ours_params[k].grad if ours_params[k].grad is not None
                       else torch.zeros_like(g)) for k, g in mapped.items())
    setting = f"train B={batch} T={clips}"
    checks += [Check("mslstm code", setting, n_off, n_ours, "loss (MSE + penalty)",
                     max_abs(lo, lu)),
               Check("mslstm code", setting, n_off, n_ours, "max grad diff (all params)", grad)]
    return checks


__all__ = ["RULES", "check", "renumber", "transplant"]
