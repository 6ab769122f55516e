"""leaderboard build / --check: generated files, oracle rows, a changed number is named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aqabench.leaderboard import check, render_all, write_all
from aqabench.plugins import get_registry
from aqabench.runner import RunRequest, run


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("board")
    request = RunRequest(method="ridge", dataset="rg-synth", subset="Ball", size="tiny",
                         epochs=2, out_dir=root / "results")
    run(request, get_registry())
    write_all(render_all(root))
    return root


def test_build_writes_readme_and_tables_with_oracle_rows(board: Path) -> None:
    readme = (board / "README.md").read_text()
    assert "Oracle ceiling (tiny twin) †" in readme and "Ridge (tiny twin) †" in readme
    assert "CoFInAl Tab. 1" in readme and "final (last) epoch" in readme
    tab1 = (board / "tables" / "cofinal-tab1-final.md").read_text()
    oracle = next(line for line in tab1.splitlines() if line.startswith("| Oracle ceiling"))
    assert "**" not in oracle and "<ins>" not in oracle  # a bound is never ranked
    assert (board / "tables" / "cofinal-tab1-best.tex").read_text().count("\\textbf") >= 8
    assert check(render_all(board)) == []


def test_check_names_the_changed_cell(board: Path) -> None:
    path = board / "tables" / "cofinal-tab1-final.md"
    original = path.read_text()
    ridge = next(line for line in original.splitlines() if line.startswith("| Ridge"))
    value = ridge.split("|")[3].strip().strip("*<ins>/")
    path.write_text(original.replace(ridge, ridge.replace(value, "0.999", 1)))
    try:
        problems = check(render_all(board))
    finally:
        path.write_text(original)
    assert len(problems) == 1
    assert "cofinal-tab1-final.md" in problems[0]
    assert "'Ridge (tiny twin) † / synthetic twin'" in problems[0] and "'RG Ball'" in problems[0]
    assert "0.999" in problems[0]


def test_check_reports_missing_files(board: Path, tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    shutil.copytree(board / "results", root / "results")
    problems = check(render_all(root))
    assert any("README.md: missing" in p for p in problems)


def test_cli_check_exit_codes(board: Path, run_cli) -> None:
    code, out, _ = run_cli("leaderboard", "build", "--check", "--root", board)
    assert code == 0 and "match" in out
    readme = board / "README.md"
    text = readme.read_text()
    readme.write_text(text + "\nhand edit\n")
    try:
        code, _, err = run_cli("leaderboard", "build", "--check", "--root", board)
    finally:
        readme.write_text(text)
    assert code == 1 and "README.md" in err


def readme_with(board: Path, tmp_path: Path, folder: str, names: tuple[str, ...]) -> str:
    """The README of ``board`` plus the committed records ``names`` of ``leaderboards/folder``."""
    committed = Path(__file__).parents[1] / "leaderboards" / folder
    root = tmp_path / "board"
    shutil.copytree(board, root)
    (root / folder).mkdir()
    for name in names:
        shutil.copy(committed / name, root / folder / name)
    return render_all(root)[root / "README.md"]


def test_each_validity_folder_gets_its_own_section(board: Path, tmp_path: Path) -> None:
    readme = readme_with(board, tmp_path, "validity-roster",
                         ("ridge__rg-synth-roster__Ball__seed0.json",
                          "gdlt__rg-synth-roster__Ball__seed0.json"))
    assert "## Twin validity of the roster candidates (`validity-roster`)" in readme
    assert "## Twin validity (the `validity` suite" not in readme  # no validity/ folder here
    section = readme.split("roster candidates")[1]
    assert "| Ball | GDLT |" in section and "leaderboards/validity-roster/" in section


def test_the_one_venue_bound_gets_its_section(board: Path, tmp_path: Path) -> None:
    readme = readme_with(board, tmp_path, "validity-onevenue",
                         ("ridge__rg-synth-onevenue__Hoop__seed0.json",
                          "hgcn__rg-synth-onevenue__Hoop__seed0.json"))
    section = readme.split("## The one-venue bound (`validity-onevenue`)")[1]
    assert "| Hoop | HGCN | 0.403 |" in section and "| Hoop | ridge | 0.533 |" in section
    assert "Ball" not in section.split("## ")[0].split("| subset |")[1]  # only Hoop copied


def test_the_unseen_subsets_get_their_section_with_their_own_rows(board: Path,
                                                                  tmp_path: Path) -> None:
    committed = Path(__file__).parents[1] / "leaderboards" / "validity-unseen"
    root = tmp_path / "board"
    shutil.copytree(board, root)
    shutil.copytree(committed, root / "validity-unseen")
    readme = render_all(root)[root / "README.md"]
    title = "## Twin validity of the v5 twins on unseen subsets (`validity-unseen`)"
    section = readme.split(title)[1]
    assert "| Clubs | CoFInAl |" in section and "| Ribbon | ridge |" in section
    assert "| Ball |" not in section and "leaderboards/validity-unseen/" in section


def test_a_validity_section_adds_the_code_variant_reading_where_it_has_its_records(
        board: Path, tmp_path: Path) -> None:
    """The default-twin rule read τ with the official code's CoFInAl in its rows: a section
    whose folder has ``variant=code`` records prints that reading too, one without does not."""
    committed = Path(__file__).parents[1] / "leaderboards"
    root = tmp_path / "board"
    shutil.copytree(board, root)
    shutil.copytree(committed / "validity-unseen-irregular", root / "validity-unseen-irregular")
    shutil.copytree(committed / "validity-unseen", root / "validity-unseen")  # no code records
    assert not any("variant-code" in p.name for p in (root / "validity-unseen").iterdir())
    readme = render_all(root)[root / "README.md"]
    title = "## Twin validity of the default twins on unseen subsets (`validity-unseen-irregular`)"
    section = readme.split(title)[1].split("\n## ")[0]
    code = section.split("With the official code's CoFInAl (`variant=code`)")[1]
    assert "pooled over 18 within-subset pairs: τ = 0.56" in code
    assert "- paper methods above ridge: 9 of 12" in code
    v5 = readme.split("on unseen subsets (`validity-unseen`)")[1].split("\n## ")[0]
    assert "Kendall τ vs the VST rows" in v5 and "With the official code's CoFInAl" not in v5


def test_the_default_twins_paper_protocol_records_get_their_tab1(board: Path,
                                                                 tmp_path: Path) -> None:
    """The committed validity records of the default twins fill a Tab. 1 of their own (the
    papers' protocols, the code variant beside the paper model); a root without those folders
    has no such table, and the ci suite's Tab. 1 keeps only its own records."""
    title = "## CoFInAl Tab. 1 layout at the papers' protocols on the default twins — final"
    assert title not in (board / "README.md").read_text()
    committed = Path(__file__).parents[1] / "leaderboards"
    root = tmp_path / "board"
    shutil.copytree(board, root)
    for folder in ("validity-irregular", "validity-unseen-irregular"):
        shutil.copytree(committed / folder, root / folder)
    files = render_all(root)
    section = files[root / "README.md"].split(title)[1].split("\n## ")[0]
    assert "108 records; seeds 0, 1, 2 (3 seeds for 36 cells)" in section
    code = next(line for line in section.splitlines()
                if line.startswith("| CoFInAl (code; irregular twin) †"))
    assert "| 0.652 ± 0.060 (n=3)" in code  # RG Ball over seeds 0-2, as in the validity section
    assert "| HGCN (irregular twin) † |" in section and "| Ridge (irregular twin) † |" in section
    assert "irregular" not in files[root / "tables" / "cofinal-tab1-final.md"]
    assert (root / "tables" / "cofinal-tab1-papers-best.md") in files


def test_the_ablations_at_the_paper_protocol_get_their_tab3(board: Path, tmp_path: Path) -> None:
    """Tab. 3 from the committed ablation records: each ablation a row of its own, the code
    variant as "Ours (code)" (not merged into the paper model's "Ours"), and the weight-decay
    switch, a harness key the layout cannot tell from "Ours", left out rather than averaged in."""
    committed = Path(__file__).parents[1] / "leaderboards"
    root = tmp_path / "board"
    shutil.copytree(board, root)
    for folder in ("validity-irregular", "validity-unseen-irregular", "validity-irregular-cofinal"):
        shutil.copytree(committed / folder, root / folder)
    files = render_all(root)
    table = files[root / "tables" / "cofinal-tab3-papers-final.md"]
    rows = {line.split(" | ")[0].lstrip("| "): line for line in table.splitlines()
            if "(irregular twin) †" in line or "irregular twin) †" in line}
    assert "| 0.273 ± 0.023 (n=3) |" in rows["Ours (irregular twin) †"]  # paper model, 3 seeds
    assert "| 0.652 ± 0.060 (n=3)" in rows["Ours (code; irregular twin) †"]
    assert "| 0.326 [" in rows["w/o GPM (irregular twin) †"]
    assert "w/o L_R (irregular twin) †" in rows  # the paper's row name, as the published row
    assert not any("weight_decay" in label for label in rows)
    section = files[root / "README.md"].split("## CoFInAl Tab. 3 layout at the paper")[1]
    assert "Ball -0.40, Hoop -0.40; pooled over 20 within-subset pairs: τ = -0.40" in section
    assert "Tab. S6 layout at the paper" not in files[root / "README.md"]  # no s6 folder here


def test_the_fisv_ablations_get_their_tab_s6_with_the_declared_reading(board: Path,
                                                                      tmp_path: Path) -> None:
    """validity-irregular-s6 fills Tab. S6 at the paper's protocol; under it, the reading
    declared before the run: τ per subset against Tab. S6's order, pooled, and whether the two
    large published drops are the twin's two lowest."""
    committed = Path(__file__).parents[1] / "leaderboards"
    root = tmp_path / "board"
    shutil.copytree(board, root)
    for folder in ("validity-irregular", "validity-unseen-irregular", "validity-irregular-s6"):
        shutil.copytree(committed / folder, root / folder)
    readme = render_all(root)[root / "README.md"]
    section = readme.split("## CoFInAl Tab. S6 layout at the paper's protocol")[1].split("\n## ")[0]
    assert "| w/o TFM (irregular twin) † | 0.521 [" in section
    assert "TES -0.20, PCS 0.20; pooled over 20 within-subset pairs: τ = 0.00" in section
    assert "the published two lowest settings the twin's two lowest: TES no, PCS no" in section
