"""benchmarks/sweep_projection.py: the schedule and estimate rules of docs/distributed.md."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from sweep_projection import Timing, estimate, main, makespan, timed_setting  # noqa: E402


def test_makespan_places_cells_in_order_on_the_first_free_slot() -> None:
    assert makespan([3.0, 1.0, 1.0, 1.0], 2) == 3.0  # 3 | 1+1+1
    assert makespan([1.0, 1.0, 3.0], 2) == 4.0  # in order: 1+3 | 1 (not the optimal 3)
    assert makespan([2.0, 2.0], 64) == 2.0  # the longest cell bounds it
    assert makespan([], 8) == 0.0


def test_estimate_prefers_a_measurement_then_scales_per_epoch() -> None:
    key = ("gdlt", "rg-synth", "Ball", None, "full")
    found = {key: [Timing("validity", 250, 1000.0)],
             ("gdlt", "rg-synth", "Hoop", None, "full"): [Timing("results", 10, 50.0)],
             ("mcore", "finediving-synth", None, None, "tiny"): [Timing("results", 8, 80.0)]}
    assert estimate(key, 250, found) == (1000.0, "measured")
    assert estimate(key, 500, found) == (2000.0, "per-epoch (validity, 1 rec.)")
    assert estimate(("gdlt", "rg-synth", "Clubs", "x=1", "full"), 10, found) is None
    assert estimate(("mcore", "finediving-synth", None, None, "full"), 200, found) == (
        2000.0, "per-epoch (results, 1 rec., OTHER twin size)")


def test_the_paper_projection_reads_the_committed_records(capsys: pytest.CaptureFixture) -> None:
    main(["--seeds", "0-4", "--cores-per-node", "16"])
    out = capsys.readouterr().out
    from aqabench.bench import Suite
    from aqabench.plugins import get_registry

    cells = len(Suite.load("paper").expand(get_registry())) * 5
    summary = re.search(r"paper suite × seeds 0-4: (\d+) cells \((\d+) without a measurement",
                        out)
    assert summary is not None and int(summary.group(1)) == cells
    unknown = [line for line in out.splitlines() if line.endswith("| unknown |")]
    assert int(summary.group(2)) == 5 * len(unknown)  # every unmeasured cell is listed
    gdlt_ball = next(line for line in out.splitlines() if line.startswith("| gdlt rg-synth/Ball |"))
    assert gdlt_ball.startswith("| gdlt rg-synth/Ball | 250 |")  # validity-irregular has it
    assert gdlt_ball.endswith("| measured |")
    assert all(f"| {n} | {n * 16} |" in out for n in (1, 8, 64))


def test_numerics_keys_keep_their_timings_apart(capsys: pytest.CaptureFixture) -> None:
    """A numerics key (cofinal's tfm_form) is not in a record's setting, but it changes the
    time a cell takes: the projection keys timings by the setting with the numerics put back."""
    config = {"tfm_form": "absorbed", "use_lr": False}
    assert timed_setting({"setting": None}, config) is None
    assert timed_setting({"setting": "use_lr=false", "numerics": ["tfm_form"]}, config) == (
        'use_lr=false,tfm_form="absorbed"')
    main(["--suite", "ci", "--seeds", "0"])
    out = capsys.readouterr().out
    cell = next(line for line in out.splitlines()
                if line.startswith('| cofinal rg-synth/Ball [tfm_form="absorbed"] |'))
    assert cell.endswith("| measured |")  # the ci suite's cells run the absorbed form
