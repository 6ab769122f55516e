"""``aqabench plugins``: every entry point in the ``aqabench`` group and its status.

Status: ``ok``; ``failed`` (it did not import, or a hook raised); ``error`` (it loaded, but a
lazy ``"module:attr"`` factory of one of its specs does not resolve — checked by importing the
module and looking the name up, without calling it); ``disabled`` (``--disable-plugin``). With
``--strict-plugins`` an ``error`` makes the command exit 2."""

from __future__ import annotations

import argparse
from typing import Any

from rich.markup import escape
from rich.table import Table

from .. import console
from ..errors import PluginError
from ..plugin_checks import factory_problems
from ..plugins import get_registry


def add_parser(sub: Any) -> None:
    p = sub.add_parser("plugins", help="list installed plugins (name, kind, distribution, "
                       "version, status)", description=__doc__)
    p.add_argument("--errors", action="store_true", help="print the traceback of failed plugins")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    registry = get_registry()
    problems = factory_problems(registry)
    table = Table()
    for column in ("plugin", "kind", "provides", "distribution", "version", "status"):
        table.add_column(column)
    for record in registry.plugins:
        kinds = ", ".join(sorted(record.provides)) or "-"
        provides = ", ".join(n for names in record.provides.values() for n in names) or "-"
        if record.name in problems:
            status = "[red]error[/red]: " + escape("; ".join(problems[record.name]))
        elif record.status == "failed":
            status = f"[red]failed[/red]: {escape(record.error)}"
        else:
            status = record.status
        table.add_row(record.name, kinds, provides, record.distribution, record.version, status)
    console.out.print(table)
    if args.errors:
        for record in registry.failed():
            console.out.print(f"\n[bold]{record.name}[/bold]\n{escape(record.traceback)}")
    if problems and registry.strict:
        first = next(iter(problems))
        raise PluginError(f"plugin {first!r}: {problems[first][0]}")
    return 0
