"""Paired comparison of two sets of runs on the same test videos (``aqabench compare``).

Each side is a record file, a folder or a glob; its records are grouped by (dataset, subset),
one record per group (several seeds of one subset must be narrowed, e.g. ``*seed0*``). Groups
present on both sides are compared on the same videos, matched by id (differing ids are an
error): ΔSRCC = SRCC(A) − SRCC(B) with a paired bootstrap CI and p-value per subset
(:func:`aqabench.stats.paired_bootstrap`), and per dataset pooled across its subsets through
Fisher's z (:func:`aqabench.stats.pooled_paired`).
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import stats
from .errors import UsageError
from .results import iter_record_paths, read_record

Key = tuple[str, str | None]


@dataclass(frozen=True)
class ComparisonRow:
    dataset: str
    subset: str | None
    result: stats.Paired
    pooled: bool = False  # the dataset's Fisher-z pool over its subsets

    @property
    def label(self) -> str:
        return f"{self.dataset} (Fisher-z)" if self.pooled else _where((self.dataset,
                                                                          self.subset))


def resolve(spec: str) -> list[dict[str, Any]]:
    """Records named by a file, a folder or a glob."""
    paths = [Path(p) for p in sorted(glob.glob(spec))] if glob.has_magic(spec) else [Path(spec)]
    missing = [p for p in paths if not p.exists()]
    if not paths or missing:
        raise UsageError(f"no record matches {spec!r}")
    records = [read_record(p) for p in iter_record_paths(paths)
               if not p.name.startswith(".")]
    if not records:
        raise UsageError(f"no record matches {spec!r}")
    return records


def by_subset(records: list[dict[str, Any]], side: str, spec: str) -> dict[Key, dict[str, Any]]:
    groups: dict[Key, list[dict[str, Any]]] = {}
    for record in records:
        ident = record["identity"]
        groups.setdefault((ident["dataset"], ident.get("subset")), []).append(record)
    out = {}
    for (dataset, subset), group in groups.items():
        if len(group) > 1:
            seeds = ", ".join(str(r["identity"].get("seed")) for r in group)
            where = f"{dataset}/{subset}" if subset else dataset
            raise UsageError(f"{side} ({spec}) has {len(group)} records for {where} (seeds "
                             f"{seeds}); narrow it to one, e.g. a *seed0* glob")
        out[(dataset, subset)] = group[0]
    return out


def aligned(a: dict[str, Any], b: dict[str, Any], protocol: str, where: str
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A's and B's predictions and the labels on the same videos, in A's order."""
    pa, pb = stats.predictions(a, protocol), stats.predictions(b, protocol)
    for side, pair in (("A", pa), ("B", pb)):
        if pair is None:
            raise UsageError(f"{where}: record {side} stores no {protocol!r} predictions "
                             f"(records keep final predictions; val and best since aqabench "
                             f"stores them)")
    assert pa is not None and pb is not None
    ids_a, ids_b = pa[0], pb[0]
    if sorted(ids_a) != sorted(ids_b) or len(set(ids_a)) != len(ids_a):
        only_a, only_b = set(ids_a) - set(ids_b), set(ids_b) - set(ids_a)
        raise UsageError(f"{where}: A and B were tested on different videos ({len(only_a)} "
                         f"only in A, {len(only_b)} only in B); compare runs on the same split")
    index = {vid: i for i, vid in enumerate(ids_b)}
    order = np.array([index[vid] for vid in ids_a])
    if not np.allclose(pa[2], pb[2][order]):
        raise UsageError(f"{where}: A and B disagree on the labels of the same videos")
    return pa[1], pb[1][order], pa[2]


def compare(a: list[dict[str, Any]], b: list[dict[str, Any]], protocol: str = "final",
            n_resamples: int = stats.N_RESAMPLES, seed: int = stats.CI_SEED,
            spec_a: str = "A", spec_b: str = "B") -> list[ComparisonRow]:
    """Rows per shared subset, then one Fisher-z pooled row per dataset with ≥ 2 subsets."""
    groups_a, groups_b = by_subset(a, "A", spec_a), by_subset(b, "B", spec_b)
    shared = sorted(set(groups_a) & set(groups_b), key=lambda k: (k[0], str(k[1])))
    if not shared:
        raise UsageError(f"A ({', '.join(sorted(map(_where, groups_a)))}) and B "
                         f"({', '.join(sorted(map(_where, groups_b)))}) share no dataset/subset")
    rows: list[ComparisonRow] = []
    per_dataset: dict[str, list[stats.Paired]] = {}
    for k, key in enumerate(shared):
        pred_a, pred_b, truth = aligned(groups_a[key], groups_b[key], protocol, _where(key))
        result = stats.paired_bootstrap(pred_a, pred_b, truth, n_resamples, seed + k)
        rows.append(ComparisonRow(key[0], key[1], result))
        per_dataset.setdefault(key[0], []).append(result)
    for dataset, parts in per_dataset.items():
        if len(parts) >= 2:
            rows.append(ComparisonRow(dataset, None, stats.pooled_paired(parts), pooled=True))
    return rows


def _where(key: Key) -> str:
    return f"{key[0]}/{key[1]}" if key[1] else key[0]
