"""Off a terminal (nohup, CI logs) every epoch prints one plain line on stderr."""

from __future__ import annotations

import json
import re
from pathlib import Path

from aqabench.console import duration

from .conftest import run_subprocess


def test_duration_reads_as_a_wait() -> None:
    assert [duration(s) for s in (0.4, 59.4, 60, 89, 3569, 3599, 41_700)] == \
        ["0 s", "59 s", "1 min", "1 min", "59 min", "1 h 0 min", "11 h 35 min"]

LINE = re.compile(r"^ridge / toy-synth: epoch (\d+)/3 loss \d+\.\d{4} test srcc -?\d\.\d{3} "
                  r"\(\d+\.\d s(; about (\d+ h )?\d+ (s|min) left)?\)$")


def test_run_prints_one_line_per_epoch_when_stderr_is_not_a_tty(fake_site: Path) -> None:
    done = run_subprocess(fake_site, "run", "--method", "ridge", "--dataset", "toy-synth",
                          "--size", "tiny", "--epochs", "3", "--out", str(fake_site / "runs"))
    assert done.returncode == 0, done.stderr
    matches = [m for m in map(LINE.match, done.stderr.splitlines()) if m]
    assert [int(m.group(1)) for m in matches] == [1, 2, 3], done.stderr
    # the time left after every epoch but the last
    assert [m.group(2) is not None for m in matches] == [True, True, False], done.stderr
    assert ": epoch " not in done.stdout


def test_bench_prints_the_epochs_of_the_cells_it_runs(fake_site: Path) -> None:
    suite = fake_site / "mini.json"
    suite.write_text(json.dumps({"name": "mini", "size": "tiny", "defaults": {"epochs": 2},
                                 "cells": [{"method": "ridge", "dataset": "toy-synth"}]}))
    done = run_subprocess(fake_site, "bench", "--suite", str(suite), "--out",
                          str(fake_site / "results"))
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert [line for line in lines if ": epoch " in line][-1].startswith(
        "ridge toy-synth: epoch 2/2 loss ")
    assert lines[-1].startswith("[1/1] ridge toy-synth: ran")
