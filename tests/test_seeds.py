"""--seeds: one record per seed, bit-identical reruns, suite seeds, frames with seed/CI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aqabench.bench import Suite
from aqabench.errors import DataError
from aqabench.plugins import get_registry
from aqabench.results import load_frame, read_record

TINY = ("--method", "ridge", "--dataset", "toy-synth", "--size", "tiny", "--epochs", "2",
        "--set", "lr=0.03")
SCORES = ("final", "best", "curve", "predictions")


def comparable(record: dict) -> str:
    parts = {k: record[k] for k in SCORES}
    for row in parts["curve"]:
        row.pop("train_seconds")
    return json.dumps(parts, sort_keys=True)


def test_seeds_give_distinct_records_and_identical_reruns(run_cli, tmp_path: Path) -> None:
    code, out, err = run_cli("run", *TINY, "--seeds", "0-2", "--out", tmp_path / "many")
    assert code == 0, err
    paths = [next((tmp_path / "many").glob(f"ridge__toy-synth__seed{s}__tiny__*.json"))
             for s in range(3)]
    records = [read_record(p) for p in paths]
    assert [r["identity"]["seed"] for r in records] == [0, 1, 2]
    assert [r["provenance"]["config"]["seed"] for r in records] == [0, 1, 2]
    assert len({r["final"]["srcc"] for r in records}) == 3  # seeds differ
    assert "seeds 0, 1, 2" in out and "mean ± std" in out and "±" in out
    code, _, err = run_cli("run", *TINY, "--set", "seed=1", "--out", tmp_path / "one")
    assert code == 0, err
    again = read_record(next((tmp_path / "one").glob("ridge__toy-synth__seed1__tiny__*.json")))
    assert comparable(again) == comparable(records[1])  # bit-identical metrics for a seed
    assert again["final"]["srcc_ci"] == records[1]["final"]["srcc_ci"]
    frame = load_frame(tmp_path / "many")
    assert {"seed", "protocol", "srcc_ci_low", "srcc_ci_high", "rl2_ci_low",
            "rl2_ci_high", "chosen_on"} <= set(frame.columns)
    final = frame[frame.protocol == "final"]
    stats = final.groupby("method").srcc.agg(["mean", "std", "count"])
    assert stats.loc["ridge", "count"] == 3
    assert (final.srcc_ci_low < final.srcc).all() and (final.srcc < final.srcc_ci_high).all()


@pytest.mark.parametrize(("args", "message"), [
    (("--seeds", "0-x"), "bad --seeds '0-x'"),
    (("--seeds", "3-1"), "is empty or negative"),
    (("--seeds", "0,1", "--set", "seed=4"), "either --seeds or --set seed=N"),
    (("--seeds", "0,1", "--save-checkpoint", "m.pt"), "takes one seed"),
    (("--set", "select=test"), "select must be one of"),
    (("--set", "val_fraction=1.5"), "val_fraction must be"),
])
def test_bad_seeds_and_selection_are_one_line_usage_errors(run_cli, tmp_path: Path, args,
                                                           message) -> None:
    code, _, err = run_cli("run", *TINY, *args, "--out", tmp_path)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not list(tmp_path.glob("*.json"))


def write_suite(tmp_path: Path, **extra) -> Path:
    path = tmp_path / "seeded.json"
    path.write_text(json.dumps({
        "name": "seeded", "size": "tiny", "defaults": {"epochs": 1}, **extra,
        "cells": [{"method": "ridge", "dataset": "toy-synth"},
                  {"method": "ridge", "dataset": "toy-synth", "set": {"lr": 0.05},
                   "seeds": [4]}]}))
    return path


def test_suite_seeds_and_per_cell_override(tmp_path: Path) -> None:
    suite = Suite.load(str(write_suite(tmp_path, seeds="0-2")))
    cells = suite.expand(get_registry())
    assert [c.label for c in cells] == [f"ridge toy-synth seed{s}" for s in (0, 1, 2, 4)]
    assert [c.overrides.get("seed") for c in cells] == [0, 1, 2, 4]
    assert len(suite.expand(get_registry(), ["seed1"])) == 1
    assert len(suite.expand(get_registry(), ["ridge toy-synth"])) == 4  # without the seed
    plain = Suite.load(str(write_suite(tmp_path)))
    assert [c.label for c in plain.expand(get_registry())] == ["ridge toy-synth",
                                                                "ridge toy-synth seed4"]
    with pytest.raises(DataError, match="seeded.json: bad suite seeds"):
        Suite.load(str(write_suite(tmp_path, seeds="zero")))


def test_ci_suite_plans_three_seeds_and_one_record_per_seed() -> None:
    """The ci suite's seeds plan (its time is measured by ``benchmarks/perf.py --suite``, not
    by a test: committed records' wall times depend on the machine's load)."""
    suite = Suite.load("ci")
    from aqabench.bench import planned

    names, seeds = set(), set()
    for cell in suite.expand(get_registry()):
        name, _ = planned(suite, cell, get_registry())
        assert f"seed{cell.seed}" in name
        names.add(name)
        seeds.add(cell.seed)
    assert seeds == {0, 1, 2}
    assert len(names) == len(suite.expand(get_registry()))
