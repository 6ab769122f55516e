"""Statistics of reproduced table cells: seeds, spreads and intervals (see :mod:`.stats`).

A cell holds the records of one row (method, setting...) on one (dataset, subset): with two or
more seeds it gets their std and the t-interval of their mean; with one seed, the record's 95%
bootstrap CI over its test videos. An average column (Fisher-z over subsets) gets the spread of
the per-seed averages, or, for one seed, the stratified bootstrap CI of the average.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from . import stats
from .metrics import fisher_z_mean
from .tables import CONSTANT_MARK, CellStats

Record = dict[str, Any]
#: metrics that are undefined for constant predictions (counted as 0 by :mod:`.metrics`)
CORRELATIONS = ("srcc", "pearson")


def constant(record: Record, protocol: str) -> bool:
    """Whether ``record`` predicted one value for every test video under ``protocol``."""
    pair = stats.predictions(record, protocol)
    return pair is not None and len(pair[1]) > 1 and float(np.ptp(pair[1])) == 0.0


def _from_samples(samples: Sequence[float]) -> CellStats:
    _, std, _ = stats.seed_summary(samples)
    return CellStats(tuple(samples), std, stats.t_interval(samples))


def cell_stats(records: Sequence[Record], protocol: str, metric: str) -> CellStats | None:
    """Statistics of one cell; None for one seed without a stored or computable CI."""
    samples = [float(r[protocol][metric]) for r in records]
    flat = sum(constant(r, protocol) for r in records) if metric in CORRELATIONS else 0
    if len(samples) >= 2:
        return replace(_from_samples(samples), constant=flat)
    interval = stats.record_interval(records[0], protocol, metric)
    if interval is None and not flat:
        return None
    return CellStats(tuple(samples), None, interval, constant=flat)


def average_stats(parts: Sequence[Sequence[Record]], protocol: str) -> CellStats | None:
    """Statistics of a Fisher-z average of SRCC over the subsets ``parts`` (records each)."""
    by_seed: list[dict[Any, Record]] = [{r["identity"].get("seed"): r for r in part}
                                        for part in parts]
    common = sorted(set.intersection(*(set(d) for d in by_seed)), key=str) if by_seed else []
    if not common:
        return None
    samples = [fisher_z_mean(float(d[s][protocol]["srcc"]) for d in by_seed) for s in common]
    flat = sum(any(constant(d[s], protocol) for d in by_seed) for s in common)
    if len(samples) >= 2:
        return replace(_from_samples(samples), constant=flat)
    pairs = [stats.predictions(d[common[0]], protocol) for d in by_seed]
    if any(pair is None for pair in pairs):
        return None
    try:
        interval = stats.pooled_ci([(pair[1], pair[2]) for pair in pairs if pair is not None])
    except ValueError:
        return None
    return CellStats(tuple(samples), None, interval, constant=flat)


def caption_line(rows: Sequence[Any]) -> str | None:
    """What the ± / [ ] / bold / ≈ of reproduced cells mean, when any cell has statistics."""
    counts = sorted({cell.n for row in rows for cell in row.stats.values()})
    if not counts:
        return None
    seeds = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
    unit = "seed" if counts == [1] else "seeds"
    return (f"Reproduced cells ({seeds} {unit} per cell): mean ± std over seeds (n=seeds), or, "
            f"for one seed, the value [95% bootstrap CI over the test videos: "
            f"{stats.CI_METHOD}, {stats.N_RESAMPLES} resamples, seed {stats.CI_SEED}; "
            f"averages: subsets resampled separately, percentile]. Among them the best is "
            f"bold only when separated from the second by {stats.SEPARATION_TEXT}; "
            f"otherwise ≈ marks every cell not separated from the best."
            + (f" {CONSTANT_MARK}: seeds whose test predictions are one constant value (for an "
               f"average: in some subset); a rank correlation is undefined there and counted "
               f"as 0, so such a 0 says the model did not rank the videos at all."
               if any(cell.constant for row in rows for cell in row.stats.values()) else ""))
