"""Twin validity report: the twin's order against the published VST and I3D orders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from aqabench.errors import UsageError
from aqabench.leaderboard import render_all
from aqabench.results import write_record
from aqabench.validity import published, report, resolved, twin_records

from .fake_records import fake_record, labels

#: methods in the published VST order on RG Ball (CoFInAl > GDLT > HGCN > MS-LSTM)
ORDER = [("cofinal", "paper"), ("gdlt", None), ("hgcn", None), ("mslstm", "paper")]


def records_with_quality(qualities: list[float], subset: str = "Ball", seed: int = 0
                         ) -> list[dict[str, Any]]:
    """One RG record per method in ORDER, plus ridge; prediction noise falls with quality."""
    truth = labels(50)
    out = []
    for (method, variant), q in zip(ORDER + [("ridge", None)], qualities + [0.05]):
        noise = np.random.default_rng(len(out) + 10 * seed).normal(0, truth.std(), truth.size)
        record = fake_record(method, "rg-synth", subset, q * truth + (1 - q) * noise, truth,
                             seed=seed)
        record["identity"]["variant"] = variant
        out.append(record)
    return out


def figure(lines: list[str], prefix: str) -> str:
    return next(line for line in lines if line.startswith(prefix))


def test_published_order_gives_tau_one_and_reversed_gives_minus_one() -> None:
    tab1 = published()
    assert tab1[("CoFInAl", "Ball")] > tab1[("GDLT", "Ball")] > tab1[("HGCN", "Ball")]
    agree = report(records_with_quality([0.9, 0.7, 0.5, 0.3]), "final")
    assert "Ball 1.00" in figure(agree, "- Kendall τ vs the VST rows")
    assert "4 of 4" in figure(agree, "- paper methods above ridge")
    reverse = report(records_with_quality([0.3, 0.5, 0.7, 0.9]), "final")
    assert "Ball -1.00" in figure(reverse, "- Kendall τ vs the VST rows")
    assert "pooled over 6 within-subset pairs: τ = -1.00" in figure(reverse,
                                                                  "- Kendall τ vs the VST")


def test_only_the_subsets_the_records_cover_are_reported() -> None:
    """validity-unseen's Clubs: Tab. 1's VST order there is CoFInAl > GDLT > HGCN > MS-LSTM,
    as on Ball; no Ball, Hoop or TES row or τ appears."""
    lines = report(records_with_quality([0.9, 0.7, 0.5, 0.3], "Clubs"), "final")
    assert figure(lines, "- Kendall τ vs the VST rows").startswith(
        "- Kendall τ vs the VST rows: Clubs 1.00; pooled over 6")
    table = [line for line in lines if line.startswith("| Clubs |")]
    assert len(table) == 5 and "0.551 (C3D+SVR)" in table[-1]
    assert not any(line.startswith(("| Ball", "| Hoop", "| TES")) for line in lines)


def test_i3d_rows_give_their_own_order() -> None:
    """On RG Ball the I3D rows order HGCN above GDLT (0.534 > 0.526), the VST rows the reverse,
    so a twin in the VST order has τ < 1 against the I3D rows."""
    vst, i3d = published("VST"), published("I3D")
    assert vst[("GDLT", "Ball")] > vst[("HGCN", "Ball")] and i3d[("HGCN", "Ball")] > i3d[
        ("GDLT", "Ball")]
    lines = report(records_with_quality([0.9, 0.7, 0.5, 0.3]), "final")
    assert "Ball 0.67" in figure(lines, "- Kendall τ vs the I3D rows")


def test_pairs_are_counted_resolved_only_when_the_twin_separates_them() -> None:
    """Clearly separated qualities are resolved on 50 videos; identical predictions are not."""
    lines = report(records_with_quality([0.95, 0.65, 0.35, 0.05]), "final")
    assert "6 agree, 0 reversed, 0 not resolved" in figure(lines, "- Kendall τ vs the VST")
    same = records_with_quality([0.5, 0.5, 0.5, 0.5])
    for record in same[1:4]:
        record["predictions"] = same[0]["predictions"]
        record["final"] = same[0]["final"]
    ties = report(same, "final")
    assert "0 agree, 0 reversed, 6 not resolved" in figure(ties, "- Kendall τ vs the VST")


def test_cells_with_seeds_are_their_mean_and_are_tested_over_seeds() -> None:
    """Three seeds a cell: the twin column is mean ± std (n=3) and τ reads the means. A pair
    the seed-0 records separate on the test videos is not resolved when the seeds disagree on
    its order (Welch's t over seeds), and is when they agree."""
    flip = [[0.95, 0.05, 0.35, 0.3], [0.05, 0.95, 0.35, 0.3], [0.95, 0.05, 0.35, 0.3]]
    runs = [records_with_quality(q, seed=seed) for seed, q in enumerate(flip)]
    seed0 = twin_records(runs[0], "final")
    cofinal, gdlt = ("CoFInAl", "Ball", None), ("GDLT", "Ball", None)
    assert resolved(seed0[cofinal], seed0[gdlt], "final", 1) is True  # on the videos
    three = twin_records([r for seed in runs for r in seed], "final")
    assert [r["identity"]["seed"] for r in three[cofinal]] == [0, 1, 2]
    assert resolved(three[cofinal], three[gdlt], "final", 1) is False  # over seeds
    lines = report([r for seed in runs for r in seed], "final")
    row = figure(lines, "| Ball | CoFInAl |")
    assert "(n=3)" in row and " ± " in row
    means = {line.split(" | ")[1]: float(line.split(" | ")[2].split()[0])
             for line in lines if line.startswith("| Ball |") and "(n=3)" in line}
    assert means["CoFInAl"] > means["GDLT"]  # 2 seeds of 3 put CoFInAl first
    steady = [r for seed in range(3)
              for r in records_with_quality([0.95, 0.65, 0.35, 0.05], seed=seed)]
    assert "6 agree, 0 reversed, 0 not resolved" in figure(report(steady, "final"),
                                                          "- Kendall τ vs the VST")


def test_ablations_are_compared_on_the_seeds_they_all_have() -> None:
    """"Ours" with seeds 0-2 against ablations of seed 0: the ablation table reads seed 0."""
    records = [r for seed in range(3)
               for r in records_with_quality([0.9, 0.7, 0.5, 0.3], seed=seed)]
    truth = labels(50)
    for k, setting in enumerate(("use_lr=false", "use_tfm=false")):
        record = fake_record("cofinal", "rg-synth", "Ball", truth + k, truth)  # SRCC 1
        record["identity"].update(variant="paper", setting=setting)
        records.append(record)
    lines = report(records, "final")
    ours = figure(lines, "| Ours |")
    seed0 = next(r for r in records if r["identity"]["method"] == "cofinal"
                 and r["identity"]["seed"] == 0 and r["identity"]["setting"] is None)
    assert ours == f"| Ours | Ball | {seed0['final']['srcc']:.3f} | 0.809 (Tab. 3) |"  # seed 0
    assert "(n=3)" in figure(lines, "| Ball | CoFInAl |")  # the main table keeps all three


def test_method_below_ridge_is_flagged_and_no_records_give_no_report() -> None:
    records = records_with_quality([0.9, 0.7, 0.5, 0.3])
    records[-1] = fake_record("ridge", "rg-synth", "Ball", labels(50), labels(50))  # perfect
    lines = report(records, "final")
    assert "0 of 4" in figure(lines, "- paper methods above ridge")
    assert "**no**" in "\n".join(lines)
    assert report([], "final") == []


def board_with_validity(tmp_path: Path) -> Path:
    """A leaderboard root whose ``validity`` and ``results`` hold the published-order records."""
    root = tmp_path / "board"
    for record in records_with_quality([0.9, 0.7, 0.5, 0.3]):
        write_record(record, root / "validity")
        write_record(record, root / "results")
    return root


def test_leaderboard_readme_shows_the_validity_report(tmp_path: Path) -> None:
    root = board_with_validity(tmp_path)
    readme = render_all(root)[root / "README.md"]
    assert "## Twin validity" in readme and "VST rows: Ball 1.00" in readme


def test_two_runs_of_one_cell_and_seed_are_refused_naming_the_cell() -> None:
    records = records_with_quality([0.9, 0.7, 0.5, 0.3])
    again = records_with_quality([0.9, 0.7, 0.5, 0.3])[2]  # HGCN, the same run: kept
    assert twin_records(records + [again], "final")[("HGCN", "Ball", None)] == [again]
    stale = records_with_quality([0.9, 0.7, 0.5, 0.1])[3]
    stale["provenance"]["config_hash"] = "y"  # MS-LSTM at another config
    with pytest.raises(UsageError, match=r"mslstm rg-synth/Ball seed 0 .*x, y"):
        twin_records(records + [stale], "final")


def test_the_cofinal_code_variant_can_stand_in_cofinals_rows() -> None:
    """Paper model last, code variant first: τ 0 with the paper model in CoFInAl's rows (the
    default; the code variant beside, unranked), 1 with ``cofinal="code"`` (the paper model
    beside), and each is shown under its own label."""
    records = records_with_quality([0.1, 0.7, 0.5, 0.3])
    code = records_with_quality([0.9, 0.7, 0.5, 0.3])[0]
    code["identity"].update(variant="code", setting='variant="code"')  # as bench names it
    records.append(code)
    ablation = records_with_quality([0.2, 0.7, 0.5, 0.3])[0]  # the paper model's, unranked then
    ablation["identity"].update(setting="use_lr=false", config_hash="other")
    ablation["provenance"]["config_hash"] = "other"
    records.append(ablation)
    default = report(records, "final")
    assert "Ball 0.00" in figure(default, "- Kendall τ vs the VST rows")
    assert figure(default, "| Ball | CoFInAl (code variant) |")
    as_code = report(records, "final", "code")
    assert "Ball 1.00" in figure(as_code, "- Kendall τ vs the VST rows")
    assert "CoFInAl's rows: its `variant=code` records" in as_code[0]
    assert figure(as_code, "| Ball | CoFInAl (paper model) |")
    assert not any(line.startswith("| Ball | CoFInAl (code variant)") for line in as_code)
    assert sum(line.startswith("| Ball | CoFInAl (paper model) |") for line in as_code) == 1
    with pytest.raises(UsageError, match="CoFInAl variant 'ablation'"):
        report(records, "final", "ablation")
