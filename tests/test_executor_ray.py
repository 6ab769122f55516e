"""``--executor ray`` on a local Ray (2 CPUs): records equal the local executor's, failures
(an error, a worker that dies) are reported while the rest complete, resume skips current
records, and each cell runs with its fixed torch threads.

One Ray for the module (starting one costs seconds). Its workers see the test-only failing
plugin (``tests/faulty_plugin.py``) through ``PYTHONPATH``, and their own twin cache."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aqabench.bench import Suite, run_suite
from aqabench.executors import LocalExecutor
from aqabench.executors.ray_executor import RayExecutor
from aqabench.plugins import get_registry
from tests.faulty_plugin import FAULTY_DIR_ENV, install_faulty_plugin
from tests.test_executors import write_suite

if os.environ.get("CI"):  # CI installs the extra: a missing Ray must fail there, not skip
    import ray
else:
    ray = pytest.importorskip("ray")

#: Provenance that describes the process, not the result: how long it took (``wall_seconds``
#: and each epoch's ``train_seconds``), when it started and the command line (the driver's
#: argv on the local executor, Ray's worker script on Ray). Everything else must be equal.
PROCESS_FIELDS = ("wall_seconds", "started_at", "argv")


@pytest.fixture(scope="module")
def faulty_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    site = install_faulty_plugin(tmp_path_factory.mktemp("site"))
    sys.path.insert(0, str(site))
    yield site
    sys.path.remove(str(site))


@pytest.fixture(scope="module")
def local_ray(faulty_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A 2-CPU Ray whose workers import the test plugin; yields the folder of its markers."""
    markers = tmp_path_factory.mktemp("markers")
    path = os.pathsep.join([str(faulty_site), *sys.path])
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env={
        "env_vars": {"PYTHONPATH": path, FAULTY_DIR_ENV: str(markers),
                     "AQABENCH_CACHE": str(tmp_path_factory.mktemp("worker-cache"))}})
    yield markers
    ray.shutdown()


def comparable(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` without its process-describing fields (see :data:`PROCESS_FIELDS`)."""
    record = json.loads(json.dumps(record))
    for field in PROCESS_FIELDS:
        del record["provenance"][field]
    for row in record["curve"]:
        del row["train_seconds"]
    return record


def records(out: Path) -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text()) for p in sorted(out.glob("*.json"))}


def test_ray_records_equal_the_local_executors(tmp_path: Path, local_ray: Path) -> None:
    suite = Suite.load(str(write_suite(tmp_path, [  # gdlt's predictions depend on the threads
        {"method": "ridge", "dataset": "toy-synth", "seeds": [0, 1]},
        {"method": "gdlt", "dataset": "rg-synth", "subsets": ["Ball"], "seeds": [0]}])))
    registry = get_registry()
    serial = list(run_suite(suite, registry, tmp_path / "local", device="cpu",
                            executor=LocalExecutor(threads=1)))
    distributed = list(run_suite(suite, registry, tmp_path / "ray", device="cpu",
                                 executor=RayExecutor(cpus_per_cell=1)))
    assert [o.status for o in serial] == [o.status for o in distributed] == ["ran"] * 3
    local, remote = records(tmp_path / "local"), records(tmp_path / "ray")
    assert len(local) == 3 and local.keys() == remote.keys()
    for name in local:
        assert comparable(local[name]) == comparable(remote[name]), name
        for block in ("final", "best", "predictions"):  # byte for byte, as written
            assert json.dumps(local[name][block]) == json.dumps(remote[name][block])
        assert local[name]["provenance"]["threads"] == remote[name]["provenance"]["threads"] == 1
    assert {o.node for o in distributed} == {os.uname().nodename}


def test_failures_are_reported_dead_workers_retried_and_resume_skips(
        tmp_path: Path, local_ray: Path, run_cli) -> None:
    suite = write_suite(tmp_path, [{"method": "ridge", "dataset": "toy-synth"},
                                   {"method": "fails", "dataset": "toy-synth"},
                                   {"method": "dies-always", "dataset": "toy-synth"},
                                   {"method": "dies-once", "dataset": "toy-synth"}])
    out = tmp_path / "results"
    args = ("bench", "--suite", suite, "--out", out, "--executor", "ray", "--max-retries", "1",
            "--device", "cpu")
    code, stdout, stderr = run_cli(*args)
    assert code == 1, stderr
    assert "4 cells, 2 ran, 0 skipped, 2 failed" in stdout
    assert "cell fails toy-synth failed: RuntimeError: injected failure" in stderr
    assert "cell dies-always toy-synth failed: the worker died 2 times (max_retries=1)" in stderr
    assert (local_ray / "died-seed0").exists()  # dies-once did die, and its retry ran
    assert sorted(p.name.partition("__c")[0] for p in out.glob("*.json")) == [
        "dies-once__toy-synth__seed0__tiny__epochs-1", "ridge__toy-synth__seed0__tiny__epochs-1"]
    written = {p: p.stat().st_mtime_ns for p in out.glob("*.json")}
    code, stdout, stderr = run_cli(*args)  # resume: the finished cells are skipped
    assert code == 1 and "4 cells, 0 ran, 2 skipped, 2 failed" in stdout
    assert {p: p.stat().st_mtime_ns for p in out.glob("*.json")} == written


def test_cells_run_with_cpus_per_cell_threads(tmp_path: Path, local_ray: Path) -> None:
    suite = Suite.load(str(write_suite(tmp_path, [{"method": "ridge", "dataset": "toy-synth"}])))
    [outcome] = run_suite(suite, get_registry(), tmp_path / "out", device="cpu",
                          executor=RayExecutor(cpus_per_cell=2))
    assert outcome.status == "ran" and outcome.record is not None
    assert outcome.record["provenance"]["threads"] == 2


def test_a_worker_without_the_data_root_names_its_node(tmp_path: Path, local_ray: Path) -> None:
    suite = Suite.load(str(write_suite(tmp_path, [{"method": "ridge", "dataset": "toy-synth"}])))
    missing = tmp_path / "not-on-this-node"
    [outcome] = run_suite(suite, get_registry(), tmp_path / "out", data_root=missing,
                          executor=RayExecutor())
    assert outcome.status == "failed"
    assert outcome.error == (f"{missing}: --data-root not found on node {os.uname().nodename}: "
                             "the path must be valid on every node that runs cells")


def test_a_cell_whose_worker_died_mid_run_resumes_inside_it(tmp_path: Path,
                                                            local_ray: Path) -> None:
    suite = Suite.load(str(write_suite(tmp_path, [
        {"method": "ridge", "dataset": "toy-synth", "set": {"epochs": 4}},
        {"method": "dies-mid-run", "dataset": "toy-synth", "set": {"epochs": 4}}])))
    outcomes = {o.cell.method: o for o in run_suite(
        suite, get_registry(), tmp_path / "out", device="cpu", resume_every=0.0,
        executor=RayExecutor(cpus_per_cell=1, max_retries=1))}
    assert (local_ray / "died-mid-run").exists()  # it died as its third epoch started
    assert [o.status for o in outcomes.values()] == ["ran", "ran"]
    written = {name.partition("__")[0]: record
               for name, record in records(tmp_path / "out").items()}
    died, ridge = written["dies-mid-run"], written["ridge"]
    assert died["provenance"]["resumed_at"] == [2]  # the retry went on after epoch 2
    for block in ("final", "best", "predictions"):  # the same model, as if never killed
        assert json.dumps(died[block]) == json.dumps(ridge[block])
    assert comparable(died)["curve"] == comparable(ridge)["curve"]
    assert not list((tmp_path / "out" / ".partial").glob("*.pt"))
