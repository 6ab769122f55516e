"""What a result record is in a paper table: its method label, its setting ("Ours" or an
ablation), its dataset family, and which twin it ran on (rows of different twins are kept
apart and ranked apart). Used by :mod:`aqabench.table_layouts`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .config import BASE_CONFIG
from .errors import AqabenchError
from .plugins import get_registry
from .specs import dataset_family

#: ``(method, dataset, subset, variant) -> defaults`` (None: the method is not installed)
DefaultsFn = Callable[[str, str, str | None, str | None], dict[str, Any] | None]


def registry_defaults(method: str, dataset: str, subset: str | None,
                      variant: str | None = None) -> dict[str, Any] | None:
    """The installed method's defaults for that dataset and variant (a variant can carry its
    own protocol: CoFInAl's ``variant=code``), None when the method is not installed: the
    :data:`DefaultsFn` of ``aqabench table`` and of the leaderboard."""
    from .runner import method_defaults  # imported here: the runner imports torch

    try:
        return method_defaults(get_registry().method(method), dataset, subset, variant)
    except AqabenchError:
        return None


DISPLAY = {"gdlt": "GDLT", "cofinal": "CoFInAl", "hgcn": "HGCN", "mslstm": "MS-LSTM",
           "mcore": "MCoRe", "core": "CoRe", "tsa": "TSA", "usdl": "USDL", "musdl": "MUSDL",
           "ridge": "Ridge", "oracle": "Oracle ceiling"}


#: switches whose row in the papers' tables is not their key upper-cased (CoFInAl Tab. 3 / S6:
#: "w/o L_R", ``use_lr`` drops the graph regulariser L_R)
SWITCH_NAMES = {"use_lr": "L_R"}


def switch_label(key: str) -> str:
    """The row of a ``use_x = false`` ablation: ``"w/o GPM"``, ``"w/o L_R"``."""
    return f"w/o {SWITCH_NAMES.get(key, key.removeprefix('use_').upper())}"


def family(dataset: str) -> tuple[str, bool]:
    """``"rg-synth" -> ("rg", True)``; ``"fis-v" -> ("fisv", False)``; a twin variant is its
    real set's twin: ``"fisv-synth-irregular" -> ("fisv", True)`` (:func:`twin_variant`
    keeps its rows apart: :func:`twin_kind`)."""
    return dataset_family(dataset), "-synth" in dataset.lower()


def twin_variant(dataset: str) -> str:
    """``"rg-synth-irregular" -> "irregular"``; ``""`` for a default twin or real data."""
    return dataset.lower().partition("-synth")[2].lstrip("-")


def own_setting(identity: dict[str, Any]) -> str | None:
    """A record's ``identity.setting`` beyond its variant: a variant's own defaults record the
    variant as their setting (``variant="code"``), which :func:`method_label` already shows."""
    setting = identity.get("setting")
    return None if setting == f'variant="{identity.get("variant")}"' else setting


def method_label(record: dict[str, Any]) -> str:
    ident = record["identity"]
    label = DISPLAY.get(ident["method"], ident["method"])
    return label + (f" ({ident['variant']})" if ident.get("variant") else "")


def setting_of(record: dict[str, Any], defaults: DefaultsFn | None) -> str:
    """"Ours" or the ablation this record ran (see the module docstring)."""
    ident, config = record["identity"], record["provenance"].get("config", {})
    numerics = set(ident.get("numerics") or ())  # same maths (MethodSpec.numerics)
    config = {k: v for k, v in config.items() if k not in numerics}
    base = (defaults(ident["method"], ident["dataset"], ident.get("subset"), ident.get("variant"))
            if defaults else None)
    if base is not None:
        changed = {k: v for k, v in config.items()
                   if k not in BASE_CONFIG and k != "variant" and base.get(k, v) != v}
    else:  # the method is not installed: fall back on the command line's --set items
        argv = record["provenance"].get("argv") or []
        pairs = [argv[i + 1].partition("=") for i, a in enumerate(argv[:-1]) if a == "--set"]
        changed = {k: v for k, _, v in pairs
                   if k not in BASE_CONFIG and k != "variant" and k not in numerics}
    parts = [switch_label(k) if v in (False, "false") and k.startswith("use_") else f"{k}={v}"
             for k, v in sorted(changed.items())]
    return ", ".join(parts) or "Ours"


def ablation_label(record: dict[str, Any], defaults: DefaultsFn | None) -> str:
    """An ablation table's row label: the record's setting (:func:`setting_of`), with its
    variant named when it is not the method's default one (``"Ours (code)"``: the official
    code's model at its own defaults is not the paper model's "Ours")."""
    label = setting_of(record, defaults)
    ident = record["identity"]
    variant = ident.get("variant")
    base = (defaults(ident["method"], ident["dataset"], ident.get("subset"), None)
            if defaults and variant else None)
    if base is not None and base.get("variant") not in (None, variant):
        label += f" ({variant})"
    return label


def numerics_of(record: dict[str, Any]) -> list[str]:
    """``["tfm_form=absorbed"]``: the record's numerics keys (MethodSpec.numerics) and values."""
    config = record["provenance"].get("config", {})
    return [f"{k}={config.get(k)}" for k in record["identity"].get("numerics") or ()]


def twin_size(record: dict[str, Any]) -> str:
    """A record's twin size: ``"full"`` (real data too) or ``"tiny"``."""
    return str(record["identity"].get("size") or "full")


def twin_kind(record: dict[str, Any]) -> str:
    """Which twin a record ran on, as far as a table must keep rows apart: ``"full"`` (the
    default twin at full size, or real data), ``"tiny"``, a twin variant (``"irregular"`` for
    ``rg-synth-irregular``), or both (``"irregular tiny"``)."""
    size = twin_size(record)
    parts = [twin_variant(record["identity"]["dataset"])] + ([size] if size != "full" else [])
    return " ".join(p for p in parts if p) or "full"


def size_mark(label: str, size: str) -> str:
    """A row's first label with its twin kind (:func:`twin_kind`) marked: ``"MCoRe (tiny
    twin)"``; inside a label's own parenthesis: ``"CoFInAl (code; irregular twin)"``."""
    if size == "full":
        return label
    if label.endswith(")"):
        return f"{label[:-1]}; {size} twin)"
    return f"{label} ({size} twin)"


def scope_of(synthetic: bool, size: str) -> str:
    """The ranking scope of a reproduced row: real data, the default full-size twin, or another
    twin kind (:func:`twin_kind`: a smaller twin, a twin variant); numbers of different twins
    are never ranked together."""
    if not synthetic:
        return "real"
    return "synthetic" if size == "full" else f"synthetic-{size}"
