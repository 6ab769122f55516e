"""Multi-seed training parity: the official main script vs ``aqabench run``, same protocol.

A :class:`Spec` is one run: a method, a side (``official`` or ``ours``), an RG apparatus, a seed,
an epoch count and, for our side, ``--set`` overrides (the CoFInAl code variant is
``variant=code``; ablations add keys). :func:`run_spec` runs it in a subprocess and writes one
JSON per run into the results folder (written to a temporary name, then renamed), so an
interrupted sweep resumes where it stopped: a run whose JSON exists is not run again.
:func:`summary` prints mean ± std of the final and best test SRCC per side and setting, the
pooled standard deviation of each official / ours pair, and whether the gap is within it.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import official_run

#: Our side's overrides that make a method the counterpart of its official code.
OURS_BASE = {"gdlt": (), "cofinal": ("variant=code",)}


@dataclass(frozen=True)
class Spec:
    """One training run of the sweep."""

    method: str
    side: str  # "official" | "ours"
    subset: str
    seed: int
    epochs: int
    sets: tuple[str, ...] = field(default=())

    @property
    def setting(self) -> str:
        """``official``, or our overrides joined (``default`` when there are none)."""
        return "official" if self.side == "official" else (" ".join(self.sets) or "default")

    @property
    def name(self) -> str:
        """The result file's name."""
        tag = "".join(f"__{s.replace('=', '-')}" for s in self.sets)
        return (f"{self.method}__{self.side}__{self.subset}__e{self.epochs}__seed{self.seed}"
                f"{tag}.json")


def plan(methods: list[str], subsets: list[str], seeds: list[int], epochs: int,
         extra: dict[str, list[tuple[str, ...]]]) -> list[Spec]:
    """Official and ours for each method / subset / seed, then ``extra`` settings of ours.

    Seeds vary fastest, so a sweep cut short still has every pair at its first seeds.
    """
    specs = []
    for subset in subsets:
        for seed in seeds:
            for method in methods:
                specs.append(Spec(method, "official", subset, seed, epochs))
                specs.append(Spec(method, "ours", subset, seed, epochs, OURS_BASE[method]))
    for method, settings in extra.items():
        for sets in settings:
            for subset in subsets:
                for seed in seeds:
                    specs.append(Spec(method, "ours", subset, seed, epochs, tuple(sets)))
    return specs


def _env(extra_path: str | None = None) -> dict[str, str]:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    if extra_path:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (extra_path, env.get("PYTHONPATH")) if p)
    return env


def _run_official(spec: Spec, tree: Path, export: Path, scratch: Path) -> dict[str, Any]:
    args = official_run.official_args(spec.method, tree, export, spec.subset, spec.epochs)
    with tempfile.TemporaryDirectory(dir=scratch) as cwd:  # ckpt/, logs/, temp_log/ land here
        env = _env(str(scratch / "stub"))
        env["OFFICIAL_SEED"] = str(spec.seed)
        proc = subprocess.run([sys.executable, str(tree / "main.py"), *args], cwd=cwd, env=env,
                              capture_output=True, text=True, check=False)
    curve = official_run.parse_log(proc.stdout)
    if proc.returncode or len(curve) != spec.epochs:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"official {spec.method} seed {spec.seed}: exit {proc.returncode}, "
                           f"{len(curve)} of {spec.epochs} epochs: {' | '.join(tail)}")
    srcc = [row["test_srcc"] for row in curve]
    best = max(range(len(srcc)), key=lambda i: srcc[i])  # first maximum, as the script keeps
    return {"final_srcc": srcc[-1], "best_srcc": srcc[best], "best_epoch": best + 1,
            "curve": curve, "command": ["main.py", *args]}


def _run_ours(spec: Spec, export: Path, scratch: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(dir=scratch) as out:
        cmd = [sys.executable, "-m", "aqabench.cli", "run", "--method", spec.method,
               "--dataset", "rg", "--data-root", str(export), "--subset", spec.subset,
               "--epochs", str(spec.epochs), "--seeds", str(spec.seed), "--out", out]
        for item in spec.sets:
            cmd += ["--set", item]
        proc = subprocess.run(cmd, env=_env(), capture_output=True, text=True, check=False)
        records = sorted(Path(out).glob("*.json"))
        if proc.returncode or len(records) != 1:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise RuntimeError(f"aqabench {spec.method} seed {spec.seed}: exit "
                               f"{proc.returncode}: {' | '.join(tail)}")
        record = json.loads(records[0].read_text())
    curve = [{k: row[k] for k in ("epoch", "train_loss", "test_srcc") if k in row}
             for row in record["curve"]]
    return {"final_srcc": record["final"]["srcc"], "best_srcc": record["best"]["srcc"],
            "best_epoch": record["best"]["epoch"], "curve": curve,
            "predictions_final": record["predictions"]["final"],
            "config": record["provenance"]["config"],
            "command": ["aqabench", *cmd[3:-2]]}


def run_spec(spec: Spec, results: Path, export: Path, scratch: Path,
             trees: dict[str, Path]) -> Path:
    """Run ``spec`` unless its JSON is already in ``results``; returns the JSON's path (or the
    ``.running`` marker's, when another sweep on the same folder is running it now)."""
    target = results / spec.name
    if target.exists():
        return target
    lock = target.with_suffix(".running")
    try:  # another sweep on the same folder is running this one: leave it
        lock.touch(exist_ok=False)
    except FileExistsError:
        return lock
    started = time.perf_counter()
    try:
        if spec.side == "official":
            row = _run_official(spec, trees[spec.method], export, scratch)
        else:
            row = _run_ours(spec, export, scratch)
    finally:
        lock.unlink()
    row = {**asdict(spec), "setting": spec.setting, **row,
           "wall_seconds": round(time.perf_counter() - started, 1)}
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(row, indent=1) + "\n")
    tmp.rename(target)
    return target


def load(results: Path) -> list[dict[str, Any]]:
    """Every run JSON in ``results``."""
    return [json.loads(p.read_text()) for p in sorted(results.glob("*.json"))]


def _mean_sd(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else float("nan")


def pooled_sd(a: list[float], b: list[float]) -> float:
    """The pooled standard deviation of two samples (n - 1 weighted variances)."""
    dof = len(a) + len(b) - 2
    if dof <= 0 or len(a) < 2 or len(b) < 2:
        return float("nan")
    return float(((len(a) - 1) * statistics.variance(a)
                  + (len(b) - 1) * statistics.variance(b)) / dof) ** 0.5


def verdict(gap: float, sd: float) -> str:
    """``yes`` / ``no``: is ``|gap|`` within one pooled SD; ``n/a`` without two runs a side."""
    if math.isnan(sd):
        return "n/a (fewer than 2 runs a side)"
    return "yes" if abs(gap) <= sd else "no"


def _groups(rows: list[dict[str, Any]]) -> dict[tuple[str, str, int, str], list[dict[str, Any]]]:
    groups: dict[tuple[str, str, int, str], list[dict[str, Any]]] = {}
    for row in rows:
        key = (row["method"], row["subset"], row["epochs"], row["setting"])
        groups.setdefault(key, []).append(row)
    return groups


def summary(rows: list[dict[str, Any]]) -> str:
    """Markdown: per setting mean ± std (seeds listed), then each official / ours pair's gap."""
    groups = _groups(rows)
    lines = ["| method | subset | epochs | setting | seeds | final SRCC mean ± std "
             "| best SRCC mean ± std | s / run |", "|---|---|---|---|---|---|---|---|"]
    for (method, subset, epochs, setting), runs in sorted(groups.items()):
        runs = sorted(runs, key=lambda r: r["seed"])
        final = _mean_sd([r["final_srcc"] for r in runs])
        best = _mean_sd([r["best_srcc"] for r in runs])
        wall = statistics.fmean(r["wall_seconds"] for r in runs)
        seeds = ",".join(str(r["seed"]) for r in runs)
        lines.append(f"| {method} | {subset} | {epochs} | {setting} | {seeds} | "
                     f"{final[0]:.3f} ± {final[1]:.3f} | {best[0]:.3f} ± {best[1]:.3f} | "
                     f"{wall:.0f} |")
    lines += ["", "| method | subset | epochs | metric | official | ours | gap | pooled SD "
              "| within one pooled SD |", "|---|---|---|---|---|---|---|---|---|"]
    for (method, subset, epochs, setting), runs in sorted(groups.items()):
        base = " ".join(OURS_BASE.get(method, ())) or "default"
        if setting != "official" or (method, subset, epochs, base) not in groups:
            continue
        ours = groups[(method, subset, epochs, base)]
        for metric in ("final_srcc", "best_srcc"):
            a = [r[metric] for r in runs]
            b = [r[metric] for r in ours]
            gap = statistics.fmean(b) - statistics.fmean(a)
            sd = pooled_sd(a, b)
            lines.append(f"| {method} | {subset} | {epochs} | {metric.split('_')[0]} | "
                         f"{statistics.fmean(a):.3f} (n={len(a)}) | {statistics.fmean(b):.3f} "
                         f"(n={len(b)}) | {gap:+.3f} | {sd:.3f} | "
                         f"{verdict(gap, sd)} |")
    return "\n".join(lines)
