"""The multi-seed parity tooling (benchmarks/parity_tools/{official_run,seeds}.py) without the
official code: a stand-in checkout carries exactly the lines the patches expect."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from parity_tools import official_run, seeds  # noqa: E402

MAIN = ("import os\nsetup_seed(0)\nDataLoader(x, num_workers=8)\n"
        "np.savez(p, preds=preds.squeeze(), \n    labels=labels.squeeze(), feat=feat)\n")


def fake_checkout(root: Path, method: str) -> Path:
    root.mkdir()
    (root / "main.py").write_text(MAIN)
    (root / "models").mkdir()
    (root / "models" / "model.py").write_text(
        "w = torch.linspace(0, 1, n_query, requires_grad=False).cuda()\n")
    (root / "README.md").write_text(
        "python main.py --video-path {path} --train-label-path {x} --test-label-path {y} "
        "--model-name {name} --action-type {Ball/Clubs} --lr 1e-2 --epoch {250/400} "
        "--n_decoder 2\n")
    (root / "scripts").mkdir()
    (root / "scripts" / "train_all_rg.sh").write_text(
        "path='/data'\npython main.py \\\n  --video-path ${path}'/v' --action-type Ball \\\n"
        "  --epoch 250 --activate_regular_restrictions 2\n"
        "python main.py --action-type Hoop --epoch 300 --loss_align 2\n")
    (root / ".git").mkdir()
    return root


@pytest.mark.parametrize("method", ["gdlt", "cofinal"])
def test_prepare_patches_a_copy_and_leaves_the_checkout(tmp_path: Path, method: str) -> None:
    checkout = fake_checkout(tmp_path / "repo", method)
    tree = official_run.prepare(method, checkout, tmp_path / "scratch")
    main = (tree / "main.py").read_text()
    assert 'setup_seed(int(os.environ.get("OFFICIAL_SEED", "0")))' in main
    assert "num_workers=0" in main and "num_workers=8" not in main
    model = (tree / "models" / "model.py").read_text()
    assert (".cuda()" in model) == (method == "cofinal")
    assert ("dtype=object" in main) == (method == "cofinal")
    assert not (tree / ".git").exists()
    assert (checkout / "main.py").read_text() == MAIN  # the user's checkout is untouched
    assert "SummaryWriter" in (tmp_path / "scratch" / "stub" / "tensorboardX" /
                               "__init__.py").read_text()


def test_prepare_refuses_a_file_without_the_expected_text(tmp_path: Path) -> None:
    checkout = fake_checkout(tmp_path / "repo", "gdlt")
    (checkout / "main.py").write_text("setup_seed(1)\n")
    with pytest.raises(official_run.PatchError, match="main.py: expected text not found"):
        official_run.prepare("gdlt", checkout, tmp_path / "scratch")


def test_official_args_point_the_shipped_command_at_the_export(tmp_path: Path) -> None:
    tree = fake_checkout(tmp_path / "repo", "cofinal")
    export = tmp_path / "export"
    gdlt = official_run.official_args("gdlt", tree, export, "Ball", 30)
    assert gdlt[gdlt.index("--epoch") + 1] == "30"
    assert gdlt[gdlt.index("--video-path") + 1] == str(export / "swintx_avg_fps25_clip32")
    assert gdlt[gdlt.index("--action-type") + 1] == "Ball" and "--n_decoder" in gdlt
    hoop = official_run.official_args("cofinal", tree, export, "Hoop", 12)
    assert hoop[hoop.index("--loss_align") + 1] == "2"
    assert hoop[hoop.index("--epoch") + 1] == "12"
    assert hoop[hoop.index("--test-label-path") + 1] == str(export / "test.txt")
    ball = official_run.official_args("cofinal", tree, export, "Ball", 12)
    assert ball[ball.index("--activate_regular_restrictions") + 1] == "2"
    with pytest.raises(official_run.PatchError, match="no command for Ribbon"):
        official_run.official_args("cofinal", tree, export, "Ribbon", 12)


def test_parse_log_reads_both_scripts_epoch_lines() -> None:
    text = ("noise\nEpoch: 0\tLoss: 1.1446\tTrain Coef: -0.009\tTest Loss: 0.0205\t"
            "Test Coef: -0.005\n"
            "Epoch: 1\tLoss: 1.1761\tTrain Coef: 0.103\tTest Loss: 0.0185\tTest Coef: 0.131579"
            "\tTest rl2: 5.8959\nBest Test Coef: 0.004\n")
    rows = official_run.parse_log(text)
    assert [r["epoch"] for r in rows] == [1, 2]
    assert rows[0]["test_srcc"] == -0.005 and rows[1]["test_srcc"] == 0.131579
    assert rows[1]["train_loss"] == 1.1761


def test_plan_pairs_sides_per_seed_then_adds_extra_settings() -> None:
    specs = seeds.plan(["gdlt", "cofinal"], ["Ball"], [0, 1], 30,
                       {"cofinal": [("variant=paper",)]})
    first = specs[:4]
    assert [(s.method, s.side, s.seed) for s in first] == [
        ("gdlt", "official", 0), ("gdlt", "ours", 0), ("cofinal", "official", 0),
        ("cofinal", "ours", 0)]
    assert specs[3].sets == ("variant=code",)
    assert [s.setting for s in specs[-2:]] == ["variant=paper"] * 2
    assert specs[-1].name == "cofinal__ours__Ball__e30__seed1__variant-paper.json"
    assert len({s.name for s in specs}) == len(specs) == 10


def test_pooled_sd_matches_the_textbook_formula() -> None:
    a, b = [0.1, 0.2, 0.3], [0.2, 0.4, 0.6]
    expected = math.sqrt((2 * 0.01 + 2 * 0.04) / 4)
    assert seeds.pooled_sd(a, b) == pytest.approx(expected)
    assert math.isnan(seeds.pooled_sd([0.1], [0.2, 0.3]))


def row(method: str, side: str, seed: int, final: float, best: float,
        setting: str | None = None) -> dict:
    default = {"gdlt": "default", "cofinal": "variant=code"}[method]
    return {"method": method, "side": side, "subset": "Ball", "seed": seed, "epochs": 30,
            "setting": setting or ("official" if side == "official" else default),
            "final_srcc": final, "best_srcc": best, "wall_seconds": 10.0}


def test_summary_reports_the_gap_against_the_pooled_sd() -> None:
    rows = [row("gdlt", "official", s, f, f + 0.1) for s, f in enumerate((0.1, 0.2, 0.3))]
    rows += [row("gdlt", "ours", s, f, f + 0.1) for s, f in enumerate((0.15, 0.25, 0.35))]
    rows += [row("cofinal", "official", s, f, f) for s, f in enumerate((0.40, 0.41, 0.42))]
    rows += [row("cofinal", "ours", s, f, f) for s, f in enumerate((0.10, 0.11, 0.12))]
    rows += [row("cofinal", "ours", 0, 0.0, 0.0, "variant=paper")]
    text = seeds.summary(rows)
    assert "| gdlt | Ball | 30 | official | 0,1,2 | 0.200 ± 0.100 | 0.300 ± 0.100 | 10 |" in text
    assert "| gdlt | Ball | 30 | final | 0.200 (n=3) | 0.250 (n=3) | +0.050 | 0.100 | yes |" in text
    assert "| cofinal | Ball | 30 | final | 0.410 (n=3) | 0.110 (n=3) | -0.300 | 0.010 | no |" \
        in text
    assert "| cofinal | Ball | 30 | variant=paper | 0 | 0.000 ± nan |" in text
    one = seeds.summary(rows[:1] + rows[3:4])
    assert "| gdlt | Ball | 30 | final | 0.100 (n=1) | 0.150 (n=1) | +0.050 | nan | n/a" in one


def test_run_spec_skips_a_run_whose_json_exists(tmp_path: Path) -> None:
    spec = seeds.Spec("gdlt", "ours", "Ball", 0, 30)
    (tmp_path / spec.name).write_text(json.dumps(row("gdlt", "ours", 0, 0.5, 0.6)))
    # nothing to run it with: an export that does not exist would fail if it were run
    path = seeds.run_spec(spec, tmp_path, tmp_path / "missing", tmp_path, {})
    assert path == tmp_path / spec.name
    assert seeds.load(tmp_path)[0]["final_srcc"] == 0.5


def test_run_spec_leaves_a_run_another_sweep_holds(tmp_path: Path) -> None:
    spec = seeds.Spec("gdlt", "ours", "Ball", 1, 30)
    (tmp_path / spec.name).with_suffix(".running").touch()
    assert seeds.run_spec(spec, tmp_path, tmp_path / "missing", tmp_path, {}).suffix == \
        ".running"
    assert not (tmp_path / spec.name).exists()


def test_prepare_reuses_a_prepared_copy(tmp_path: Path) -> None:
    checkout = fake_checkout(tmp_path / "repo", "gdlt")
    tree = official_run.prepare("gdlt", checkout, tmp_path / "scratch")
    (tree / "marker").write_text("kept")
    assert official_run.prepare("gdlt", checkout, tmp_path / "scratch") == tree
    assert (tree / "marker").exists()  # not rebuilt: a running sweep's files stay in place


def test_cofinal_collapse_describes_constant_and_varied_heads() -> None:
    import numpy as np
    from cofinal_collapse import describe

    from aqabench_cofinal.grades import GradeGrid

    grid = GradeGrid(7, 10, 1.0)
    truth = np.array([7.0, 10.5, 14.0, 17.5])  # raw points; grades 2, 3, 4, 5 at 3.5 / grade
    logits = np.tile(np.array([0.0, 0.1, 0.2, 0.9, 0.3, 0.0, 0.0]), (4, 1))
    constant = {"hard_score": np.full(4, 14.0), "soft_score": np.array([13.0, 13.1, 13.2, 13.3]),
                "coarse_logits": logits, "fine_similarity": np.tile(np.eye(10)[9], (4, 1))}
    lines = describe("test", constant, truth, grid, 3.5)
    assert "- distinct predictions: hard 1, soft 4" in lines
    assert "- SRCC hard 0.000, soft 1.000" in lines
    assert "arg-max grade: {3: 4}; true grade: {2: 1, 3: 1, 4: 1, 5: 1}" in lines[3]
    assert "std across videos (mean over grades) 0.0000; top-1 minus top-2 margin 0.6000" \
        in lines[4]
    assert lines[5].startswith("- FGS arg-max sub-grade: {9: 4}")
