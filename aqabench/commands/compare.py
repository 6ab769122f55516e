"""``aqabench compare A B``: is A better than B beyond noise, on the same test videos?

A and B are record files, folders or globs (quote globs), one record per dataset/subset on each
side. Per shared subset: SRCC of each, ΔSRCC = A − B, its 95% paired bootstrap CI (test videos
resampled with both predictions and the label) and a two-sided bootstrap p-value; per dataset,
the same for the Fisher-z mean over its subsets. See docs/statistics.md.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rich.table import Table as RichTable

from .. import console, stats
from ..compare import ComparisonRow, compare, resolve
from ..errors import UsageError
from ..results import PROTOCOLS
from ..tables import Column, Row, Table, render

FORMATS = ("rich", "markdown", "latex")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("compare", help="paired bootstrap test of two runs on the same videos",
                       description=__doc__)
    p.add_argument("a", metavar="RECORD_OR_GLOB_A", help="record, folder or quoted glob")
    p.add_argument("b", metavar="RECORD_OR_GLOB_B", help="record, folder or quoted glob")
    p.add_argument("--protocol", default="final", choices=PROTOCOLS,
                   help="whose predictions: final epoch, val-chosen epoch or best-on-test")
    p.add_argument("--n-resamples", type=int, default=stats.N_RESAMPLES,
                   help=f"bootstrap resamples (default {stats.N_RESAMPLES})")
    p.add_argument("--seed", type=int, default=stats.CI_SEED, help="bootstrap seed")
    p.add_argument("--format", default="rich", choices=FORMATS)
    p.set_defaults(func=main)


HEADERS = ("videos", "SRCC A", "SRCC B", "ΔSRCC", "CI low", "CI high", "p")


def as_table(rows: list[ComparisonRow], a: str, b: str, protocol: str, n_resamples: int,
             seed: int) -> Table:
    columns = [Column(h, 0 if h == "videos" else 4, None) for h in HEADERS]
    body = [Row([row.label], [row.result.n, row.result.a, row.result.b, row.result.delta,
                              row.result.low, row.result.high, row.result.p_value])
            for row in rows]
    caption = [f"A = {a}; B = {b}; protocol: {protocol}.",
               f"ΔSRCC = SRCC(A) - SRCC(B) on the same test videos (matched by id); 95% paired "
               f"bootstrap CI (percentile, {n_resamples} resamples, seed {seed}) and two-sided "
               f"bootstrap p-value of Δ = 0; Fisher-z rows pool a dataset's subsets (each "
               f"resampled on its own).",
               f"significant at p < {stats.ALPHA}: "
               + (", ".join(r.label for r in rows if r.result.p_value < stats.ALPHA) or "none")]
    return Table("compare", "Paired comparison: A vs B", ["subset"], columns, body, caption)


def to_rich(table: Table) -> RichTable:
    out = RichTable(title=table.title, caption="\n".join(table.caption))
    for label in table.label_columns:
        out.add_column(label)
    for column in table.columns:
        out.add_column(column.label, justify="right")
    for row in table.rows:
        out.add_row(*row.labels, *(table.text(row, j) for j in range(len(table.columns))))
    return out


def main(args: argparse.Namespace) -> int:
    if args.n_resamples < 100:
        raise UsageError(f"--n-resamples must be at least 100, got {args.n_resamples}")
    rows = compare(resolve(args.a), resolve(args.b), args.protocol, args.n_resamples,
                   args.seed, args.a, args.b)
    table = as_table(rows, args.a, args.b, args.protocol, args.n_resamples, args.seed)
    if args.format == "rich":
        console.out.print(to_rich(table))
    else:
        sys.stdout.write(render(table, args.format))
    return 0
