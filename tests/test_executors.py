"""The driver loop with the local executor (no Ray needed): failures are reported and the
other cells still run, records from other code are refused, a missing Ray is one line."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from aqabench.bench import Suite, run_suite
from aqabench.errors import UsageError
from aqabench.executors import CellJob, CellResult, LocalExecutor, run_cell
from aqabench.executors.ray_executor import MISSING_HINT, RayExecutor
from aqabench.plugins import get_registry
from tests.faulty_plugin import install_faulty_plugin


def write_suite(folder: Path, cells: list[dict], seeds: list[int] | None = None) -> Path:
    path = folder / "mini.json"
    path.write_text(json.dumps({"name": "mini", "size": "tiny", "defaults": {"epochs": 1},
                                **({"seeds": seeds} if seeds else {}), "cells": cells}))
    return path


@pytest.fixture
def faulty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test-only failing methods, discovered through their entry point."""
    site = install_faulty_plugin(tmp_path / "site")
    monkeypatch.syspath_prepend(str(site))
    return site


def test_a_failing_cell_is_reported_and_the_others_run(tmp_path: Path, faulty: Path,
                                                       run_cli) -> None:
    suite = write_suite(tmp_path, [{"method": "fails", "dataset": "toy-synth"},
                                   {"method": "ridge", "dataset": "toy-synth"}])
    out = tmp_path / "results"
    code, stdout, stderr = run_cli("bench", "--suite", suite, "--out", out)
    assert code == 1
    assert "cell fails toy-synth failed: RuntimeError: injected failure" in stderr
    assert "2 cells, 1 ran, 0 skipped, 1 failed" in stdout
    assert [p.name.partition("__c")[0] for p in out.iterdir()] == [
        "ridge__toy-synth__seed0__tiny__epochs-1"]
    code, stdout, _ = run_cli("bench", "--suite", suite, "--out", out)  # resume
    assert code == 1 and "2 cells, 0 ran, 1 skipped, 1 failed" in stdout


class OtherCodeExecutor:
    """Runs locally, then pretends the node had other plugin code (another code hash)."""

    def map(self, jobs: Sequence[CellJob], on_run=None) -> Iterator[tuple[CellJob, CellResult]]:
        for job, result in LocalExecutor().map(jobs, on_run):
            assert result.record is not None
            result.record["provenance"]["code_hash"] = "0" * 16
            yield job, result


def test_a_record_from_other_code_is_refused_not_written(tmp_path: Path) -> None:
    suite = Suite.load(str(write_suite(tmp_path, [{"method": "ridge", "dataset": "toy-synth"}])))
    out = tmp_path / "results"
    [outcome] = run_suite(suite, get_registry(), out, executor=OtherCodeExecutor())
    assert outcome.status == "failed"
    assert "install the same aqabench and plugins on every node" in (outcome.error or "")
    assert not out.exists() or not any(out.glob("*.json"))


def test_a_missing_data_root_names_the_node_and_the_path(tmp_path: Path) -> None:
    suite = Suite.load(str(write_suite(tmp_path, [{"method": "ridge", "dataset": "toy-synth"}])))
    missing = tmp_path / "no-such-data"
    [outcome] = run_suite(suite, get_registry(), tmp_path / "out", data_root=missing)
    assert outcome.status == "failed" and outcome.node
    assert outcome.error == (f"{missing}: --data-root not found on node {outcome.node}: the "
                             "path must be valid on every node that runs cells")


def test_fixed_threads_are_applied_to_the_cell_and_restored(tmp_path: Path) -> None:
    suite = Suite.load(str(write_suite(tmp_path, [{"method": "ridge", "dataset": "toy-synth"}])))
    [cell] = suite.expand(get_registry())
    before = torch.get_num_threads()
    job = CellJob(0, cell, suite.request(cell, None, "cpu"))
    result = run_cell(replace(job, threads=1))
    assert result.record is not None and result.record["provenance"]["threads"] == 1
    assert torch.get_num_threads() == before


def test_missing_ray_is_a_one_line_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        run_cli) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    suite = write_suite(tmp_path, [{"method": "ridge", "dataset": "toy-synth"}])
    code, stdout, stderr = run_cli("bench", "--suite", suite, "--out", tmp_path / "o",
                                   "--executor", "ray")
    assert code == 2 and stderr == f"aqabench: error: {MISSING_HINT}\n"
    assert not (tmp_path / "o").exists()


def test_a_cluster_that_cannot_be_joined_is_one_line(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(address: str | None = None, **kwargs) -> None:
        raise ConnectionError(f"Could not find any running Ray instance at {address}.\nmore")

    fake = types.SimpleNamespace(is_initialized=lambda: False, init=refuse)
    monkeypatch.setitem(sys.modules, "ray", fake)
    suite = Suite.load(str(write_suite(tmp_path, [{"method": "ridge", "dataset": "toy-synth"}])))
    with pytest.raises(UsageError) as caught:
        list(run_suite(suite, get_registry(), tmp_path / "out",
                       executor=RayExecutor(address="10.0.0.1:6379")))
    assert str(caught.value) == ("--executor ray: cannot join Ray at 10.0.0.1:6379 "
                                 "(ConnectionError: Could not find any running Ray instance at "
                                 "10.0.0.1:6379.)")
