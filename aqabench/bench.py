"""Benchmark suites as data, and running them resumably.

A suite is a JSON file (``aqabench/suites/<name>.json`` or any path)::

    {"name": "ci", "description": "...", "size": "full",
     "defaults": {"epochs": 5},                     # suite layer of the config
     "seeds": [0, 1, 2],                            # or "0-2"; omitted: the config's seed
     "cells": [{"method": "gdlt", "dataset": "rg-synth",
                "subsets": ["Ball", "Clubs"],        # omitted: the dataset's every subset
                "set": {"epochs": 6},                # per-cell config, over the suite defaults
                "seeds": [0],                        # per-cell seeds (default: the suite's)
                "size": "tiny"}]}                    # per-cell twin size (default: the suite's)

Every key is checked (:mod:`aqabench.suite_file`, documented in ``docs/suites.md``): unknown
keys, config keys the method does not know, a cell that is not an object or lacks its method
or dataset are one line naming the file and the cell, exit 2.

Each (method, dataset, subset, seed) is one run writing one record, named by its identity
(:mod:`aqabench.identity`: the config keys changed from the method's defaults and a short
config hash); two cells with one identity are an error when the suite is expanded (exit 2). A
cell whose record already exists with the same config hash and code hash is skipped (``force``
reruns it); a stale one (same config, other code) is replaced; a different record at the same
name is never replaced without ``force`` (:mod:`aqabench.overwrite`: refused before anything
runs). Records are written atomically at the end of a run, so an interrupted suite leaves no
partial record and a rerun continues where it stopped. :func:`run_suite` is the one loop over
cells: an executor (:mod:`aqabench.executors`: local, or Ray, ``docs/distributed.md``) runs the
cells and returns their records, which the loop checks and writes; a failed cell is reported,
the rest still run.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import DataError, UsageError
from .executors import CellJob, CellResult, Executor, LocalExecutor
from .executors.cells import OnRun
from .identity import run_identity
from .outputs import writable_dir, write_failed
from .overwrite import check_overwrite
from .package_data import SUITES_DIR
from .plugins import Registry
from .results import read_record, record_filename, write_record
from .resume import DEFAULT_EVERY, PARTIAL_FOLDER
from .runner import (
    RunRequest,
    code_hash,
    resolve_config,
    resolve_subset,
)
from .specs import DatasetSpec
from .suite_file import check_cell_config, check_suite


@dataclass(frozen=True)
class Cell:
    method: str
    dataset: str
    subset: str | None
    overrides: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    size: str = "full"
    seed: int | None = None  # from a ``seeds`` list (it is then in ``overrides`` too)
    entry: int | None = field(default=None, hash=False, compare=False)  # its cells[] index

    @property
    def base_label(self) -> str:
        return f"{self.method} {self.dataset}" + (f"/{self.subset}" if self.subset else "")

    @property
    def label(self) -> str:
        return self.base_label + (f" seed{self.seed}" if self.seed is not None else "")

    def matches(self, pattern: str) -> bool:
        """``--only``: a glob over the label (with or without the seed) or one of its words."""
        return (fnmatch.fnmatch(self.label, pattern) or fnmatch.fnmatch(self.base_label, pattern)
                or pattern in self.label.split())


@dataclass
class Suite:
    name: str
    description: str
    size: str
    defaults: dict[str, Any]
    cells: list[dict[str, Any]]
    seeds: list[int] | None = None

    path: Path | None = None

    @classmethod
    def load(cls, name_or_path: str) -> Suite:
        path = Path(name_or_path)
        if not path.suffix:
            path = SUITES_DIR / f"{name_or_path}.json"
        if not path.is_file():
            known = ", ".join(sorted(p.stem for p in SUITES_DIR.glob("*.json")))
            raise UsageError(f"unknown suite {name_or_path!r}; known: {known}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataError(path, f"not a readable JSON suite ({exc})") from exc
        data = check_suite(data, path)
        return cls(name=data["name"], description=data.get("description", ""),
                   size=data.get("size", "full"), defaults=data.get("defaults", {}),
                   cells=data["cells"], seeds=data.get("seeds"), path=path)

    def _where(self, index: int, exc: UsageError) -> DataError:
        entry = self.cells[index]
        return DataError(self.path or self.name,
                         f"cells[{index}] ({entry['method']} {entry['dataset']}): {exc}")

    def expand(self, registry: Registry, only: list[str] | None = None) -> list[Cell]:
        """Every (method, dataset, subset, seed) of the suite, filtered by ``only`` glob
        patterns matched against ``"method dataset/subset"`` or ``"... seedN"``. A selected
        cell naming an unknown method, dataset, subset or config key fails, naming the cell."""
        cells = []
        for index, entry in enumerate(self.cells):
            try:
                spec = registry.dataset(entry["dataset"])
                subsets = entry.get("subsets") or list(spec.subsets) or [None]
                resolved = [resolve_subset(spec, subset) for subset in subsets]
            except UsageError as exc:
                raise self._where(index, exc) from exc
            seeds: list[int | None] = list(entry.get("seeds") or self.seeds or [None])
            chosen = []
            for subset in resolved:
                for seed in seeds:
                    overrides = dict(entry.get("set", {}))
                    if seed is not None:
                        overrides["seed"] = seed
                    cell = Cell(entry["method"], entry["dataset"], subset,
                                overrides, entry.get("size", self.size), seed, index)
                    if not only or any(cell.matches(pat) for pat in only):
                        chosen.append(cell)
            if chosen:  # unknown names and keys fail before anything runs
                self._check_config(index, registry, spec, resolved[0])
            cells.extend(chosen)
        check_unique(self, cells, registry)
        return cells

    def _check_config(self, index: int, registry: Registry, dataset: DatasetSpec,
                      subset: str | None) -> None:
        entry = self.cells[index]
        try:
            method = registry.method(entry["method"])
        except UsageError as exc:
            raise self._where(index, exc) from exc

        def resolve(overrides: dict[str, Any]) -> None:
            request = RunRequest(method=method.name, dataset=dataset.name, subset=subset,
                                 overrides=overrides)
            resolve_config(method, dataset, subset, request)

        check_cell_config(self.path or Path(self.name), index, entry, self.defaults, resolve)

    def request(self, cell: Cell, out_dir: Path | None, device: str | None) -> RunRequest:
        return RunRequest(method=cell.method, dataset=cell.dataset, subset=cell.subset,
                          suite={**self.defaults, **cell.overrides}, device=device,
                          size=cell.size, out_dir=out_dir)


def planned(suite: Suite, cell: Cell, registry: Registry) -> tuple[str, tuple[str, str]]:
    """The record file name of ``cell`` (its identity: :mod:`aqabench.identity`) and the
    (config hash, code hash) a current one carries."""
    method, dataset = registry.method(cell.method), registry.dataset(cell.dataset)
    config = planned_config(suite, cell, registry)
    ident = {"method": cell.method, "dataset": cell.dataset, "subset": cell.subset,
             **run_identity(method, dataset.name, cell.subset, cell.size, config)}
    return (record_filename({"identity": ident}),
            (ident["config_hash"], code_hash(registry, method.name, dataset.name)))


def planned_config(suite: Suite, cell: Cell, registry: Registry) -> dict[str, Any]:
    """The resolved config ``cell`` runs with (before the harness fills the score keys)."""
    return resolve_config(registry.method(cell.method), registry.dataset(cell.dataset),
                          cell.subset, suite.request(cell, None, None))


def is_current(path: Path, hashes: tuple[str, str]) -> bool:
    """``path`` is a readable record of this config (hash) written by this code (hash)."""
    if not path.is_file():
        return False
    try:
        prov = read_record(path)["provenance"]
    except DataError:
        return False
    return (prov.get("config_hash"), prov.get("code_hash")) == hashes


def check_unique(suite: Suite, cells: list[Cell], registry: Registry) -> None:
    """Two cells with one identity would write one record: a one-line DataError (exit 2)
    naming both cells and the file."""
    seen: dict[str, Cell] = {}
    for cell in cells:
        name, _ = planned(suite, cell, registry)
        if name in seen:
            raise DataError(suite.path or suite.name,
                            f"cells[{seen[name].entry}] and cells[{cell.entry}] "
                            f"({cell.label}) have the same identity (same method, data, "
                            f"seed, size and config): both would write {name}")
        seen[name] = cell


@dataclass
class CellOutcome:
    cell: Cell
    status: str  # "ran" | "skipped" | "failed"
    record: dict[str, Any] | None
    seconds: float
    error: str | None = None  # why a "failed" cell failed (one line)
    node: str | None = None  # where a cell that ran (or failed) ran


def settle(job: CellJob, result: CellResult, hashes: tuple[str, str], out_dir: Path
           ) -> CellOutcome:
    """The outcome of a job an executor finished: its record written atomically into
    ``out_dir``, or the failure. A record whose hashes differ from the driver's (a node running
    other code or plugins) is refused: it would never count as current."""
    cell = job.cell
    if result.record is None:
        return CellOutcome(cell, "failed", None, result.seconds, result.error, result.node)
    prov = result.record["provenance"]
    if (prov.get("config_hash"), prov.get("code_hash")) != hashes:
        return CellOutcome(cell, "failed", None, result.seconds,
                           f"node {result.node} ran config/code hashes {prov.get('config_hash')}"
                           f"/{prov.get('code_hash')}, the driver expects {hashes[0]}/"
                           f"{hashes[1]}: install the same aqabench and plugins on every node",
                           result.node)
    try:
        write_record(result.record, out_dir)
    except OSError as exc:
        raise write_failed(out_dir, exc, "cannot write the record") from None
    return CellOutcome(cell, "ran", result.record, result.seconds, None, result.node)


def run_suite(suite: Suite, registry: Registry, out_dir: Path, only: list[str] | None = None,
              force: bool = False, device: str | None = None,
              on_cell: Callable[[int, int, CellOutcome], None] | None = None,
              on_run: OnRun | None = None, executor: Executor | None = None,
              data_root: Path | None = None, resume_every: float | None = DEFAULT_EVERY
              ) -> Iterator[CellOutcome]:
    """Run (or skip) every cell; ``on_run(cell)`` gives the (on_epoch, on_start) callbacks of
    a cell that runs in this process, ``on_cell(done, total, outcome)`` is told each outcome.

    Current cells are skipped first; the rest go to ``executor`` (default: local, in suite
    order), and each result is written here as it arrives. A failed cell is an outcome with
    status ``"failed"`` and its error; the others still run. A cell that runs keeps its partial
    state in ``<out_dir>/.partial`` every ``resume_every`` seconds (:mod:`aqabench.resume`), so
    a killed suite resumes inside its unfinished cells, not only between them."""
    cells = suite.expand(registry, only)
    outcomes = _outcomes(suite, cells, registry, out_dir, force, device, on_run,
                         executor or LocalExecutor(), data_root, resume_every)
    for done, outcome in enumerate(outcomes, start=1):
        if on_cell is not None:
            on_cell(done, len(cells), outcome)
        yield outcome


def _outcomes(suite: Suite, cells: list[Cell], registry: Registry, out_dir: Path, force: bool,
              device: str | None, on_run: OnRun | None, executor: Executor,
              data_root: Path | None, resume_every: float | None) -> Iterator[CellOutcome]:
    jobs: list[CellJob] = []
    expected: dict[int, tuple[str, str]] = {}
    for index, cell in enumerate(cells):
        name, hashes = planned(suite, cell, registry)
        if not force and is_current(out_dir / name, hashes):
            yield CellOutcome(cell, "skipped", read_record(out_dir / name), 0.0)
            continue
        if not force and (out_dir / name).exists():  # a different run there: refused now
            check_overwrite(out_dir / name, *hashes, planned_config(suite, cell, registry))
        request = replace(suite.request(cell, None, device), data_root=data_root, force=force,
                          partial_dir=out_dir / PARTIAL_FOLDER, resume_every=resume_every)
        jobs.append(CellJob(index, cell, request))
        expected[index] = hashes
    if not jobs:
        return
    writable_dir(out_dir)  # before hours of training, not after
    for job, result in executor.map(jobs, on_run):
        yield settle(job, result, expected[job.index], out_dir)
