"""Measured cell times and the projected wall time of a suite × seeds on 1, 8 and 64 nodes.

Reads the committed records' ``provenance.wall_seconds`` (``leaderboards/validity-irregular/``,
``validity-unseen-irregular/`` and ``validity/``: the papers' protocols, one torch thread;
``leaderboards/results/``: the ci suite, a few epochs) and estimates every cell of a suite
(default: ``paper`` × seeds 0-4) at its own epoch count, preferring, in this order:

1. ``measured``: a record of the same method, dataset, subset and setting at the same epochs;
2. ``per-epoch``: seconds per epoch of same-setting records of the same method and dataset
   (other subsets, other epochs; validity records before ci ones), times the cell's epochs;
3. the same from records of another twin size (flagged: a ``tiny`` twin has fewer videos, so
   this underestimates a ``full`` cell).

A cell nothing matches is listed as ``unknown`` and left out of the totals (said so). Then the
cells are placed, in suite order as ``run_suite`` submits them, on ``nodes × cores`` slots of
one cell each (``--cpus-per-cell 1``), each starting on the first free slot: what Ray does
with independent tasks of equal demand. The lower bound is max(total / slots, longest cell).

    python benchmarks/sweep_projection.py [--suite paper] [--seeds 0-4] [--cores-per-node 16]

Assumptions (printed too): cells are independent; one core of a node runs a cell as fast as
one core of the machine that measured it (a shared 2-core VM, so likely pessimistic); the
seconds of seed 0 hold for every seed; twin generation (once per node, then cached) and Ray's
per-task overhead (about a second) are not counted.
"""

from __future__ import annotations

import argparse
import heapq
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from aqabench import identity
from aqabench.bench import Cell, Suite
from aqabench.config import parse_seeds
from aqabench.plugins import Registry, get_registry
from aqabench.results import load_records
from aqabench.runner import resolve_config

ROOT = Path(__file__).resolve().parent.parent
#: validity records first (the papers' protocols), the default twins' before v5's, then the ci
#: suite's
SOURCES = (ROOT / "leaderboards" / "validity-irregular",
           ROOT / "leaderboards" / "validity-unseen-irregular", ROOT / "leaderboards" / "validity",
           ROOT / "leaderboards" / "results")
NODES = (1, 8, 64)
#: twins timed as the default ones: their candidate names (the same bytes) and v5 (the same
#: video counts and length distribution, other features), the defaults until 2026-12-07
SAME_SIZES = {"rg-synth-irregular": "rg-synth", "fisv-synth-irregular": "fisv-synth",
              "rg-synth-v5": "rg-synth", "fisv-synth-v5": "fisv-synth"}


@dataclass(frozen=True)
class Timing:
    """One record's measurement: where it is from, its epochs and wall seconds."""

    source: str
    epochs: int
    seconds: float


Key = tuple[str, str, str | None, str | None, str]  # method, dataset, subset, setting, size


def timed_setting(ident: dict, config: dict) -> str | None:
    """A record's setting with its numerics keys put back (``tfm_form=absorbed`` computes the
    same function as the default but not in the same time, so timings keep them apart)."""
    numerics = {k: config[k] for k in ident.get("numerics", ())}
    parts = [p for p in (ident.get("setting"), identity.tag(numerics)) if p]
    return ",".join(parts) or None


def measurements(folders: Iterable[Path]) -> dict[Key, list[Timing]]:
    """The wall seconds of every record under ``folders``, by identity (seeds pooled)."""
    found: dict[Key, list[Timing]] = {}
    for folder in folders:
        for record in load_records([folder]):
            ident, prov = record["identity"], record["provenance"]
            dataset = SAME_SIZES.get(ident["dataset"], ident["dataset"])
            key = (ident["method"], dataset, ident.get("subset"),
                   timed_setting(ident, prov["config"]), ident.get("size", "full"))
            found.setdefault(key, []).append(
                Timing(folder.name, int(prov["config"]["epochs"]), float(prov["wall_seconds"])))
    return found


def cell_plan(suite: Suite, cell: Cell, registry: Registry) -> tuple[Key, int]:
    """The identity key of ``cell`` and the epochs its resolved config runs."""
    method, dataset = registry.method(cell.method), registry.dataset(cell.dataset)
    config = resolve_config(method, dataset, cell.subset, suite.request(cell, None, None))
    ident = identity.run_identity(method, dataset.name, cell.subset, cell.size, config)
    setting = timed_setting(ident, config)
    return (cell.method, cell.dataset, cell.subset, setting, cell.size), int(config["epochs"])


def estimate(key: Key, epochs: int, found: dict[Key, list[Timing]]) -> tuple[float, str] | None:
    """(seconds, how it was estimated) for a cell, or ``None`` when nothing matches."""
    exact = [t.seconds for t in found.get(key, []) if t.epochs == epochs]
    if exact:
        return statistics.median(exact), "measured"
    method, dataset, _, setting, size = key
    for same_size in (True, False):
        for source in (s.name for s in SOURCES):
            rates = [t.seconds / t.epochs for k, ts in found.items() for t in ts
                     if (k[0], k[1], k[3]) == (method, dataset, setting)
                     and (k[4] == size) == same_size and t.source == source]
            if rates:
                flag = "" if same_size else ", OTHER twin size"
                return (statistics.median(rates) * epochs,
                        f"per-epoch ({source}, {len(rates)} rec.{flag})")
    return None


def makespan(seconds: list[float], slots: int) -> float:
    """Wall time of running ``seconds`` in order, each on the first slot that frees up."""
    free = [0.0] * min(slots, max(len(seconds), 1))
    for duration in seconds:
        heapq.heappush(free, heapq.heappop(free) + duration)
    return max(free)


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.2f} h" if seconds >= 3600 else f"{seconds / 60:.1f} min"


def report(suite: Suite, registry: Registry, found: dict[Key, list[Timing]],
           seeds: list[int], cores: int) -> list[str]:
    """The per-cell table (one row per cell of seed ``seeds[0]``) and the projection lines."""
    suite.seeds = seeds
    lines = ["| cell | epochs | seconds | estimate |", "|---|---:|---:|---|"]
    durations: list[float] = []
    unknown = 0
    for cell in suite.expand(registry):
        key, epochs = cell_plan(suite, cell, registry)
        guess = estimate(key, epochs, found)
        if cell.seed == seeds[0]:
            setting = f" [{key[3]}]" if key[3] else ""
            shown = ("-", "unknown") if guess is None else (f"{guess[0]:.0f}", guess[1])
            lines.append(f"| {cell.base_label}{setting} | {epochs} | {shown[0]} | {shown[1]} |")
        if guess is None:
            unknown += 1
        else:
            durations.append(guess[0])
    total, longest = sum(durations), max(durations, default=0.0)
    shown_seeds = ",".join(map(str, seeds)) if len(seeds) < 3 else f"{seeds[0]}-{seeds[-1]}"
    lines += ["", f"{suite.name} suite × seeds {shown_seeds}: {len(durations) + unknown}"
              f" cells ({unknown} without a measurement, left out), {hours(total)} of "
              f"one-core work; longest cell {hours(longest)}", "",
              f"| nodes ({cores} cores each) | slots | projected wall time | lower bound |",
              "|---:|---:|---:|---:|", f"| 1 core (serial) | 1 | {hours(total)} | {hours(total)} |"]
    for nodes in NODES:
        slots = nodes * cores
        lines.append(f"| {nodes} | {slots} | {hours(makespan(durations, slots))} | "
                     f"{hours(max(total / slots, longest))} |")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", default="paper")
    parser.add_argument("--seeds", default="0-4", help="e.g. 0-4 or 0,1,2")
    parser.add_argument("--cores-per-node", type=int, default=16)
    args = parser.parse_args(argv)
    seeds = parse_seeds(args.seeds)
    registry = get_registry()
    found = measurements(SOURCES)
    suite = Suite.load(args.suite)
    print("\n".join(report(suite, registry, found, seeds, args.cores_per_node)))


if __name__ == "__main__":
    main()
