"""Tables and the leaderboard with seeds: mean ± std (n), one seed's CI, bold only when the
best is separated from the second, ≈ otherwise."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aqabench.leaderboard import render_all, write_all
from aqabench.results import write_record
from aqabench.table_layouts import build_table
from aqabench.tables import CellStats, Column, Row, Table, render

from .fake_records import RG, fake_record, good, labels, random


def board(tmp_path: Path, gdlt_noise: float) -> Path:
    root = tmp_path / "board"
    for k, subset in enumerate(RG):
        truth = labels(seed=k)
        for seed in range(3):
            write_record(fake_record("cofinal", "rg-synth", subset, good(truth, seed), truth,
                                     seed), root / "results")
            write_record(fake_record("gdlt", "rg-synth", subset,
                                     good(truth, seed + 10, gdlt_noise), truth, seed),
                         root / "results")
        write_record(fake_record("ridge", "rg-synth", subset, random(truth, k), truth),
                     root / "results")
    write_all(render_all(root))
    return root


def row(text: str, start: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.startswith(start))
    return [c.strip() for c in line.strip().strip("|").split("|")]


def test_readme_shows_mean_std_n_seeds_and_one_seed_cis(tmp_path: Path) -> None:
    root = board(tmp_path, gdlt_noise=1.0)
    readme = (root / "README.md").read_text()
    assert "seeds 0, 1, 2 (3 seeds for 8 cells, 1 seed for 4 cells)" in readme
    assert "mean ± std (n=seeds)" in readme and "Welch's t-test" in readme
    cofinal = row(readme, "| CoFInAl † | synthetic twin")
    assert all(" ± " in c and c.endswith("(n=3)**") for c in cofinal[2:7])  # bold: separated
    gdlt = row(readme, "| GDLT † | synthetic twin")
    assert gdlt[2].startswith("<ins>") and "(n=3)" in gdlt[2]
    ridge = row(readme, "| Ridge † | synthetic twin")
    low, high = ridge[2].split("[")[1].rstrip("]").split(", ")
    assert float(low) < float(ridge[2].split()[0]) < float(high)  # the CI of one seed
    assert "[" in ridge[6]  # the Fisher-z average of one seed has its pooled CI too
    tex = (root / "tables" / "cofinal-tab1-final.tex").read_text()
    assert r"$\pm$" in tex and "(n=3)" in tex


def test_unseparated_best_is_not_bold_and_ties_are_marked(tmp_path: Path) -> None:
    root = board(tmp_path, gdlt_noise=0.2)
    text = (root / "tables" / "cofinal-tab1-final.md").read_text()
    cofinal = row(text, "| CoFInAl † | synthetic twin")
    gdlt = row(text, "| GDLT † | synthetic twin")
    ridge = row(text, "| Ridge † | synthetic twin")
    ties = [j for j in range(2, 7) if cofinal[j].endswith("≈") or gdlt[j].endswith("≈")]
    assert ties  # same noise: some columns are statistical ties
    for j in ties:
        assert "**" not in cofinal[j] + gdlt[j] and "≈" in cofinal[j] + gdlt[j]
        assert not ridge[j].endswith("≈")  # random predictions are separated from the best
    assert "≈ marks every cell not separated from the best" in text


def test_table_ranks_fall_back_without_statistics() -> None:
    columns = [Column("SRCC")]
    plain = Table("t", "t", ["m"], columns, [Row(["a"], [0.9]), Row(["b"], [0.8])])
    assert plain.ranks() == {(0, 0): 1, (1, 0): 2}
    close = [Row(["a"], [0.9], stats={0: CellStats((0.9,), None, (0.7, 0.95))}),
             Row(["b"], [0.8], stats={0: CellStats((0.8,), None, (0.6, 0.9))}),
             Row(["c"], [0.1], stats={0: CellStats((0.1,), None, (0.0, 0.2))})]
    tied = Table("t", "t", ["m"], columns, close)
    assert tied.ranks() == {(0, 0): 3, (1, 0): 3}
    assert "0.900 [0.700, 0.950] ≈" in render(tied, "markdown")
    assert r"0.900 [0.700, 0.950] $\approx$" in render(tied, "latex")


def test_val_protocol_tables_skip_records_without_it() -> None:
    truth = labels()
    plain = fake_record("gdlt", "rg-synth", "Ball", good(truth, 0), truth)
    selected = fake_record("cofinal", "rg-synth", "Ball", good(truth, 1), truth)
    selected["val"] = {**selected["final"], "chosen_on": "val", "val_srcc": 0.5}
    table = build_table("cofinal-tab1", [plain, selected], [], "val")
    assert [r.labels[0] for r in table.rows if r.reproduced] == ["CoFInAl"]
    assert "validation split carved from the training split" in render(table, "markdown")


def test_constant_predictions_are_marked_and_never_ranked_best(tmp_path: Path) -> None:
    """A model predicting one value for every video has SRCC 0 by convention (metrics.srcc):
    its cell says so, and a column of such zeros has no bold (before, every tied 0.000 was)."""
    root = tmp_path / "board"
    truth = labels(seed=0)
    for seed in range(3):
        write_record(fake_record("cofinal", "rg-synth", "Ball", np.full(truth.size, 17.15),
                                 truth, seed), root / "results")
    write_record(fake_record("gdlt", "rg-synth", "Ball", np.full(truth.size, 9.0), truth),
                 root / "results")
    flat = np.full(truth.size, 9.0)
    flat[0] = 9.5  # one video differs: not constant, its SRCC is a number like any other
    write_record(fake_record("hgcn", "rg-synth", "Ball", flat, truth), root / "results")
    write_all(render_all(root))
    text = (root / "tables" / "cofinal-tab1-final.md").read_text()
    assert row(text, "| CoFInAl †")[2].startswith("0.000 ± 0.000 (n=3, 3 const.)")
    assert row(text, "| GDLT †")[2].startswith("0.000 [") and \
        row(text, "| GDLT †")[2].endswith("const.")
    hgcn = row(text, "| HGCN †")[2]
    assert "const." not in hgcn and hgcn.startswith("0.045 [")  # SRCC of one differing video
    # the constant cells are not ranked, so HGCN's is a lone number: nothing is bold
    assert not any("**" in line for line in text.splitlines() if "†" in line)
    assert "const.: seeds whose test predictions are one constant value" in text


def test_run_summary_says_when_the_predictions_are_constant() -> None:
    from aqabench.commands.run import summary_table

    truth = labels(seed=0)
    record = fake_record("cofinal", "rg-synth", "Ball", np.full(truth.size, 3.0), truth)
    record["predictions"]["best"] = list(good(truth, 0))
    caption = str(summary_table(record).caption)
    assert "final epoch: one constant prediction for every test video" in caption
    assert "best epoch" not in caption.split(";")[-1]
    record["predictions"]["final"] = list(good(truth, 0))
    assert "constant" not in str(summary_table(record).caption)


def test_caption_counts_seeds_per_cell_in_words() -> None:
    from aqabench.table_stats import caption_line

    def rows(*ns: int) -> list[Row]:
        return [Row(["m"], [0.5], stats={0: CellStats(tuple(0.5 for _ in range(n)))})
                for n in ns]

    lines = [caption_line(rows(*ns)) or "" for ns in ((1, 1), (3,), (1, 3))]
    assert [line.split(":")[0] for line in lines] == [
        "Reproduced cells (1 seed per cell)", "Reproduced cells (3 seeds per cell)",
        "Reproduced cells (1-3 seeds per cell)"]
    assert caption_line([]) is None
