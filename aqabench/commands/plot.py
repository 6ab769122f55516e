"""``aqabench plot RECORDS...``: figures of run records (or folders of them).

Per record: ``<stem>__scatter`` (test predictions vs labels, SRCC in the title) and
``<stem>__curves`` (train loss and test SRCC over the epochs, final and best epochs marked);
per dataset: ``srcc-<dataset>`` (SRCC per method for each subset; error bars: std over seeds,
or one seed's 95% bootstrap CI). PNG or PDF, under ``--out``. Needs matplotlib
(``pip install 'aqabench[plot]'``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .. import figures
from ..errors import UsageError
from ..results import PROTOCOLS
from ..table_layouts import load_inputs

DEFAULT_OUT = Path("figures")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("plot", help="figures of run records (scatter, curves, bar charts)",
                       description=__doc__)
    p.add_argument("records", nargs="+", type=Path, metavar="RECORD_OR_DIR",
                   help="run records or folders of them")
    p.add_argument("--kind", action="append", choices=figures.KINDS,
                   help="which figures (repeatable; default: all three)")
    p.add_argument("--protocol", default="final", choices=PROTOCOLS,
                   help="which epoch's predictions and SRCC: final, val or best")
    p.add_argument("--format", default="png", choices=figures.FORMATS)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the figures")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    for path in args.records:
        if not path.exists():
            raise UsageError(f"no such record file or folder: {path}")
    records, _ = load_inputs(args.records)
    if not records:
        raise UsageError(f"no run records in {', '.join(map(str, args.records))}")
    figures.pyplot()  # the one-line hint before any work when matplotlib is missing
    kinds = args.kind or list(figures.KINDS)
    written = []
    for record in records:
        stem = args.out / figures.stem_of(record)
        if "scatter" in kinds:
            written.append(figures.draw_scatter(record, Path(f"{stem}__scatter"), args.format,
                                                args.protocol))
        if "curves" in kinds:
            written.append(figures.draw_curves(record, Path(f"{stem}__curves"), args.format))
    if "bars" in kinds:
        written += figures.draw_board(records, args.out, args.format, args.protocol)
    for path in written:
        print(f"figure: {path}", file=sys.stderr)
    print(f"plot: {len(written)} figures under {args.out}")
    return 0
