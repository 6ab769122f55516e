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
from .resume_option import add_resume_option

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
    p.add_argument("--seeds", metavar="SEEDS",
                   help="the suite's seeds, e.g. 0-4 or 0,1,2 (a cell's own seeds list wins)")
    p.add_argument("--out", type=Path, help="folder of result records (default: "
                   f"{DEFAULT_OUT}/SUITE; the leaderboard: --out leaderboards/results)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, ...")
    p.add_argument("--list", action="store_true", help="list the suite's cells and exit")
    p.add_argument("--data-root", type=Path, default=None, metavar="DIR",
                   help="root of a real dataset (must exist on every node with --executor ray)")
    add_resume_option(p, "OUT/.partial (a killed suite resumes inside its unfinished cells)")
    engine = p.add_argument_group("executor", "where the cells run (docs/distributed.md)")
    engine.add_argument("--executor", choices=("local", "ray"), default="local",
                        help="local: one after the other here (default); ray: one Ray task each")
    engine.add_argument("--address", default=None, metavar="auto|HOST:PORT",
                        help="ray: join this cluster (default: start a local Ray)")
    engine.add_argument("--cpus-per-cell", type=positive_int, default=None, metavar="N",
                        help="CPUs per cell and the torch threads it is fixed to (ray default 1; "
                             "local default: torch's own)")
    engine.add_argument("--gpus-per-cell", type=float, default=0.0, metavar="F",
                        help="ray: GPUs per cell, fractions allowed (default 0)")
    engine.add_argument("--max-retries", type=int, default=2, metavar="N",
                        help="ray: reruns of a cell whose worker died (default 2)")
    p.set_defaults(func=main)


def positive_int(text: str) -> int:
    """An integer of at least 1 (argparse type)."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(args: argparse.Namespace) -> int:
    from ..bench import Suite, run_suite
    from ..config import parse_seeds
    from ..executors import make_executor

    registry = get_registry()
    suite = Suite.load(args.suite)
    out = args.out if args.out is not None else DEFAULT_OUT / suite.name.replace("/", "-")
    if args.seeds is not None:
        suite.seeds = parse_seeds(args.seeds)
    if args.list:
        for cell in suite.expand(registry, args.only):
            console.out.print(cell.label, {**suite.defaults, **cell.overrides})
        return 0
    executor = make_executor(args.executor, args.address, args.cpus_per_cell,
                             args.gpus_per_cell, args.max_retries)
    if args.executor == "ray":
        from ..executors.ray_executor import import_ray

        import_ray()  # a missing Ray is one line before anything runs
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
            if outcome.status == "failed":
                line = f"[{number}/{count}] {outcome.cell.label}: failed: {outcome.error}"
            while running:
                running.pop().done()
            console.err.print(line, markup=False)
            bar.update(task, advance=1, status=outcome.cell.label)
            scores = (f"{final['srcc']:.3f}", f"{best['srcc']:.3f} ({best['epoch']})") \
                if outcome.record else ("-", "-")
            table.add_row(outcome.cell.label, outcome.status, *scores, f"{outcome.seconds:.1f}")

        outcomes = list(run_suite(suite, registry, out, args.only, args.force,
                                  args.device, on_cell, on_run, executor, args.data_root,
                                  args.resume_every))
    wall = time.perf_counter() - started
    console.out.print(table)
    counts = {s: sum(o.status == s for o in outcomes) for s in ("ran", "skipped", "failed")}
    console.out.print(f"suite {suite.name}: {len(outcomes)} cells, {counts['ran']} ran, "
                      f"{counts['skipped']} skipped, {counts['failed']} failed, wall time "
                      f"{wall:.1f} s ({wall / 60:.1f} min); records in {out}")
    for outcome in (o for o in outcomes if o.status == "failed"):
        console.err.print(f"aqabench: error: cell {outcome.cell.label} failed: {outcome.error}",
                          markup=False)
    return 1 if counts["failed"] else 0
