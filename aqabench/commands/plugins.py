"""``aqabench plugins``: every entry point in the ``aqabench`` group and its status."""

from __future__ import annotations

import argparse
from typing import Any

from rich.table import Table

from .. import console
from ..plugins import get_registry


def add_parser(sub: Any) -> None:
    p = sub.add_parser("plugins", help="list installed plugins (name, kind, distribution, "
                       "version, status)", description=__doc__)
    p.add_argument("--errors", action="store_true", help="print the traceback of failed plugins")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    registry = get_registry()
    table = Table()
    for column in ("plugin", "kind", "provides", "distribution", "version", "status"):
        table.add_column(column)
    for record in registry.plugins:
        kinds = ", ".join(sorted(record.provides)) or "-"
        provides = ", ".join(n for names in record.provides.values() for n in names) or "-"
        status = "ok" if record.ok else f"[red]failed[/red]: {record.error}"
        table.add_row(record.name, kinds, provides, record.distribution, record.version, status)
    console.out.print(table)
    if args.errors:
        for record in registry.failed():
            console.out.print(f"\n[bold]{record.name}[/bold]\n{record.traceback}", markup=True)
    return 0
