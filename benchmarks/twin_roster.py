"""Who performs where, real and twin: Fis-V's athletes and events against the routine twins'.

Real figures come from Fis-V's own metadata (``data/fs_dataset.csv``, ``train_dataset.txt``,
``test_dataset.txt`` in chmxu/MS_LSTM; not redistributed here: pass ``--real DIR`` holding them
to recompute, else the figures measured from them on 2026-12-02 are printed). Twin figures come
from the Fis-V twin's labels and roster (scores only, no features, no method), averaged over
``--replicates`` populations of 500 programmes (400 train, 100 test) drawn from streams of their
own. ``--fit`` grid-searches the twin's ``skill_shares`` (athlete, event) so that its
between-skater and between-event shares of TES and PCS match the real ones; the two identity
predictors (a test programme scored by its skater's / event's mean training score) are not
fitted and serve as the check.

    python benchmarks/twin_roster.py                 # real vs twin, side by side
    python benchmarks/twin_roster.py --fit           # refit skill_shares
    python benchmarks/twin_roster.py --real /tmp/MS_LSTM/data
"""

from __future__ import annotations

import argparse
import csv
from dataclasses import replace
from pathlib import Path

import numpy as np
from tabulate import tabulate

from aqabench_datasets import twin_cache
from aqabench_datasets.twin_competitions import FisVRosterTwin as FisVTwin
from aqabench_datasets.twin_roster import between_share, group_mean_srcc

#: Measured from chmxu/MS_LSTM's data files (commit of 2019; see docs/datasets.md).
REAL = {"athletes": 148, "events": 38, "test covered by a training athlete": 0.87,
        "test covered by a training event": 1.00,
        "TES between-athlete share": 0.781, "PCS between-athlete share": 0.903,
        "TES between-event share": 0.423, "PCS between-event share": 0.507,
        "TES athlete-mean SRCC (test)": 0.613, "PCS athlete-mean SRCC (test)": 0.871,
        "TES event-mean SRCC (test)": 0.501, "PCS event-mean SRCC (test)": 0.528}
FITTED = [k for k in REAL if "share" in k]


def figures(scores: dict[str, np.ndarray], athlete: np.ndarray, event: np.ndarray,
            test: np.ndarray) -> dict[str, float]:
    """Every figure of ``REAL`` from one population (``test`` a boolean mask)."""
    out = {"athletes": float(len(np.unique(athlete))), "events": float(len(np.unique(event))),
           "test covered by a training athlete": float(np.isin(athlete[test],
                                                               athlete[~test]).mean()),
           "test covered by a training event": float(np.isin(event[test], event[~test]).mean())}
    for key, values in scores.items():
        for name, groups in (("athlete", athlete), ("event", event)):
            out[f"{key} between-{name} share"] = between_share(values, groups)
            out[f"{key} {name}-mean SRCC (test)"] = group_mean_srcc(values, groups, test)
    return out


def real_figures(folder: Path) -> dict[str, float]:
    rows = list(csv.reader((folder / "fs_dataset.csv").open()))[1:]
    rows = [r for r in rows if r and r[2]]
    ids = {int(r[0]): i for i, r in enumerate(rows)}
    names = {n: i for i, n in enumerate(sorted({r[5] for r in rows}))}
    events = {n: i for i, n in enumerate(sorted({(r[6], r[7]) for r in rows}))}
    test_ids = [int(line.split()[0]) for line in (folder / "test_dataset.txt").open()
                if line.strip()]
    test = np.zeros(len(rows), bool)
    test[[ids[i] for i in test_ids]] = True
    scores = {"TES": np.array([float(r[2]) for r in rows]),
              "PCS": np.array([float(r[3]) for r in rows])}
    return figures(scores, np.array([names[r[5]] for r in rows]),
                   np.array([events[(r[6], r[7])] for r in rows]), test)


def twin_figures(skill_shares: tuple[float, float] | None, replicates: int
                 ) -> dict[str, float]:
    per = []
    for r in range(replicates):
        tes, pcs = FisVTwin("TES", "full"), FisVTwin("PCS", "full")
        for twin in (tes, pcs):
            twin.stream = f"roster:{r}"
            if skill_shares is not None:
                twin.story = replace(twin.story, skill_shares=skill_shares)
        lats = {key: [t.latent(twin_cache.video_rng(t, split, i, "latent"), split, i)
                      for split, n in zip(twin_cache.SPLITS, t.counts) for i in range(n)]
                for key, t in (("TES", tes), ("PCS", pcs))}
        athlete = np.array([v.private["athlete"] for v in lats["TES"]])
        event = np.array([v.private["event"] for v in lats["TES"]])
        test = np.arange(len(athlete)) >= tes.counts[0]
        scores = {k: np.array([v.score for v in lats[k]]) for k in lats}
        per.append(figures(scores, athlete, event, test))
    return {k: float(np.mean([p[k] for p in per])) for k in per[0]}


def fit(replicates: int) -> tuple[float, float]:
    """A coarse grid (steps of 0.1), then a fine one (0.025) around its best point."""
    def loss(wa: float, we: float) -> float:
        got = twin_figures((wa, we), replicates)
        return sum((got[k] - REAL[k]) ** 2 for k in FITTED)

    best = (0.0, 0.0)
    for step, grid in ((0.1, None), (0.025, 2)):
        if grid is None:
            points = [(wa, we) for wa in np.arange(0.3, 0.95, step)
                      for we in np.arange(0.0, 0.45, step)]
        else:
            points = [(best[0] + i * step, best[1] + j * step)
                      for i in range(-grid, grid + 1) for j in range(-grid, grid + 1)]
        points = [(round(float(a), 3), round(float(e), 3)) for a, e in points
                  if a > 0 and e >= 0 and a + e < 0.97]
        best = min(points, key=lambda p: loss(*p))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--real", type=Path, help="folder with Fis-V's fs_dataset.csv and splits")
    parser.add_argument("--fit", action="store_true", help="refit the twin's skill_shares")
    parser.add_argument("--replicates", type=int, default=8)
    args = parser.parse_args()
    real = real_figures(args.real) if args.real else REAL
    shares = fit(max(2, args.replicates // 2)) if args.fit else None
    if shares is not None:
        print(f"fitted skill_shares (athlete, event) = {shares}")
    twin = twin_figures(shares, args.replicates)
    rows = [[k, f"{real[k]:.3f}", f"{twin[k]:.3f}", "fitted" if k in FITTED else "check"]
            for k in REAL]
    print(tabulate(rows, headers=["Fis-V", "real", "twin", "role"]))


if __name__ == "__main__":
    main()
