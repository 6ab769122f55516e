"""Suites: expansion, skipping current records, --force, interruption safety."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aqabench import runner
from aqabench.bench import Suite, run_suite
from aqabench.errors import UsageError
from aqabench.plugins import get_registry


def write_suite(tmp_path: Path, epochs: int = 1) -> Path:
    path = tmp_path / "mini.json"
    path.write_text(json.dumps({
        "name": "mini", "size": "tiny", "defaults": {"epochs": epochs},
        "cells": [{"method": "ridge", "dataset": "toy-synth", "set": {"lr": 0.03}}]}))
    return path


def statuses(suite: Suite, out: Path, **kwargs) -> list[str]:
    return [o.status for o in run_suite(suite, get_registry(), out, **kwargs)]


def test_current_records_are_skipped_until_forced_and_a_change_keeps_both(tmp_path: Path
                                                                          ) -> None:
    out = tmp_path / "results"
    suite = Suite.load(str(write_suite(tmp_path)))
    assert statuses(suite, out) == ["ran"]
    (record_path,) = out.iterdir()
    assert record_path.name.startswith("ridge__toy-synth__seed0__tiny__epochs-1+lr-0.03__c")
    first = record_path.read_text()
    assert statuses(suite, out) == ["skipped"]
    assert statuses(suite, out, force=True) == ["ran"]
    changed = Suite.load(str(write_suite(tmp_path, epochs=2)))
    assert statuses(changed, out) == ["ran"]
    assert statuses(changed, out) == ["skipped"]
    records = {p.name: json.loads(p.read_text()) for p in out.iterdir()}
    assert len(records) == 2  # the epochs=1 record is kept beside the epochs=2 one
    assert sorted(r["final"]["epoch"] for r in records.values()) == [1, 2]
    assert json.loads(record_path.read_text())["final"] == json.loads(first)["final"]


def test_interrupted_run_leaves_no_partial_record(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "results"
    suite = Suite.load(str(write_suite(tmp_path)))

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "fit", interrupted)
    with pytest.raises(KeyboardInterrupt):
        statuses(suite, out)
    assert not out.exists() or not any(out.iterdir())
    monkeypatch.undo()
    assert statuses(suite, out) == ["ran"]


def test_only_filters_cells_and_unknown_suites_are_usage_errors(tmp_path: Path) -> None:
    suite = Suite.load(str(write_suite(tmp_path)))
    assert [c.label for c in suite.expand(get_registry(), ["ridge*"])] == ["ridge toy-synth"]
    assert suite.expand(get_registry(), ["gdlt*"]) == []
    with pytest.raises(UsageError, match="unknown suite"):
        Suite.load("no-such-suite")


def test_shipped_suites_parse() -> None:
    for path in Path(runner.__file__).parent.joinpath("suites").glob("*.json"):
        suite = Suite.load(str(path))
        assert suite.cells and suite.name == path.stem


def test_seeds_flag_replaces_the_suites_seeds(tmp_path: Path, run_cli) -> None:
    code, out, err = run_cli("bench", "--suite", write_suite(tmp_path), "--seeds", "0-1", "--list")
    assert code == 0, err
    labels = [line for line in out.splitlines() if line.startswith("ridge")]
    assert labels == ["ridge toy-synth seed0", "ridge toy-synth seed1"]
    code, _, err = run_cli("bench", "--suite", write_suite(tmp_path), "--seeds", "x", "--list")
    assert code == 2 and "bad --seeds 'x'" in err
