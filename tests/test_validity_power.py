"""Noise bands of the twin validity τ: what a perfect and a chance twin would show."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from aqabench import figures, leaderboard_validity, validity_power
from aqabench.figures import band_data
from aqabench.leaderboard import render_all
from aqabench.leaderboard_validity import draw_validity_bands, validity_folders
from aqabench.validity import report
from aqabench.validity_power import describe, power

from .fake_records import fake_record, labels
from .test_validity import board_with_validity, records_with_quality


def three_seeds(qualities: list[float]) -> list[dict[str, Any]]:
    return [r for seed in range(3) for r in records_with_quality(qualities, seed=seed)]


def test_perfect_band_is_high_the_null_band_is_centred_and_the_observed_sits_between() -> None:
    bands = power(records_with_quality([0.9, 0.7, 0.5, 0.3]))
    assert bands is not None and bands.pairs == 6
    assert bands.observed == 1.0  # the fake records are in the published order
    assert bands.perfect.mean > bands.null.mean + 0.25
    assert abs(bands.null.mean) < 0.1
    # published figures with their own noise can only blur a perfect twin's agreement
    assert bands.noisy_reference.mean < bands.perfect.mean
    assert bands.seed_std is None  # one seed a cell: test sampling only


def test_more_test_videos_and_seeds_sharpen_the_perfect_band() -> None:
    records = three_seeds([0.9, 0.7, 0.5, 0.3])
    base, big = power(records), power(records, test_factor=25.0, seeds=10)
    assert base is not None and big is not None
    assert base.seed_std is not None and base.seed_std > 0
    assert big.perfect.mean > base.perfect.mean
    assert big.perfect.quantile(0.05) >= base.perfect.quantile(0.05)
    # the chance twin stays at chance however large the split
    assert abs(big.null.mean) < 0.1


def test_bands_are_the_same_on_every_call() -> None:
    records = records_with_quality([0.9, 0.7, 0.5, 0.3])
    a, b = power(records), power(records)
    assert a is not None and b is not None
    assert np.array_equal(a.perfect.draws, b.perfect.draws)
    assert np.array_equal(a.null.draws, b.null.draws)


def test_a_constant_prediction_cell_adds_no_sampling_noise_and_does_not_crash() -> None:
    records = records_with_quality([0.9, 0.7, 0.5, 0.3])
    records[0]["predictions"]["final"] = [1.0] * len(records[0]["predictions"]["truth"])
    records[0]["final"]["srcc"] = 0.0
    bands = power(records)
    assert bands is not None and np.isfinite(bands.perfect.draws).all()


def test_records_without_predictions_give_no_bands() -> None:
    records = records_with_quality([0.9, 0.7, 0.5, 0.3])
    for record in records:
        record["predictions"] = {}
    assert power(records) is None
    assert not any("What the noise allows" in line for line in report(records, "final"))


def test_cells_tested_on_other_videos_are_left_out() -> None:
    truth = labels(50)
    records = records_with_quality([0.9, 0.7])[:2]
    other = fake_record("hgcn", "rg-synth", "Ball", truth, truth,
                        ids=[f"w{i:03d}" for i in range(50)])
    bands = power(records + [other])
    assert bands is not None and bands.pairs == 1  # CoFInAl-GDLT only


def test_the_report_reads_the_observed_tau_against_the_bands() -> None:
    lines = report(records_with_quality([0.9, 0.7, 0.5, 0.3]), "final")
    text = "\n".join(lines)
    assert "What the noise allows over these 6 pairs" in text
    assert "a perfect twin (true SRCCs = the published VST ones)" in text
    assert "at most the observed 1.00" in text
    bands = power(records_with_quality([0.9, 0.7, 0.5, 0.3]))
    assert bands is not None
    assert describe(bands)[1].startswith("  - a perfect twin")


def test_band_figure_data_puts_every_draw_on_the_tau_grid() -> None:
    bands = power(records_with_quality([0.9, 0.7, 0.5, 0.3]))
    assert bands is not None
    data = band_data(bands)
    assert np.allclose(data["tau"], np.linspace(-1, 1, 7))  # 6 pairs: τ moves in steps of 1/3
    for shares in data["shares"].values():
        assert shares.sum() == pytest.approx(100.0)
    assert data["shares"]["perfect twin"] @ data["tau"] / 100 == pytest.approx(bands.perfect.mean)
    assert data["observed"] == bands.observed


def test_the_leaderboard_links_and_draws_the_bands(tmp_path: Path) -> None:
    root = board_with_validity(tmp_path)
    readme = render_all(root)[root / "README.md"]
    assert "(figures/tau-bands-validity.png)" in readme
    pytest.importorskip("matplotlib")
    drawn = draw_validity_bands(root, validity_folders(root))
    assert drawn == [root / "figures" / "tau-bands-validity.png"]
    assert drawn[0].stat().st_size > 0


def test_a_build_computes_each_folders_bands_once(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The README text and the band figure share one computation (the bands take seconds a
    folder on the committed records)."""
    root = board_with_validity(tmp_path)
    calls = []
    real = leaderboard_validity.power

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(leaderboard_validity, "power", counted)
    monkeypatch.setattr(validity_power, "power", counted)  # what validity.report would call
    folders = validity_folders(root)
    readme = render_all(root, validity=folders)[root / "README.md"]
    assert "What the noise allows" in readme
    assert len(calls) == 1
    if figures.has_matplotlib():
        draw_validity_bands(root, folders)
        assert len(calls) == 1
