"""What FineDiving's labels alone predict, real and twin: difficulty, dive number, event.

Real figures come from FineDiving's annotation pickles (``Annotations/`` with
``fine-grained_annotation_aqa.pkl``, ``train_split.pkl``, ``test_split.pkl``, found in the
history of Angel-1999/MCoRe, commit 9f473ee; not redistributed here: pass ``--real DIR``
holding ``Annotations/`` to recompute, else the figures measured from them on 2026-12-02 are
printed). They are read with the same loader code and safe unpickler as ``finediving``. The
twin's come from ``finediving-synth``'s labels (no features, no method), averaged over
``--replicates`` populations of 2,251 train / 749 test clips drawn from streams of their own.

Every predictor scores a test clip without seeing it: by its difficulty degree alone (DD-only),
by its dive number's mean training score (DN-mean), or by its event's (a source folder: one
competition round, e.g. ``FINADivingWorldCup2021_Men3m_final_r1``). "Execution" is the score
divided by the DD (the judges' sum, 0-30). The default twin has no events, so the event rows
are blank for it, and nothing of it was fitted: the figures are the check of its story.

    python benchmarks/twin_diving_labels.py
    python benchmarks/twin_diving_labels.py --real /tmp/FineDiving
    python benchmarks/twin_diving_labels.py --fit    # refit the events twin's four parameters

The candidate ``finediving-synth-events`` has events; its ``event_share``, ``dive_share``,
``tilt`` and ``dd_penalty`` are fitted (``--fit``) to the four figures marked "fitted", on labels
only, and its other figures are the check.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr
from tabulate import tabulate

from aqabench_datasets import real_diving, twin_cache
from aqabench_datasets.twin_diving import DivingTwin
from aqabench_datasets.twin_diving_events import FULL as EVENTS_FULL
from aqabench_datasets.twin_diving_events import DivingEventsTwin, EventsStory
from aqabench_datasets.twin_roster import between_share, group_mean_srcc

#: Measured from FineDiving's annotations (MCoRe commit 9f473ee) on 2026-12-02.
REAL = {"test score std": 14.986, "execution std (all)": 3.734,
        "corr(DD, execution)": -0.090,
        "score between-DN share": 0.414, "execution between-DN share": 0.084,
        "DD-only SRCC (test)": 0.565, "DN-mean SRCC (test)": 0.588,
        "execution DN-mean SRCC (test)": 0.266,
        "test covered by a training event": 1.000,
        "score between-event share": 0.442, "execution between-event share": 0.188,
        "event-mean SRCC (test)": 0.617, "execution event-mean SRCC (test)": 0.417}
#: What ``--fit`` fits the events twin to; every other figure is a check.
FITTED = ["execution between-event share", "execution between-DN share",
          "score between-event share", "corr(DD, execution)"]


def ids(values: list) -> np.ndarray:
    """Integer group ids (sorted order) for hashable labels."""
    table = {v: i for i, v in enumerate(sorted(set(values)))}
    return np.array([table[v] for v in values])


def figures(score: np.ndarray, dd: np.ndarray, dn: np.ndarray, event: np.ndarray | None,
            test: np.ndarray) -> dict[str, float]:
    """Every figure of ``REAL`` from one population (``test`` a boolean mask; ``event`` None
    for a population without events, and the event figures are left out too when no test clip
    shares an event with a training clip, as in a twin's export, one folder per clip)."""
    ok = score > 0  # failed dives (score 0) have no execution to share out
    execution = np.where(ok, score / np.maximum(dd, 1e-9), 0.0)
    out = {"test score std": float(score[test].std()),
           "execution std (all)": float(execution.std()),
           "corr(DD, execution)": float(np.corrcoef(dd[ok], execution[ok])[0, 1]),
           "score between-DN share": between_share(score, dn),
           "execution between-DN share": between_share(execution, dn),
           "DD-only SRCC (test)": float(spearmanr(dd[test], score[test])[0]),
           "DN-mean SRCC (test)": group_mean_srcc(score, dn, test),
           "execution DN-mean SRCC (test)": group_mean_srcc(execution, dn, test)}
    covered = float(np.isin(event[test], event[~test]).mean()) if event is not None else 0.0
    if event is not None and covered > 0:
        out.update({
            "test covered by a training event": covered,
            "score between-event share": between_share(score, event),
            "execution between-event share": between_share(execution, event),
            "event-mean SRCC (test)": group_mean_srcc(score, event, test),
            "execution event-mean SRCC (test)": group_mean_srcc(execution, event, test)})
    return out


def real_figures(root: Path) -> dict[str, float]:
    """The figures from a FineDiving root (``root/Annotations/...``), read as ``finediving``."""
    path = root / real_diving.FD_ANNOTATIONS
    annotations = real_diving.read_annotations(path)
    keys = [real_diving.check_key(k, path) for k in annotations]
    annotations = dict(zip(keys, annotations.values(), strict=True))
    splits = {split: real_diving.read_split(root / real_diving.FD_SPLITS[split], annotations,
                                            split) for split in ("train", "test")}
    order = splits["train"] + splits["test"]
    test = np.arange(len(order)) >= len(splits["train"])
    values = [annotations[k] for k in order]
    return figures(np.array([float(v[1]) for v in values]), np.array([float(v[2]) for v in values]),
                   ids([str(v[0]) for v in values]), ids([str(k[0]) for k in order]), test)


def twin_figures(replicates: int, size: str = "full", events: bool = False,
                 story: EventsStory | None = None) -> dict[str, float]:
    """The twin's figures (``events``: the candidate ``finediving-synth-events``, with
    ``story`` if given), the mean over ``replicates`` label populations."""
    per = []
    for r in range(replicates):
        twin = DivingEventsTwin(size, story) if events else DivingTwin(size)
        twin.stream = f"labels:{r}"
        lats = [twin.latent(twin_cache.video_rng(twin, split, i, "latent"), split, i)
                for split, n in zip(twin_cache.SPLITS, twin.counts) for i in range(n)]
        test = np.arange(len(lats)) >= twin.counts[0]
        event = np.array([v.private["event"] for v in lats]) if events else None
        per.append(figures(np.array([v.score for v in lats]),
                           np.array([v.extras["difficulty"] for v in lats]),
                           np.array([v.extras["dive_number"] for v in lats]), event, test))
    return {k: float(np.mean([p[k] for p in per])) for k in per[0]}


def fit(replicates: int) -> tuple[float, float, float, float]:
    """``(event_share, dive_share, tilt, dd_penalty)`` of the events twin whose figures marked
    ``FITTED`` are nearest FineDiving's: a coarse grid, then finer ones around its best point."""
    def loss(point: tuple[float, ...]) -> float:
        story = replace(EVENTS_FULL, event_share=point[0], dive_share=point[1], tilt=point[2],
                        dd_penalty=point[3])
        got = twin_figures(replicates, events=True, story=story)
        return sum((got[k] - REAL[k]) ** 2 for k in FITTED)

    best: tuple[float, ...] = (0.375, 0.05, 0.8, 0.3)  # the first fit's point (docs: iteration)
    for step in (0.1, 0.05, 0.025):
        points = [(round(best[0] + i * step, 3), round(best[1] + j * step, 3),
                   round(best[2] + 4 * k * step, 3), round(best[3] + 2 * m * step, 3))
                  for i in (-1, 0, 1) for j in (-1, 0, 1) for k in (-1, 0, 1)
                  for m in (-1, 0, 1)]
        points = [p for p in points if p[0] >= 0 and p[1] >= 0 and p[0] + p[1] < 0.95
                  and 0 <= p[3] < 1]
        best = min(points, key=loss)
    return best[0], best[1], best[2], best[3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--real", type=Path, help="FineDiving root holding Annotations/")
    parser.add_argument("--replicates", type=int, default=4)
    parser.add_argument("--fit", action="store_true",
                        help="refit the events twin's event_share, dive_share, tilt, dd_penalty")
    args = parser.parse_args()
    real = real_figures(args.real) if args.real else REAL
    story = None
    if args.fit:
        shares = fit(max(1, args.replicates // 2))
        print(f"fitted (event_share, dive_share, tilt, dd_penalty) = {shares}")
        story = replace(EVENTS_FULL, event_share=shares[0], dive_share=shares[1],
                        tilt=shares[2], dd_penalty=shares[3])
    twin = twin_figures(args.replicates)
    events = twin_figures(args.replicates, events=True, story=story)
    rows = [[k, f"{real[k]:.3f}", f"{twin[k]:.3f}" if k in twin else "- (no events)",
             f"{events[k]:.3f}", "fitted" if k in FITTED else "check"] for k in REAL]
    print(tabulate(rows, headers=["FineDiving", "real", "finediving-synth",
                                  "finediving-synth-events", "events twin"]))


if __name__ == "__main__":
    main()
