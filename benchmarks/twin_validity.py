"""Twin validity: does the synthetic twin rank the paper methods the way real features do?

Reads the records of the ``validity`` suite (``aqabench bench --suite validity --out DIR``: the
paper methods at their papers' protocols on RG Ball, RG Hoop and Fis-V TES, seed 0; CoFInAl's
ablations on RG Ball) and compares them with the published VST rows of CoFInAl Tab. 1 and the
ablation rows of Tab. 3 (``aqabench/reported/``). It prints, per subset, each method's
twin SRCC (final epoch, and best epoch chosen on test as the papers do) beside the published
one and the difference, whether it beats the ``ridge`` floor, and Kendall's τ between the twin's
order and the published order (per subset, and over every within-subset pair pooled); a cell
with several seeds is their mean, and its pairs are tested over seeds. The twin
was calibrated on ``ridge`` alone (``benchmarks/calibrate_twins.py``); nothing here was tuned.

    aqabench bench --suite validity --out leaderboards/validity   # resumable, ~1.5 h, 2 cores
    python benchmarks/twin_validity.py leaderboards/validity [--protocol final|best]
    aqabench bench --suite validity-seeds --out leaderboards/validity   # RG Ball, Hoop: seeds 1-2
    aqabench bench --suite validity-unseen --out leaderboards/validity-unseen --executor ray
    python benchmarks/twin_validity.py leaderboards/validity-unseen  # Clubs, Ribbon, PCS
    python benchmarks/twin_validity.py leaderboards/validity leaderboards/validity-unseen  # all

The logic lives in :mod:`aqabench.validity`; the leaderboard README shows the same report.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from aqabench.results import load_records
from aqabench.validity import report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("records", nargs="+", type=Path, help="record files or folders")
    parser.add_argument("--protocol", choices=("final", "best"), default="final")
    args = parser.parse_args()
    print("\n".join(report(load_records(args.records), args.protocol)))


if __name__ == "__main__":
    main()
