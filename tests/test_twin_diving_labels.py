"""benchmarks/twin_diving_labels.py: label-only figures of FineDiving, read from the released
layout exactly as from the twin's own labels, and right on a population whose answers are known."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from aqabench.api import DataRequest
from aqabench_datasets import twins

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import twin_diving_labels as labels  # noqa: E402


def test_the_released_layout_gives_the_figures_of_the_twin_labels(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "fd"
    code, _, err = run_cli("data", "export", "finediving-synth", "--size", "tiny", "--out", out)
    assert code == 0, err
    read = labels.real_figures(out)
    made = twins.load_finediving(DataRequest(size="tiny"))
    parts = (made.train, made.test)
    cat = {k: torch.cat([p.extras[k] for p in parts]).numpy()
           for k in ("difficulty", "dive_number")}
    # the release writes two decimals: the same values, read back as float64 (not float32)
    score = np.round(torch.cat([p.scores for p in parts]).numpy().astype(np.float64), 2)
    test = np.arange(len(score)) >= len(made.train.scores)
    dd = np.round(cat["difficulty"].astype(np.float64), 2)
    direct = labels.figures(score, dd, cat["dive_number"], None, test)
    # one folder per exported clip: no event is shared, so no event figure is made up
    assert not any("event" in k for k in read)
    assert read.keys() == direct.keys()
    for key in direct:
        assert read[key] == pytest.approx(direct[key], abs=1e-5), key


def test_figures_on_a_population_whose_answers_are_known() -> None:
    rng = np.random.default_rng(0)
    n = 400
    event = np.repeat(np.arange(20), n // 20)
    dn = rng.integers(0, 10, n)
    dd = 1.5 + 0.25 * dn  # difficulty set by the dive number
    level = rng.normal(20.0, 3.0, 20)[event]  # execution set by the event alone
    score = dd * level
    test = rng.random(n) < 0.25
    got = labels.figures(score, dd, dn, event, test)
    assert got["execution between-event share"] == pytest.approx(1.0)
    assert got["execution event-mean SRCC (test)"] == pytest.approx(1.0, abs=1e-3)
    assert got["test covered by a training event"] == 1.0
    assert got["execution std (all)"] == pytest.approx(level.std())
    assert abs(got["corr(DD, execution)"]) < 0.2
    assert got["execution between-DN share"] < 0.1  # events, not dives, carry the execution
    # the DN fixes the DD here, so the DN's mean ranks no better than the DD itself
    assert got["DN-mean SRCC (test)"] == pytest.approx(got["DD-only SRCC (test)"], abs=0.1)


def test_the_twin_has_no_events_and_its_figures_repeat() -> None:
    a, b = labels.twin_figures(1, "tiny"), labels.twin_figures(1, "tiny")
    assert a == b
    assert not any("event" in k for k in a)
    assert set(a) == {k for k in labels.REAL if "event" not in k}
