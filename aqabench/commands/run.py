"""``aqabench run``: train and evaluate one method on one dataset (subset), write a record.

``--seeds 0,1,2`` (or ``0-4``) runs once per seed, one record each, then prints mean ± std over
the seeds; ``--select val`` also reports the epoch chosen on a validation split carved from the
training split (see docs/statistics.md)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table

from .. import console
from ..config import parse_overrides, parse_seeds
from ..errors import UsageError
from ..plugins import get_registry
from ..results import PROTOCOLS
from ..stats import seed_summary
from ..table_stats import constant
from .resume_option import DEFAULT_EVERY, add_resume_option

if TYPE_CHECKING:  # torch and the harness load when the command runs, not for --help
    from ..runner import RunRequest

DEFAULT_OUT = Path("runs")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("run", help="train + evaluate a method on a dataset, write a JSON record",
                       description=__doc__)
    p.add_argument("--method", required=True, help="method plugin name (see 'aqabench list')")
    p.add_argument("--dataset", required=True, help="dataset plugin name, e.g. fisv-synth")
    p.add_argument("--subset", help="subset, e.g. TES or Ball (default: the dataset's first)")
    p.add_argument("--epochs", type=int, help="override the method's epochs for this dataset")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key (repeatable), e.g. --set lr=0.001")
    p.add_argument("--seeds", metavar="SEEDS", help="run once per seed, e.g. 0,1,2 or 0-4 "
                   "(one record each; default: the config's seed, --set seed=N)")
    p.add_argument("--select", choices=["none", "val"], help="val: also choose an epoch on a "
                   "validation split carved from the training split (config key select; "
                   "size: val_fraction, default 0.2)")
    p.add_argument("--device", default="auto", help="auto (cuda if present), cpu, cuda, cuda:1")
    p.add_argument("--data-root", type=Path, help="root of a real dataset download")
    p.add_argument("--size", default="full", choices=["full", "tiny"],
                   help="synthetic twins: full size or the tiny test size")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the JSON record")
    p.add_argument("--force", action="store_true", help="replace an existing record of the "
                   "same name (by default a run refuses, naming the file and what differs)")
    p.add_argument("--save-checkpoint", nargs="?", const=True, default=None, type=Path,
                   metavar="PATH", help="keep the trained model for 'aqabench score' "
                   "(default PATH: beside the record, .pt)")
    add_resume_option(p, "OUT/.partial")
    p.set_defaults(func=main)


PROTOCOL_LABELS = {"final": "final epoch", "val": "epoch chosen on val",
                   "best": "best epoch (chosen on test)"}


def request_from_args(args: argparse.Namespace) -> RunRequest:
    from ..runner import RunRequest

    overrides = parse_overrides(args.overrides)
    if getattr(args, "select", None):
        overrides["select"] = args.select
    return RunRequest(
        method=args.method, dataset=args.dataset, subset=args.subset, epochs=args.epochs,
        overrides=overrides, device=args.device,
        data_root=args.data_root, size=args.size, out_dir=args.out,
        checkpoint=getattr(args, "save_checkpoint", None),
        force=bool(getattr(args, "force", False)),
        resume_every=getattr(args, "resume_every", DEFAULT_EVERY),
    )


def summary_table(record: dict[str, Any]) -> Table:
    ident = record["identity"]
    title = f"{ident['method']} on {ident['dataset']}" + (
        f" / {ident['subset']}" if ident.get("subset") else "")
    table = Table(title=title)
    table.add_column("protocol")
    table.add_column("epoch", justify="right")
    keys = [k for k in ("srcc", "pearson", "l2", "rl2", "aiou50", "aiou75") if k in record["final"]]
    labels = {"srcc": "SRCC", "pearson": "Pearson", "l2": "L2", "rl2": "R-ℓ2 ×100",
              "aiou50": "AIoU@0.5 %", "aiou75": "AIoU@0.75 %"}
    for key in keys:
        table.add_column(labels[key], justify="right")
    table.add_column("SRCC 95% CI", justify="right")
    for protocol in (p for p in PROTOCOLS if p in record):
        row = record[protocol]
        ci = row.get("srcc_ci")
        table.add_row(PROTOCOL_LABELS[protocol], str(row["epoch"]),
                      *(f"{row[k]:.4f}" for k in keys),
                      f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "-")
    ceiling = record["data"]["meta"].get("ceiling")
    notes = [f"seed {ident.get('seed')}"]
    if ceiling is not None:
        notes.append(f"oracle ceiling SRCC {ceiling:.4f} (noise-free vs observed scores)")
    flat = [PROTOCOL_LABELS[p] for p in PROTOCOLS if p in record and constant(record, p)]
    if flat:
        notes.append(f"{' and '.join(flat)}: one constant prediction for every test video, so "
                     "SRCC and Pearson are undefined (shown as 0)")
    table.caption = "; ".join(notes)
    return table


def seeds_table(records: list[dict[str, Any]]) -> Table:
    """Mean ± std (n seeds) of SRCC and R-ℓ2 per protocol."""
    ident = records[0]["identity"]
    seeds = ", ".join(str(r["identity"]["seed"]) for r in records)
    table = Table(title=f"{ident['method']} on {ident['dataset']}"
                  + (f" / {ident['subset']}" if ident.get("subset") else "")
                  + f": seeds {seeds}")
    for column in ("protocol", "n", "SRCC mean ± std", "R-ℓ2 ×100 mean ± std"):
        table.add_column(column, justify="left" if column == "protocol" else "right")
    for protocol in (p for p in PROTOCOLS if p in records[0]):
        cells = []
        for key in ("srcc", "rl2"):
            mean, std, n = seed_summary([r[protocol][key] for r in records])
            cells.append(f"{mean:.4f} ± {std:.4f}" if std is not None else f"{mean:.4f}")
        table.add_row(PROTOCOL_LABELS[protocol], str(len(records)), *cells)
    return table


def seeds_from_args(args: argparse.Namespace, request: RunRequest) -> list[int] | None:
    if args.seeds is None:
        return None
    if "seed" in request.overrides:
        raise UsageError("give either --seeds or --set seed=N, not both")
    seeds = parse_seeds(args.seeds)
    if len(seeds) > 1 and isinstance(request.checkpoint, Path):
        raise UsageError("--save-checkpoint PATH takes one seed; omit PATH to keep one "
                         "checkpoint per seed beside its record")
    return seeds


def main(args: argparse.Namespace) -> int:
    from ..runner import with_seed

    base = request_from_args(args)
    seeds = seeds_from_args(args, base)
    requests = [with_seed(base, seed) for seed in seeds] if seeds is not None else [base]
    records = [run_one(request, args) for request in requests]
    if len(records) > 1:
        console.out.print(seeds_table(records))
    return 0


def run_one(request: RunRequest, args: argparse.Namespace) -> dict[str, Any]:
    from ..runner import run

    registry = get_registry()
    seed = request.overrides.get("seed")
    label = f"{args.method} / {args.dataset}" + (f" seed {seed}" if seed is not None else "")
    with console.progress(transient=True) as bar:
        watch = console.RunProgress(bar, label)
        record, _, path = run(request, registry, watch.on_epoch, watch.on_start)
    console.out.print(summary_table(record))
    if path is not None:
        console.out.print(f"record: {path}")
    if request.checkpoint:
        from ..checkpoint import target_path

        console.out.print(f"checkpoint: {target_path(request.checkpoint, record, request.out_dir)}")
    return record
