"""``aqabench run``: train and evaluate one method on one dataset (subset), write a record."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.table import Table

from .. import console
from ..config import parse_overrides
from ..plugins import get_registry
from ..runner import RunRequest, run

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
    p.add_argument("--device", default="auto", help="auto (cuda if present), cpu, cuda, cuda:1")
    p.add_argument("--data-root", type=Path, help="root of a real dataset download")
    p.add_argument("--size", default="full", choices=["full", "tiny"],
                   help="synthetic twins: full size or the tiny test size")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the JSON record")
    p.add_argument("--save-checkpoint", nargs="?", const=True, default=None, type=Path,
                   metavar="PATH", help="keep the trained model for 'aqabench score' "
                   "(default PATH: beside the record, .pt)")
    p.set_defaults(func=main)


def request_from_args(args: argparse.Namespace) -> RunRequest:
    return RunRequest(
        method=args.method, dataset=args.dataset, subset=args.subset, epochs=args.epochs,
        overrides=parse_overrides(args.overrides), device=args.device,
        data_root=args.data_root, size=args.size, out_dir=args.out,
        checkpoint=getattr(args, "save_checkpoint", None),
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
    for protocol, label in (("final", "final epoch"), ("best", "best epoch (chosen on test)")):
        row = record[protocol]
        table.add_row(label, str(row["epoch"]), *(f"{row[k]:.4f}" for k in keys))
    ceiling = record["data"]["meta"].get("ceiling")
    if ceiling is not None:
        table.caption = f"oracle ceiling SRCC {ceiling:.4f} (noise-free vs observed scores)"
    return table


def main(args: argparse.Namespace) -> int:
    request = request_from_args(args)
    registry = get_registry()
    with console.progress(transient=True) as bar:
        task = bar.add_task(f"{args.method} / {args.dataset}", total=None, status="loading")

        def on_epoch(row: dict[str, Any]) -> None:
            bar.update(task, advance=1, status=f"loss {row.get('train_loss', float('nan')):.4f}"
                       f"  test SRCC {row['test_srcc']:.3f}")

        def on_start(config: dict[str, Any]) -> None:
            bar.update(task, total=config["epochs"], status="training")

        record, _, path = run(request, registry, on_epoch, on_start)
    console.out.print(summary_table(record))
    if path is not None:
        console.out.print(f"record: {path}")
    if request.checkpoint:
        from ..checkpoint import target_path

        console.out.print(f"checkpoint: {target_path(request.checkpoint, record, request.out_dir)}")
    return 0
