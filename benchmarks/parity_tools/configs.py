"""Hyper-parameter diff: the official training configuration vs aqabench's resolved defaults.

Official side, read from the user's checkout wherever the value is an argument:
- GDLT: ``options.py``'s parser applied to the README's training command (per-apparatus
  ``--epoch {250/400/500/150}`` filled in); the label scaling ``score / 25`` from
  ``datasets.py``. GDLT has no Fis-V script (its README gives the RG command only).
- CoFInAl: the same parser (``options.py``) applied to every ``python main.py`` command in
  ``scripts/train_all_rg.sh`` and ``scripts/train_all_fis.sh``.
- HGCN: ``configs/MTL.yaml`` and ``utils/parser.py`` (the repository has no RG / Fis-V setup;
  the MTL-AQA one is shown for reference).
- MS-LSTM: ``train.py`` hard-codes its settings; each value is a fact checked against a pattern
  in that file (``?`` marks one not found in this checkout).

Our side: ``aqabench``'s resolved config (``method_defaults`` + ``merge_config``) for the twin
with the same subset, ``variant=code`` where the plugin has one.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path
from typing import Any

from .core import import_official, official_path

KEYS = ("optimizer", "lr", "momentum", "weight_decay", "scheduler", "lr_min", "batch_size",
        "epochs", "dropout", "train_clips", "test_clips", "loss weights", "score norm", "width")


def ours(method: str, dataset: str, subset: str | None, variant: str | None) -> dict[str, Any]:
    from aqabench.config import BASE_CONFIG, merge_config
    from aqabench.plugins import get_registry
    from aqabench.runner import method_defaults
    spec = get_registry().method(method)
    overrides = {"variant": variant} if variant else {}
    c = merge_config(method_defaults(spec, dataset, subset, variant), overrides=overrides)
    weights = {"gdlt": ("alpha", "margin"), "cofinal": ("code_alpha", "code_margin"),
               "mslstm": ("penalty_weight",), "hgcn": ()}[method]
    if c["score_scale"] is None:
        norm = f"{c['score_norm']} (from the training labels)"
    else:
        shift = f"(s - {c['score_shift']:g})" if c["score_shift"] else "s"
        norm = f"{shift} / {c['score_scale']:g}"
    out = {k: c.get(k) for k in KEYS if k in BASE_CONFIG or k == "dropout"}
    names = {"penalty_weight": "penalty"}
    out["loss weights"] = ", ".join(f"{names.get(k, k.removeprefix('code_'))} {c[k]:g}"
                                    for k in weights) or "MSE mean"
    if method == "cofinal":
        out["width"] = f"hidden {c['code_hidden']}, {c['code_heads']} heads"
    elif method == "gdlt":
        out["width"] = f"hidden {c['hidden_dim']}, {c['n_head']} heads"
    out["score norm"] = norm
    return out


def _commands(text: str) -> list[list[str]]:
    text = text.replace("\\\n", " ")
    variables = dict(re.findall(r"^(\w+)='([^']*)'", text, flags=re.M))
    found = []
    for line in text.splitlines():
        if "python main.py" in line:
            line = re.sub(r"\$\{(\w+)\}", lambda m: variables.get(m.group(1), ""), line)
            tokens = shlex.split(line.split("python main.py", 1)[1])
            found.append(tokens)
    return found


def _from_args(a: Any, norm: str, weights: str) -> dict[str, Any]:
    """One official run's settings from its parsed ``options.py`` arguments."""
    cosine = a.lr_decay == "cos"
    return {"optimizer": a.optim, "lr": a.lr, "momentum": a.momentum,
            "weight_decay": a.weight_decay, "scheduler": "cosine" if cosine else "none",
            "lr_min": a.lr * a.decay_rate if cosine else None, "batch_size": a.batch,
            "epochs": a.epoch, "dropout": a.dropout, "train_clips": a.clip_num,
            "test_clips": None, "loss weights": weights, "score norm": norm,
            "width": f"hidden {a.hidden_dim}, {a.n_head} heads"}


def gdlt_official(path: Path) -> dict[str, dict[str, Any]]:
    readme = (path / "README.md").read_text()
    command = next(line for line in readme.splitlines()
                   if "main.py" in line and "--epoch" in line and "--test " not in line)
    norm = "s / 25" if "score / 25" in (path / "datasets.py").read_text() else "?"
    out = {}
    with official_path(path), contextlib.redirect_stdout(io.StringIO()):
        parser = import_official("options").parser
        for subset, epochs in zip(("Ball", "Clubs", "Hoop", "Ribbon"), (250, 400, 500, 150),
                                  strict=True):
            line = re.sub(r"\{[^}]*\}", lambda m, e=epochs: str(e) if "/" in m.group(0) and
                          m.group(0)[1].isdigit() else "x", command.split("main.py", 1)[1])
            a = parser.parse_args(shlex.split(line))
            out[f"rg {subset}"] = _from_args(a, norm, f"alpha {a.alpha:g}, margin {a.margin:g}")
    return out


def cofinal_official(path: Path) -> dict[str, dict[str, Any]]:
    norm = "s / 25" if "score / 25" in (path / "datasets.py").read_text() else "?"
    out = {}
    with official_path(path), contextlib.redirect_stdout(io.StringIO()):
        parser = import_official("options").parser
        for script, family in (("train_all_rg.sh", "rg"), ("train_all_fis.sh", "fisv")):
            for tokens in _commands((path / "scripts" / script).read_text()):
                a = parser.parse_args(tokens)
                row = _from_args(a, norm, f"alpha {a.alpha:g}, margin {a.margin:g}")
                out[f"{family} {a.action_type}"] = row
    return out


def hgcn_official(path: Path) -> dict[str, dict[str, Any]]:
    import yaml
    cfg = yaml.safe_load((path / "configs" / "MTL.yaml").read_text())
    return {"MTL-AQA (no RG/Fis-V config)": {
        "optimizer": cfg["optimizer"].lower(), "lr": cfg["base_lr"], "momentum": None,
        "weight_decay": cfg["weight_decay"], "scheduler": "none", "lr_min": None,
        "batch_size": cfg["bs_train"], "epochs": cfg["max_epoch"], "dropout": None,
        "train_clips": "10 clips of 16 frames (I3D end to end)", "test_clips": 10,
        "loss weights": "MSE sum", "score norm": "raw (x difficulty, usingDD)"}}


MSLSTM_FACTS = {  # key: (value, pattern that must occur in train.py / dataloader.py)
    "optimizer": ("adam", r"optim\.Adam\("), "lr": (5e-4, r"lr=0\.0005"),
    "momentum": (None, r""),
    "weight_decay": (0.0, r"Adam\(params=scoring\.parameters\(\), lr=0\.0005\)"),
    "scheduler": ("none (StepLR built, step() commented out)", r"# scheduler\.step\(\)"),
    "lr_min": (None, r""), "batch_size": (128, r"batch_size=128"),
    "epochs": ("500 (x 5 restarts)", r"range\(500\)"), "dropout": ("0 (Dropout(0.7) unused)", r""),
    "train_clips": (300, r"transform\(x, 300\)"), "test_clips": ("300 (random crop)", r""),
    "loss weights": ("penalty 1", r"scoring\.loss\(logits, scores\) \+ penal"),
    "score norm": ("raw", r""),
}


def mslstm_official(path: Path) -> dict[str, dict[str, Any]]:
    text = (path / "train.py").read_text() + (path / "dataloader.py").read_text()
    row = {k: (v if not p or re.search(p, text) else f"{v} ?")
           for k, (v, p) in MSLSTM_FACTS.items()}
    return {"fisv TES/PCS (C3D)": row}


def fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _diff_table(official: dict[str, dict[str, Any]],
               pairs: dict[str, tuple[str, str, str | None, str | None]],
               only_differences: bool = False) -> str:
    """``pairs``: official row name -> (our method, dataset, subset, variant)."""
    lines = ["| official setting | ours | key | official | ours | same |",
             "|---|---|---|---|---|---|"]
    for name, (method, dataset, subset, variant) in pairs.items():
        if name not in official:
            continue
        mine = ours(method, dataset, subset, variant)
        label = f"{method}{' ' + variant if variant else ''} {dataset} {subset or ''}".strip()
        for key in KEYS:
            a, b = fmt(official[name].get(key)), fmt(mine.get(key))
            # compare the values; a parenthesised remark is a note, not part of the value
            value_a, value_b = a.split(" (")[0].strip(), b.split(" (")[0].strip()
            same = "yes" if value_a == value_b else ("-" if a == "-" else "**no**")
            if only_differences and same != "**no**":
                continue
            lines.append(f"| {name} | {label} | {key} | {a} | {b} | {same} |")
    if len(lines) == 2:
        lines.append("| (no differences) | | | | | |")
    return "\n".join(lines)


def report(paths: dict[str, Path], only_differences: bool = False) -> str:
    parts = []

    def diff_table(official: Any, pairs: Any) -> str:
        return _diff_table(official, pairs, only_differences)

    if "gdlt" in paths:
        rows = gdlt_official(paths["gdlt"])
        parts.append("### GDLT\n" + diff_table(rows, {
            f"rg {s}": ("gdlt", "rg-synth", s, None) for s in ("Ball", "Clubs", "Hoop", "Ribbon")}))
    if "cofinal" in paths:
        rows = cofinal_official(paths["cofinal"])
        pairs = {f"rg {s}": ("cofinal", "rg-synth", s, "code")
                 for s in ("Ball", "Clubs", "Hoop", "Ribbon")}
        pairs.update({f"fisv {s}": ("cofinal", "fisv-synth", s, "code") for s in ("TES", "PCS")})
        parts.append("### CoFInAl (ours: variant=code)\n" + diff_table(rows, pairs))
    if "hgcn" in paths:
        parts.append("### HGCN\n" + diff_table(hgcn_official(paths["hgcn"]), {
            "MTL-AQA (no RG/Fis-V config)": ("hgcn", "rg-synth", "Ball", None)}))
    if "mslstm" in paths:
        parts.append("### MS-LSTM\n" + diff_table(mslstm_official(paths["mslstm"]), {
            "fisv TES/PCS (C3D)": ("mslstm", "fisv-synth", "TES", None)}))
    return "\n\n".join(parts)
