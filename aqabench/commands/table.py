"""``aqabench table``: a paper's table from result records and the papers' reported numbers.

Layouts: cofinal-tab1 (RG + Fis-V SRCC), cofinal-tab2 (FLOPs / params / latency; reads run
records' profiles and ``aqabench profile --out`` files), cofinal-tab3 / cofinal-tabS6 (CoFInAl
ablations), mcore-finediving (SRCC, R-ℓ2, AIoU). Reproduced rows are marked †; the caption says
which protocol they use.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..results import PROTOCOLS, write_json_atomic
from ..table_labels import registry_defaults
from ..table_layouts import LAYOUTS, build_table, load_inputs
from ..tables import FORMATS, REPORTED_DIR, render


def add_parser(sub: Any) -> None:
    p = sub.add_parser("table", help="render a paper's table (markdown or LaTeX)",
                       description=__doc__)
    p.add_argument("records", nargs="*", type=Path, metavar="RECORD_DIRS",
                   help="run records / profile files or folders of them (none: reported only)")
    p.add_argument("--layout", required=True, choices=LAYOUTS)
    p.add_argument("--format", default="markdown", choices=FORMATS)
    p.add_argument("--protocol", default="final", choices=PROTOCOLS,
                   help="which epoch of reproduced runs: final (honest), val (chosen on a "
                   "validation split; runs with --select val) or best (chosen on test)")
    p.add_argument("--reported", type=Path, default=REPORTED_DIR,
                   help="folder of the papers' numbers (default: the packaged aqabench/reported)")
    p.add_argument("--out", type=Path, help="write the table to this file instead of stdout")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    for path in args.records:
        if not path.exists():
            raise UsageError(f"no such record file or folder: {path}")
    records, profiles = load_inputs(args.records)
    table = build_table(args.layout, records, profiles, args.protocol, registry_defaults,
                        args.reported)
    text = render(table, args.format)
    if args.out is not None:
        write_json_atomic(text, args.out)  # atomic text write (the helper writes any string)
        print(f"table: {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
