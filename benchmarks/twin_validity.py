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
    aqabench bench --suite validity-irregular-seeds --out leaderboards/validity-irregular
    python benchmarks/twin_validity.py leaderboards/validity-irregular --cofinal code
    python benchmarks/twin_validity.py leaderboards/validity-irregular \
        leaderboards/validity-unseen-irregular leaderboards/validity-irregular-cofinal \
        leaderboards/validity-irregular-s6 --leave-out weight_decay=0.0001  # + Tab. 3 / S6

The ablation reading (Tab. 3 on RG, Tab. S6 on Fis-V: :mod:`aqabench.validity_ablations`) is
printed for every subset with CoFInAl ablation records. ``--leave-out CHANGED`` drops the
records whose ``identity.changed`` is CHANGED: a run that differs only in a harness key (the
code's weight decay in ``validity-irregular-cofinal``) has no setting of its own and would
otherwise stand in the paper model's cell beside its "Ours" record (refused, naming both).

CoFInAl's published rows are its paper model's records by default (``variant=paper``; the code
variant is shown beside, unranked); ``--cofinal code`` puts its ``variant=code`` records there
instead (the paper model beside), to measure which of the two the published order supports.

Each report ends with the τ a perfect twin and a chance twin would show under the records' own
noise (:mod:`aqabench.validity_power`); ``--test-factor F --seeds K [--seed-std S]`` adds the bands
for F times as many test videos and K seeds a cell (S: the seed noise to assume where the
records have one seed each), to size a validity run before it is spent.

The logic lives in :mod:`aqabench.validity`; the leaderboard README shows the same report.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from aqabench.results import load_records
from aqabench.validity import COFINAL_VARIANTS, report
from aqabench.validity_power import describe, power


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("records", nargs="+", type=Path, help="record files or folders")
    parser.add_argument("--protocol", choices=("final", "best"), default="final")
    parser.add_argument("--cofinal", choices=COFINAL_VARIANTS, default="paper",
                        help="the CoFInAl variant in its published rows (default: the paper "
                             "model; the other is shown beside, not ranked)")
    parser.add_argument("--test-factor", type=float, default=None, metavar="F",
                        help="also the noise bands for F times as many test videos")
    parser.add_argument("--seeds", type=int, default=None, metavar="K",
                        help="with --test-factor: K seeds a cell (default: each cell's own)")
    parser.add_argument("--seed-std", type=float, default=None, metavar="S",
                        help="with --test-factor: the seed noise in Fisher z (default: pooled "
                             "over the records' cells with >= 2 seeds)")
    parser.add_argument("--leave-out", action="append", default=[], metavar="CHANGED",
                        help="drop the records whose identity.changed is CHANGED (repeatable)")
    args = parser.parse_args()
    if args.test_factor is not None and args.test_factor <= 0:
        parser.error(f"--test-factor must be positive, got {args.test_factor}")
    if args.seeds is not None and args.seeds < 1:
        parser.error(f"--seeds must be at least 1, got {args.seeds}")
    records = [r for r in load_records(args.records)
               if r["identity"].get("changed") not in args.leave_out]
    print("\n".join(report(records, args.protocol, args.cofinal)))
    if args.test_factor is not None:
        bands = power(records, args.protocol, args.test_factor, args.seeds, args.seed_std,
                      cofinal=args.cofinal)
        if bands is not None:
            print("\n".join(describe(bands)))


if __name__ == "__main__":
    main()
