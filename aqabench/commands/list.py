"""``aqabench list [methods|datasets|backbones]``: what is registered, one line each."""

from __future__ import annotations

import argparse
from typing import Any

from rich.markup import escape
from rich.table import Table

from .. import console
from ..plugins import Registry, get_registry
from ..specs import MethodSpec, unsupported

KIND_OF = {"methods": "method", "datasets": "dataset", "backbones": "backbone"}


def add_parser(sub: Any) -> None:
    p = sub.add_parser("list", help="list registered methods, datasets and backbones",
                       description=__doc__)
    p.add_argument("what", nargs="?", choices=sorted(KIND_OF), help="only this kind")
    p.set_defaults(func=main)


def describe(kind: str, spec: Any) -> str:
    if kind == "dataset":
        subsets = f" (subsets: {', '.join(spec.subsets)})" if spec.subsets else ""
        return f"{spec.description}{subsets}" + (" (synthetic)" if spec.synthetic else "")
    if kind == "backbone":
        dim = f"{spec.feature_dim}-d" if spec.feature_dim else "any dim"
        clips = f"{spec.clip_len}-frame clips" if spec.clip_len else "any clip length"
        return f"{spec.description} ({dim}, {clips})"
    return spec.paper or spec.description


def runs_on(method: MethodSpec, registry: Registry) -> str:
    """The registered datasets ``method`` can run on ("any" when it is all of them)."""
    names = registry.catalog("dataset").names()
    ok = [n for n in names if unsupported(method, registry.catalog("dataset").specs[n]) is None]
    return "any" if len(ok) == len(names) else ", ".join(ok) or "none registered"


def main(args: argparse.Namespace) -> int:
    registry = get_registry()
    for plural, kind in KIND_OF.items():
        if args.what and args.what != plural:
            continue
        catalog = registry.catalog(kind)
        table = Table(title=plural, title_justify="left")
        table.add_column("name", style="bold")
        table.add_column("plugin")
        table.add_column("description")
        if kind == "method":
            table.add_column("datasets")
        if kind == "dataset":
            table.add_column("provides")
        for name in catalog.names():
            row = [name, catalog.owner[name].name, escape(describe(kind, catalog.specs[name]))]
            if kind == "method":
                row.append(escape(runs_on(catalog.specs[name], registry)))
            if kind == "dataset":
                row.append(", ".join(sorted(catalog.specs[name].provides)) or "-")
            table.add_row(*row)
        console.out.print(table)
    return 0
