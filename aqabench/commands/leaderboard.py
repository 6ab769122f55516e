"""``aqabench leaderboard build [--check]``: regenerate leaderboards/ from the records;
``aqabench leaderboard migrate [--check]``: rename the records to their current names.

Writes ``leaderboards/README.md``, ``leaderboards/tables/*.md|.tex`` and, when matplotlib is
installed, the bar charts ``leaderboards/figures/srcc-<dataset>.png`` the README links. With
``--check`` nothing is written: the command fails (exit 1), naming each table and its first
differing cell, when the committed files differ from what the records produce (figures are
not compared: their bytes depend on the matplotlib version).

``migrate`` renames every record under ``results/`` and ``validity/`` whose file name is not
the one its identity gives now (after a change of the naming, :mod:`aqabench.identity`); the
contents are unchanged (``git add -A leaderboards`` records renames). With ``--check`` it
renames nothing and fails (exit 1) when a record would be renamed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

DEFAULT_ROOT = Path("leaderboards")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("leaderboard", help="regenerate (or --check) the leaderboards",
                       description=__doc__)
    p.add_argument("action", choices=["build", "migrate"],
                   help="build the leaderboard files, or migrate the record names")
    p.add_argument("--check", action="store_true",
                   help="write nothing; fail if the committed files differ from the records "
                   "(migrate: if a record would be renamed)")
    p.add_argument("--root", type=Path, default=DEFAULT_ROOT,
                   help="leaderboards folder (results/, profiles/ inside)")
    p.set_defaults(func=main)


def migrate(args: argparse.Namespace) -> int:
    from ..migrate import RECORD_FOLDERS, apply, renames
    from ..plugins import get_registry

    folders = [args.root / name for name in RECORD_FOLDERS if (args.root / name).is_dir()]
    moves = renames(folders, get_registry())
    for old, new in moves:
        print(f"{old} -> {new.name}")
    if args.check:
        if moves:
            print(f"{len(moves)} records have old names: run 'aqabench leaderboard migrate'",
                  file=sys.stderr)
            return 1
        print(f"records: every name under {args.root} is current")
        return 0
    apply(moves)
    print(f"records: renamed {len(moves)} under {args.root} (contents unchanged)")
    return 0


def main(args: argparse.Namespace) -> int:
    from .. import figures

    if args.action == "migrate":
        return migrate(args)
    from ..leaderboard import board_inputs, check, render_all, write_all
    from ..leaderboard_tables import TABLES
    from ..leaderboard_validity import draw_validity_bands, validity_folders

    validity = validity_folders(args.root)  # the README and the band figures share them
    files = render_all(args.root, validity=validity)
    if args.check:
        problems = check(files)
        for problem in problems:
            print(f"leaderboard out of date: {problem}", file=sys.stderr)
        if problems:
            print("run 'aqabench leaderboard build' and commit the result", file=sys.stderr)
            return 1
        print(f"leaderboards: {len(files)} files match the records")
        return 0
    write_all(files)
    print(f"leaderboards: wrote {len(files)} files under {args.root}")
    if not figures.has_matplotlib():
        print(f"leaderboards: no figures ({figures.HINT})", file=sys.stderr)
        return 0
    drawn = figures.draw_board(board_inputs(args.root)[0], args.root / "figures")
    for spec in TABLES:  # the committed suites' tables that carry bar charts of their own
        if spec.figures and spec.available(args.root):
            records = board_inputs(args.root, *spec.source)[0]
            drawn += figures.draw_board(records, args.root / "figures")
    drawn += draw_validity_bands(args.root, validity)
    print(f"leaderboards: drew {len(drawn)} figures under {args.root / 'figures'}")
    return 0
