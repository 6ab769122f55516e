"""``aqabench plot`` and the leaderboard's figures: the data behind each figure, files written,
the matplotlib hint, and ``leaderboard build --check`` ignoring figure bytes."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from aqabench import figures
from aqabench.leaderboard import check, render_all, write_all
from aqabench.results import read_record, write_record

from .fake_records import fake_record, good, labels

pytest.importorskip("matplotlib")


def seeded(method: str, subset: str, seeds: int, noise: float = 0.2) -> list[dict]:
    truth = labels(seed=1)
    return [fake_record(method, "rg-synth", subset, good(truth, s, noise), truth, s)
            for s in range(seeds)]


def test_scatter_data_is_the_records_predictions_with_srcc_in_the_title() -> None:
    record = seeded("gdlt", "Ball", 1)[0]
    data = figures.scatter_data(record)
    assert np.array_equal(data["pred"], record["predictions"]["final"])
    assert np.array_equal(data["truth"], record["predictions"]["truth"])
    assert f"SRCC {record['final']['srcc']:.3f}" in data["title"]


def test_curve_data_marks_the_final_and_best_epochs() -> None:
    record = seeded("gdlt", "Ball", 1)[0]
    record["curve"] = [{"epoch": e, "train_loss": 1.0 / e, "test_srcc": s}
                       for e, s in ((1, 0.2), (2, 0.6), (3, 0.5))]
    record["final"]["epoch"], record["best"]["epoch"] = 3, 2
    data = figures.curve_data(record)
    assert data["epochs"].tolist() == [1, 2, 3] and data["test_srcc"].tolist() == [0.2, 0.6, 0.5]
    assert np.allclose(data["train_loss"], [1.0, 0.5, 1 / 3])
    assert (data["final_epoch"], data["best_epoch"]) == (3, 2)


def test_bar_data_mean_std_over_seeds_or_one_seeds_ci() -> None:
    three = seeded("cofinal", "Ball", 3)
    one = seeded("gdlt", "Ball", 1, noise=0.5)[0]
    one["final"]["srcc_ci"] = [one["final"]["srcc"] - 0.1, one["final"]["srcc"] + 0.05]
    panels = figures.bar_data([*three, one, *seeded("ridge", "Hoop", 1)])["rg-synth"]
    assert [p.subset for p in panels] == ["Ball", "Hoop"]
    cofinal, gdlt = panels[0].bars
    values = [r["final"]["srcc"] for r in three]
    assert cofinal.n == 3 and cofinal.value == pytest.approx(np.mean(values))
    assert cofinal.low == cofinal.high == pytest.approx(np.std(values, ddof=1))
    assert (gdlt.n, gdlt.low, gdlt.high) == (1, pytest.approx(0.1), pytest.approx(0.05))


def test_plot_writes_png_and_pdf_for_a_run(run_cli, tmp_path: Path) -> None:
    code, _, err = run_cli("run", "--method", "ridge", "--dataset", "toy-synth", "--size",
                           "tiny", "--epochs", "2", "--out", tmp_path / "runs")
    assert code == 0, err
    code, out, _ = run_cli("plot", tmp_path / "runs", "--out", tmp_path / "png")
    names = sorted(p.name for p in (tmp_path / "png").iterdir())
    assert code == 0 and "3 figures" in out
    (record,) = (tmp_path / "runs").glob("*.json")
    assert names == [f"{record.stem}__curves.png", f"{record.stem}__scatter.png",
                     "srcc-toy-synth.png"]
    assert record.stem.startswith("ridge__toy-synth__seed0__tiny__epochs-2__c")
    assert all((tmp_path / "png" / n).read_bytes()[:4] == b"\x89PNG" for n in names)
    code, _, _ = run_cli("plot", tmp_path / "runs", "--format", "pdf", "--kind", "scatter",
                         "--out", tmp_path / "pdf")
    pdf = tmp_path / "pdf" / f"{record.stem}__scatter.pdf"
    assert code == 0 and pdf.read_bytes()[:4] == b"%PDF"
    again = tmp_path / "again"
    run_cli("plot", tmp_path / "runs", "--format", "pdf", "--kind", "scatter", "--out", again)
    assert (again / pdf.name).read_bytes() == pdf.read_bytes()  # no creation date inside


def test_plot_without_matplotlib_is_a_one_line_hint(run_cli, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    write_record(seeded("gdlt", "Ball", 1)[0], tmp_path / "runs")
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    code, _, err = run_cli("plot", tmp_path / "runs", "--out", tmp_path / "figs")
    assert code == 2 and "pip install 'aqabench[plot]'" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "figs").exists()


def test_leaderboard_build_draws_figures_and_check_ignores_them(run_cli, tmp_path: Path) -> None:
    root = tmp_path / "board"
    for record in seeded("cofinal", "Ball", 2) + seeded("ridge", "Ball", 1, 2.0):
        write_record(record, root / "results")
    code, out, _ = run_cli("leaderboard", "build", "--root", root)
    figure = root / "figures" / "srcc-rg-synth.png"
    assert code == 0 and "drew 1 figures" in out and figure.is_file()
    assert "![SRCC per method on rg-synth](figures/srcc-rg-synth.png)" in (
        root / "README.md").read_text()
    figure.write_bytes(b"other matplotlib version")
    assert check(render_all(root)) == []
    figure.unlink()
    code, _, _ = run_cli("leaderboard", "build", "--check", "--root", root)
    assert code == 0


def test_readme_links_do_not_depend_on_matplotlib(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "board"
    write_record(seeded("cofinal", "Ball", 1)[0], root / "results")
    with_mpl = render_all(root)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert render_all(root) == with_mpl
    write_all(with_mpl)
    assert check(render_all(root)) == []


def test_the_papers_protocol_tab1_gets_bar_charts_of_its_own(run_cli, tmp_path: Path) -> None:
    """The committed paper-protocol records of the default twins are drawn per dataset and
    linked under their Tab. 1; the code variant's bars read "CoFInAl (code)", without its
    setting repeated."""
    root = tmp_path / "board"
    for record in seeded("ridge", "Ball", 1):
        write_record(record, root / "results")
    committed = Path(__file__).parents[1] / "leaderboards"
    for folder in ("validity-irregular", "validity-unseen-irregular"):
        shutil.copytree(committed / folder, root / folder)
    code, out, _ = run_cli("leaderboard", "build", "--root", root)
    assert code == 0 and (root / "figures" / "srcc-fisv-synth-irregular.png").is_file()
    section = (root / "README.md").read_text().split("at the papers' protocols on the default "
                                                     "twins — final")[1].split("\n## ")[0]
    assert ("![SRCC per method on rg-synth-irregular at the papers' protocols]"
            "(figures/srcc-rg-synth-irregular.png)") in section
    code_record = next(p for p in (root / "validity-irregular").glob("*variant-code*"))
    assert figures.row_label(read_record(code_record)) == "CoFInAl (code)"
