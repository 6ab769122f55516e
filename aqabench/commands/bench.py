"""``aqabench bench --suite NAME``: run a benchmark suite (resumable; current cells skipped).

Records go to ``--out`` (default ``runs/<suite name>/``, a scratch folder beside ``aqabench
run``'s ``runs/``); the committed leaderboard is written only when asked for:
``--out leaderboards/results``. ``--force`` reruns current cells and replaces records of the
same name that hold a different run."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table

from .. import console
from ..plugins import get_registry

if TYPE_CHECKING:  # torch and the harness load when the command runs, not for --help
    from ..bench import CellOutcome

DEFAULT_OUT = Path("runs")  # + the suite name


def add_parser(sub: Any) -> None:
    p = sub.add_parser("bench", help="run a benchmark suite (ci, paper, or a JSON file)",
                       description=__doc__)
    p.add_argument("--suite", default="ci", help="suite name (aqabench/suites/) or a .json path")
    p.add_argument("--only", nargs="+", metavar="PATTERN",
                   help="only cells matching these globs, e.g. 'gdlt *' or '*rg-synth/Ball'")
    p.add_argument("--force", action="store_true", help="rerun cells whose record is current "
                   "and replace records of the same name that hold a different run")
    p.add_argument("--out", type=Path, help="folder of result records (default: "
                   f"{DEFAULT_OUT}/SUITE; the leaderboard: --out leaderboards/results)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, ...")
    p.add_argument("--list", action="store_true", help="list the suite's cells and exit")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from ..bench import Suite, run_suite

    registry = get_registry()
    suite = Suite.load(args.suite)
    out = args.out if args.out is not None else DEFAULT_OUT / suite.name.replace("/", "-")
    if args.list:
        for cell in suite.expand(registry, args.only):
            console.out.print(cell.label, {**suite.defaults, **cell.overrides})
        return 0
    total = len(suite.expand(registry, args.only))
    table = Table(title=f"suite {suite.name}")
    for column in ("cell", "status", "final SRCC", "best SRCC (epoch)", "seconds"):
        table.add_column(column)
    started = time.perf_counter()
    with console.progress() as bar:
        task = bar.add_task(f"suite {suite.name}", total=total, status="")
        running: list[console.RunProgress] = []

        def on_run(cell: Any) -> tuple[Any, Any]:
            running.append(console.RunProgress(bar, cell.label))
            return running[-1].on_epoch, running[-1].on_start

        def on_cell(number: int, count: int, outcome: CellOutcome) -> None:
            rec = outcome.record or {}
            final, best = rec.get("final", {}), rec.get("best", {})
            line = (f"[{number}/{count}] {outcome.cell.label}: {outcome.status}, final SRCC "
                    f"{final.get('srcc', float('nan')):.3f}, best {best.get('srcc', 0):.3f} "
                    f"@ {best.get('epoch', '-')}, {outcome.seconds:.1f} s")
            while running:
                running.pop().done()
            console.err.print(line)
            bar.update(task, advance=1, status=outcome.cell.label)
            table.add_row(outcome.cell.label, outcome.status, f"{final.get('srcc', 0):.3f}",
                          f"{best.get('srcc', 0):.3f} ({best.get('epoch', '-')})",
                          f"{outcome.seconds:.1f}")

        outcomes = list(run_suite(suite, registry, out, args.only, args.force,
                                  args.device, on_cell, on_run))
    wall = time.perf_counter() - started
    console.out.print(table)
    ran = sum(o.status == "ran" for o in outcomes)
    console.out.print(f"suite {suite.name}: {len(outcomes)} cells, {ran} ran, "
                      f"{len(outcomes) - ran} skipped, wall time {wall:.1f} s "
                      f"({wall / 60:.1f} min); records in {out}")
    return 0
