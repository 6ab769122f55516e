"""Twin validity report: the twin's order against the published VST order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from aqabench.leaderboard import render_all
from aqabench.results import write_record
from aqabench.validity import published, report

from .fake_records import fake_record, labels

#: methods in the published VST order on RG Ball (CoFInAl > GDLT > HGCN > MS-LSTM)
ORDER = [("cofinal", "paper"), ("gdlt", None), ("hgcn", None), ("mslstm", "paper")]


def records_with_quality(qualities: list[float]) -> list[dict[str, Any]]:
    """One RG Ball record per method in ORDER, plus ridge; prediction noise falls with quality."""
    truth = labels(50)
    out = []
    for (method, variant), q in zip(ORDER + [("ridge", None)], qualities + [0.05]):
        noise = np.random.default_rng(len(out)).normal(0, truth.std(), truth.size)
        record = fake_record(method, "rg-synth", "Ball", q * truth + (1 - q) * noise, truth)
        record["identity"]["variant"] = variant
        out.append(record)
    return out


def figure(lines: list[str], prefix: str) -> str:
    return next(line for line in lines if line.startswith(prefix))


def test_published_order_gives_tau_one_and_reversed_gives_minus_one() -> None:
    tab1, _ = published()
    assert tab1[("CoFInAl", "Ball")] > tab1[("GDLT", "Ball")] > tab1[("HGCN", "Ball")]
    agree = report(records_with_quality([0.9, 0.7, 0.5, 0.3]), "final")
    assert figure(agree, "- Kendall τ, Ball").endswith("1.00")
    assert "4 of 4" in figure(agree, "- paper methods above ridge")
    reverse = report(records_with_quality([0.3, 0.5, 0.7, 0.9]), "final")
    assert figure(reverse, "- Kendall τ, Ball").endswith("-1.00")
    assert "τ = -1.00" in figure(reverse, "- pooled over 6")


def test_method_below_ridge_is_flagged_and_no_records_give_no_report() -> None:
    records = records_with_quality([0.9, 0.7, 0.5, 0.3])
    records[-1] = fake_record("ridge", "rg-synth", "Ball", labels(50), labels(50))  # perfect
    lines = report(records, "final")
    assert "0 of 4" in figure(lines, "- paper methods above ridge")
    assert "**no**" in "\n".join(lines)
    assert report([], "final") == []


def test_leaderboard_readme_shows_the_validity_report(tmp_path: Path) -> None:
    root = tmp_path / "board"
    for record in records_with_quality([0.9, 0.7, 0.5, 0.3]):
        write_record(record, root / "validity")
        write_record(record, root / "results")
    readme = render_all(root)[root / "README.md"]
    assert "## Twin validity" in readme and "Kendall τ, Ball: 1.00" in readme
