"""``aqabench leaderboard build [--check]``: regenerate leaderboards/ from the records.

Writes ``leaderboards/README.md``, ``leaderboards/tables/*.md|.tex`` and, when matplotlib is
installed, the bar charts ``leaderboards/figures/srcc-<dataset>.png`` the README links. With
``--check`` nothing is written: the command fails (exit 1), naming each table and its first
differing cell, when the committed files differ from what the records produce (figures are
not compared: their bytes depend on the matplotlib version).
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
    p.add_argument("action", choices=["build"], help="build the leaderboard files")
    p.add_argument("--check", action="store_true",
                   help="write nothing; fail if the committed files differ from the records")
    p.add_argument("--root", type=Path, default=DEFAULT_ROOT,
                   help="leaderboards folder (results/, profiles/ inside)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from .. import figures
    from ..leaderboard import board_inputs, check, render_all, write_all

    files = render_all(args.root)
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
    print(f"leaderboards: drew {len(drawn)} figures under {args.root / 'figures'}")
    return 0
