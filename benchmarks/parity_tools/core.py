"""Machinery shared by the parity checks: importing an official checkout, name maps, transplant.

Nothing here contains or needs the official code. The official modules are imported at run time
from a path the user gives (their own checkout); see ``docs/parity.md``.

Name maps are written as ordered rules ``(official pattern, our pattern)``. In a pattern ``#``
stands for a run of digits (a layer index) and ``*`` for a parameter/buffer leaf name
(``weight``, ``bias``, ``running_mean`` ...); the two sides must use the same placeholders in the
same order. Our side may be a tuple of patterns: the official tensor is then cut into that many
equal chunks along dim 0 (``nn.MultiheadAttention``'s packed ``in_proj_weight`` -> our separate
q/k/v projections). A tensor whose shape differs from ours with the same number of elements is
reshaped (a ``Conv1d`` kernel-1 weight ``[C_out, C_in, 1]`` <-> a ``Linear`` weight
``[C_out, C_in]``). The rules work in both directions, so the round trip can be tested on our own
state dicts alone (``tests/test_parity_tools.py``).
"""

from __future__ import annotations

import contextlib
import importlib
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

Target = str | tuple[str, ...]
Rule = tuple[str, Target]

#: Top-level module names the official repositories use; purged around every import so two
#: repositories' ``models`` / ``utils`` packages never mix (and ours are left untouched).
OFFICIAL_TOP_LEVEL = ("models", "utils", "util", "graph", "rnn_cells", "options", "datasets",
                      "train", "test", "logger", "model", "dataloader")


def _compile(pattern: str) -> re.Pattern[str]:
    parts = []
    for ch in pattern:
        parts.append({"#": r"(\d+)", "*": r"([A-Za-z_]+)"}.get(ch, re.escape(ch)))
    return re.compile("".join(parts) + r"\Z")


def _fill(pattern: str, groups: Sequence[str]) -> str:
    out, it = [], iter(groups)
    for ch in pattern:
        out.append(next(it) if ch in "#*" else ch)
    return "".join(out)


def translate(key: str, rules: Sequence[Rule]) -> Target | None:
    """Our key(s) for the official ``key`` (the first matching rule), or None."""
    for official, ours in rules:
        match = _compile(official).match(key)
        if match:
            groups = match.groups()
            return tuple(_fill(p, groups) for p in ours) if isinstance(ours, tuple) \
                else _fill(ours, groups)
    return None


def name_map(official_keys: Sequence[str], rules: Sequence[Rule]) -> dict[str, Target]:
    """``{official key: our key (or keys)}`` for every official key; unmatched keys raise."""
    out, missing = {}, []
    for key in official_keys:
        target = translate(key, rules)
        if target is None:
            missing.append(key)
        else:
            out[key] = target
    if missing:
        raise KeyError(f"no name-map rule for official keys {missing}")
    return out


def to_ours(official: Mapping[str, torch.Tensor], rules: Sequence[Rule],
            like: Mapping[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], list[str]]:
    """Official state dict -> our state dict shaped as ``like``; also the reshaped keys."""
    out: dict[str, torch.Tensor] = {}
    reshaped = []
    for key, target in name_map(list(official), rules).items():
        value = official[key]
        targets = target if isinstance(target, tuple) else (target,)
        chunks = value.chunk(len(targets), dim=0) if len(targets) > 1 else (value,)
        for name, chunk in zip(targets, chunks, strict=True):
            if name in out:
                raise KeyError(f"two official keys map to {name!r}")
            if name not in like:
                raise KeyError(f"official {key!r} maps to {name!r}, which our model lacks")
            if chunk.shape != like[name].shape:
                if chunk.numel() != like[name].numel():
                    raise ValueError(f"{key} {tuple(chunk.shape)} cannot become {name} "
                                     f"{tuple(like[name].shape)}")
                chunk = chunk.reshape(like[name].shape)
                reshaped.append(name)
            out[name] = chunk.clone()
    return out, reshaped


def to_official(ours: Mapping[str, torch.Tensor], rules: Sequence[Rule],
                official_shapes: Mapping[str, torch.Size] | None = None) -> dict[str, torch.Tensor]:
    """Inverse of :func:`to_ours` (chunks concatenated back). ``official_shapes`` restores the
    official layout of reshaped tensors; without it our shapes are kept."""
    inverse: list[Rule] = []
    for official, target in rules:
        for i, ours_pattern in enumerate(target if isinstance(target, tuple) else (target,)):
            inverse.append((ours_pattern, f"{official}\x00{i}"))
    parts: dict[str, dict[int, torch.Tensor]] = {}
    for key, value in ours.items():
        found = translate(key, inverse)
        if found is None:
            raise KeyError(f"no name-map rule gives our key {key!r}")
        official_key, _, index = str(found).partition("\x00")
        parts.setdefault(official_key, {})[int(index)] = value
    out = {}
    for key, chunks in parts.items():
        value = torch.cat([chunks[i] for i in sorted(chunks)]) if len(chunks) > 1 else chunks[0]
        if official_shapes is not None and key in official_shapes:
            value = value.reshape(official_shapes[key])
        out[key] = value
    return out


def transplant(official: nn.Module, ours: nn.Module, rules: Sequence[Rule]) -> list[str]:
    """Copy the official model's parameters and buffers into ours (strict: every key of ours
    must be filled). Returns our keys that needed a reshape."""
    state, reshaped = to_ours(official.state_dict(), rules, ours.state_dict())
    ours.load_state_dict(state, strict=True)
    return reshaped


def trainable(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def max_abs(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = torch.as_tensor(a).detach().double(), torch.as_tensor(b).detach().double()
    if a.shape != b.shape:
        if a.numel() != b.numel():
            raise ValueError(f"shapes differ: {tuple(a.shape)} vs {tuple(b.shape)}")
        b = b.reshape(a.shape)
    return float((a - b).abs().max()) if a.numel() else 0.0


# ------------------------------------------------------------------------ official imports
@contextlib.contextmanager
def official_path(path: Path) -> Iterator[None]:
    """Make ``path`` importable for the duration, isolating the official top-level packages
    (``models``, ``utils`` ...) from any other checkout or our own modules."""
    path = Path(path).resolve()
    if not path.is_dir():
        raise FileNotFoundError(f"official checkout {path} is not a directory")

    def purge() -> dict[str, Any]:
        gone = {}
        for name in list(sys.modules):
            if name.split(".")[0] in OFFICIAL_TOP_LEVEL:
                gone[name] = sys.modules.pop(name)
        return gone

    saved = purge()
    sys.path.insert(0, str(path))
    try:
        yield
    finally:
        sys.path.remove(str(path))
        purge()
        sys.modules.update(saved)


def import_official(module: str) -> Any:
    """Import ``module`` (call inside :func:`official_path`)."""
    return importlib.import_module(module)


@contextlib.contextmanager
def cuda_is_cpu() -> Iterator[None]:
    """Official code calls ``.cuda()`` unconditionally (GDLT's grade values, MS-LSTM's identity
    matrix): make ``Tensor.cuda`` / ``Module.cuda`` return the object unchanged meanwhile."""
    tensor_cuda, module_cuda = torch.Tensor.cuda, nn.Module.cuda
    torch.Tensor.cuda = lambda self, *a, **k: self  # type: ignore[method-assign]
    nn.Module.cuda = lambda self, *a, **k: self  # type: ignore[method-assign]
    try:
        yield
    finally:
        torch.Tensor.cuda = tensor_cuda  # type: ignore[method-assign]
        nn.Module.cuda = module_cuda  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------- results
@dataclass
class Check:
    """One compared quantity of one method/setting."""

    method: str
    setting: str
    params_official: int
    params_ours: int
    quantity: str
    diff: float
    tol: float = 1e-5
    expected_equal: bool = True  # False: a documented, deliberate difference
    note: str = ""

    @property
    def passed(self) -> bool:
        return self.diff <= self.tol

    @property
    def verdict(self) -> str:
        if self.passed:
            return "pass"
        return "FAIL" if self.expected_equal else "differs (deliberate)"


def render_checks(checks: Sequence[Check]) -> str:
    head = ("method", "setting", "params official", "params ours", "quantity", "max abs diff",
            "result")
    rows = [head] + [(c.method, c.setting, f"{c.params_official:,}", f"{c.params_ours:,}",
                      c.quantity, f"{c.diff:.2e}", c.verdict) for c in checks]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["| " + " | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) + " |"
             for r in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    notes = [f"- {c.method} / {c.setting} / {c.quantity}: {c.note}" for c in checks if c.note]
    return "\n".join(lines + ([""] + notes if notes else []))


def rg_like_batch(batch: int = 4, clips: int = 68, dim: int = 1024, seed: int = 0
                  ) -> torch.Tensor:
    """Random clip features in the RG layout ``[B, T, 1024]`` float32."""
    return torch.randn(batch, clips, dim, generator=torch.Generator().manual_seed(seed))
