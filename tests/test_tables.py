"""Paper tables: the reported data, Fisher-z averages, bold/underline cells, protocols, CLI."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from aqabench.cli import main as cli_main
from aqabench.metrics import fisher_z_mean
from aqabench.results import SCHEMA_VERSION, write_record
from aqabench.table_layouts import build_table, load_inputs
from aqabench.tables import REPORTED_DIR, load_reported, render

RG, FISV = ("Ball", "Clubs", "Hoop", "Ribbon"), ("TES", "PCS")


def by_row(entries, *keys):
    rows: dict[tuple, dict] = {}
    for e in entries:
        rows.setdefault(tuple(e.get(k) for k in keys), {})[(e["dataset"], e["subset"])] = e
    return rows


# ------------------------------------------------------------------ the reported numbers
def test_every_reported_file_is_well_formed():
    files = sorted(REPORTED_DIR.glob("*.json"))
    assert {f.stem for f in files} >= {"cofinal-tab1", "cofinal-tab2", "cofinal-tab3",
                                      "cofinal-tabS6", "mcore-finediving"}
    for f in files:
        for e in load_reported(f.stem):
            assert e["protocol"] in {"best", "final", "n/a"} and e["paper"] and e["table"]
            assert isinstance(e["value"], float)


def test_reported_tab1_averages_are_fisher_z_means_of_the_reported_subsets():
    rows = by_row(load_reported("cofinal-tab1"), "method", "backbone")
    checked = 0
    for (method, backbone), cells in rows.items():
        for dataset, subsets in (("rg", RG), ("fisv", FISV)):
            avg = cells.get((dataset, "Avg"))
            if avg is None:
                continue
            mean = fisher_z_mean(cells[(dataset, s)]["value"] for s in subsets)
            if "note" in avg:  # ACTION-NET (I3D) RG: the paper prints 0.623, Fisher-z is 0.621
                assert (method, backbone, dataset) == ("ACTION-NET", "I3D + ResNet", "rg")
                assert round(mean, 3) == 0.621 != avg["value"]
            else:
                assert round(mean, 3) == avg["value"], (method, backbone, dataset)
                checked += 1
    assert checked == 20  # 10 RG + 10 Fis-V averages; the 21st is the flagged one
    cofinal = rows[("CoFInAl", "VST")]
    assert cofinal[("rg", "Avg")]["value"] == 0.807 and cofinal[("fisv", "Avg")]["value"] == 0.788


def test_reported_tab_s6_averages_except_the_two_flagged_misprints():
    rows = by_row(load_reported("cofinal-tabS6"), "setting")
    flagged = set()
    for (setting,), cells in rows.items():
        mean = round(fisher_z_mean(cells[("fisv", s)]["value"] for s in FISV), 3)
        if "note" in cells[("fisv", "Avg")]:
            flagged.add(setting)
            assert mean != cells[("fisv", "Avg")]["value"]
        else:
            assert mean == cells[("fisv", "Avg")]["value"]
    assert flagged == {"w/o L_R", "w/o GPM"}


# ------------------------------------------------------------------------- fake records
def record(method, dataset, subset, final, best=None, seed=0, backbone="vst", config=None,
           variant=None, profile=None):
    metrics = final if isinstance(final, dict) else {"srcc": final}
    best_metrics = best if isinstance(best, dict) else {"srcc": best if best is not None
                                                        else metrics["srcc"]}
    return {"schema_version": SCHEMA_VERSION,
            "identity": {"method": method, "dataset": dataset, "subset": subset,
                         "backbone": backbone, "split": "official", "seed": seed,
                         "variant": variant},
            "final": {"epoch": 10, **metrics}, "best": {"epoch": 7, "chosen_on": "test",
                                                         **best_metrics},
            "curve": [], "profile": profile,
            "provenance": {"config": config or {}, "argv": [], "device": "cpu"}}


def latex_marks(text: str) -> dict[str, list[str]]:
    """LaTeX body row ``"label1 & label2"`` -> the cells' ranks: "b", "u" or ""."""
    out = {}
    for line in text.splitlines():
        if not line.endswith(r"\\") or "multicolumn" in line or line.startswith("Method"):
            continue
        cells = [c.strip() for c in line[:-2].split(" & ")]
        labels = [c for c in cells if not re.search(r"\d\.\d|^-$", c)]
        marks = ["b" if r"\textbf" in c else "u" if r"\underline" in c else ""
                 for c in cells[len(labels):]]
        out[" & ".join(labels)] = marks
    return out


def test_tab1_latex_bold_and_underline_in_the_right_cells():
    text = render(build_table("cofinal-tab1", [], []), "latex")
    assert text.count(r"\textbf") == 8 and text.count(r"\underline") == 8
    marks = latex_marks(text)
    # columns: Ball Clubs Hoop Ribbon RG-Avg TES PCS Fis-V-Avg
    assert marks["CoFInAl & VST"] == ["b"] * 8
    assert marks["GDLT & VST"] == ["u", "u", "u", "", "u", "", "u", "u"]
    assert marks["CoFInAl & I3D"] == ["", "", "", "u", "", "", "", ""]
    assert marks["ACTION-NET & VST + ResNet"] == ["", "", "", "", "", "u", "", ""]
    assert r"\begin{tabular}{llcccccccc}" in text and r"\toprule" in text
    assert r"\multicolumn{5}{c}{RG}" in text and r"\cmidrule(lr){8-10}" in text
    assert text.rstrip().endswith(r"\end{table}")


def test_markdown_marks_and_missing_cells():
    text = render(build_table("cofinal-tab1", [], []), "markdown")
    row = next(line for line in text.splitlines() if line.startswith("| MS-LSTM | C3D |"))
    assert row.split(" | ")[2:7] == ["-"] * 5
    cof = next(line for line in text.splitlines() if line.startswith("| CoFInAl | VST |"))
    assert "**0.807**" in cof and "<ins>0.765</ins>" in text


def test_reproduced_rows_fisher_z_average_and_protocol(tmp_path):
    values = dict(zip(RG, (0.5, 0.6, 0.7, 0.8), strict=True))
    records = [record("gdlt", "rg", s, final=v, best=v + 0.1) for s, v in values.items()]
    records.append(record("gdlt", "fisv", "TES", final=0.3))
    # atanh: 0.5493 + 0.6931 + 0.8673 + 1.0986 = 3.2083; tanh(3.2083 / 4) = 0.6653
    hand = math.tanh(sum(math.atanh(v) for v in values.values()) / 4)
    for protocol in ("final", "best"):
        table = build_table("cofinal-tab1", records, [], protocol)
        ours = [r for r in table.rows if r.reproduced]
        assert len(ours) == 1 and ours[0].labels == ["GDLT", "VST"]
        shift = 0.1 if protocol == "best" else 0.0
        expected = hand if protocol == "final" else math.tanh(
            sum(math.atanh(v + shift) for v in values.values()) / 4)
        assert ours[0].values[4] == pytest.approx(expected)
        assert ours[0].values[5] == pytest.approx(0.3) and ours[0].values[6] is None
        assert ours[0].values[7] is None  # no PCS: no Fis-V average
        text = render(table, "markdown")
        assert ("final (last) epoch" in text) == (protocol == "final")
        assert ("best epoch, chosen on the test split" in text) == (protocol == "best")
        assert f"| GDLT † | VST | {values['Ball'] + shift:.3f}" in text
    assert f"{hand:.3f}" == "0.665"
    assert f"| {hand:.3f} |" in render(build_table("cofinal-tab1", records, []), "markdown")


def test_seeds_are_averaged_and_synthetic_twins_ranked_apart():
    records = [record("cofinal", "rg-synth", "Ball", final=v, seed=s, backbone="synthetic")
               for s, v in ((0, 0.90), (1, 0.96))]
    alone = latex_marks(render(build_table("cofinal-tab1", records, []), "latex"))
    assert alone[r"CoFInAl $^\dagger$ & synthetic twin"][0] == ""  # a lone number: no mark
    records.append(record("gdlt", "rg-synth", "Ball", final=0.5, backbone="synthetic"))
    table = build_table("cofinal-tab1", records, [])
    ours = next(r for r in table.rows if r.reproduced)
    assert ours.scope == "synthetic" and ours.values[0] == pytest.approx(0.93)
    marks = latex_marks(render(table, "latex"))
    assert marks["CoFInAl & VST"][0] == "b"  # the real best keeps its bold
    assert marks["GDLT & VST"][0] == "u"
    assert marks[r"CoFInAl $^\dagger$ & synthetic twin"][0] == "b"
    assert marks[r"GDLT $^\dagger$ & synthetic twin"][0] == "u"
    assert "mean of 2 seeds" in render(table, "markdown")


def test_a_twin_variant_fills_its_family_s_columns_in_rows_of_its_own():
    """``rg-synth-irregular`` is RG's twin (its rows fill the RG columns; before, a variant's
    records were read as an unknown real dataset and dropped), marked and ranked apart from
    the default twin's rows, so no row averages two twins."""
    records = [record("gdlt", "rg-synth", "Ball", 0.5, backbone="synthetic"),
               record("gdlt", "rg-synth-irregular", "Ball", 0.9, backbone="synthetic"),
               record("cofinal", "rg-synth-irregular", "Ball", 0.7, backbone="synthetic",
                      variant="code")]
    table = build_table("cofinal-tab1", records, [])
    ours = {r.labels[0]: (r.values[0], r.scope) for r in table.rows if r.reproduced}
    assert ours == {"GDLT": (0.5, "synthetic"),
                    "GDLT (irregular twin)": (0.9, "synthetic-irregular"),
                    "CoFInAl (code; irregular twin)": (0.7, "synthetic-irregular")}
    marks = latex_marks(render(table, "latex"))
    assert marks[r"GDLT (irregular twin) $^\dagger$ & synthetic twin"][0] == "b"
    assert marks[r"GDLT $^\dagger$ & synthetic twin"][0] == ""  # alone in its scope
    assert "rows on the irregular twin (marked) only among those" in render(table, "markdown")


def test_a_variant_record_is_read_against_its_variant_s_defaults():
    """A committed ``variant=code`` record differs from the paper model's defaults in a dozen
    keys (the official scripts' protocol), but it is the code variant at its own defaults:
    'Ours', not an ablation, so Tab. 1 shows it."""
    from aqabench.leaderboard import _defaults
    from aqabench.table_layouts import setting_of

    folder = Path(__file__).parents[1] / "leaderboards" / "validity-irregular"
    path = next(folder.glob("cofinal__fisv-synth-irregular__TES__seed0__variant-code__*.json"))
    code = json.loads(path.read_text())
    assert setting_of(code, _defaults) == "Ours"
    assert setting_of(code, lambda m, d, s, v=None: _defaults(m, d, s)) != "Ours"


def test_ablation_rows_come_from_config_differences():
    def defaults(method, dataset, subset, variant=None):
        return {"use_tfm": True, "use_gpm": True, "variant": "paper"}

    records = [record("cofinal", "rg", "Ball", 0.8, config={"use_tfm": True, "lr": 0.5}),
               record("cofinal", "rg", "Ball", 0.6, config={"use_tfm": False}),
               record("gdlt", "rg", "Ball", 0.7)]
    table = build_table("cofinal-tab3", records, [], "final", defaults)
    ours = {r.labels[0]: r.values[0] for r in table.rows if r.reproduced}
    assert ours == {"Ours": 0.8, "w/o TFM": 0.6}  # lr is a harness key: not an ablation
    tab1 = build_table("cofinal-tab1", records, [], "final", defaults)
    assert [r.labels[0] for r in tab1.rows if r.reproduced] == ["CoFInAl", "GDLT"]
    assert r"w/o L\_R" in render(table, "latex")


def test_finediving_lowest_rl2_is_best():
    rec = record("mcore", "finediving", None,
                 {"srcc": 0.93, "rl2": 0.30, "aiou50": 99.0, "aiou75": 80.0},
                 config={"exemplar_key": "dive_number"}, backbone="i3d")
    table = build_table("mcore-finediving", [rec], [])
    marks = latex_marks(render(table, "latex"))
    assert marks[r"MCoRe $^\dagger$ & w/ DN"] == ["b"] * 4
    assert marks["MCoRe & w/ DN"] == ["u"] * 4


def test_tab2_from_a_run_record_and_a_profile_file(tmp_path, capsys):
    from aqabench.plugins import get_registry
    from aqabench.runner import RunRequest, run

    run(RunRequest(method="ridge", dataset="toy-synth", epochs=1, size="tiny",
                   out_dir=tmp_path / "runs"), get_registry())
    assert cli_main(["profile", "--method", "ridge", "--threads", "1", "--json",
                     "--out", str(tmp_path / "prof")]) == 0
    capsys.readouterr()
    records, profiles = load_inputs([tmp_path])
    assert len(records) == 1 and len(profiles) == 1
    table = build_table("cofinal-tab2", records, profiles)
    ours = {r.labels[0]: r for r in table.rows if r.reproduced}
    assert set(ours) == {"Ridge", "Ridge (D=16)"}  # profile file (1024-d), run on toy-synth
    assert ours["Ridge"].labels[1].endswith("(cpu)") and ours["Ridge"].values[2] > 0
    assert ours["Ridge"].values[1] == pytest.approx(1025 / 1e6)
    assert ours["Ridge (D=16)"].labels[1] == "-" and ours["Ridge (D=16)"].values[2] is None
    assert ours["Ridge (D=16)"].values[0] == pytest.approx(5 * 16 / 1e9)
    text = render(table, "markdown")
    assert "| GDLT | GPU (not stated) | 0.1164 | 3.20 | 3.2249 | - |" in text
    assert ours["Ridge"].values[3] is None  # no prepare_inference: the same model, no "Prepared"
    prepared = json.loads(json.dumps(profiles[0]))  # as a method with prepare_inference
    prepared["latency_prepared"]["same_model"] = False
    row = next(r for r in build_table("cofinal-tab2", [], [prepared]).rows if r.reproduced)
    assert row.values[3] == prepared["latency_prepared"]["median_ms"]
    assert "(cpu)" in text.split("devices:")[1]


def test_cli_table_latex_and_bad_record(tmp_path, capsys):
    assert cli_main(["table", "--layout", "cofinal-tab1", "--format", "latex"]) == 0
    assert r"\textbf{0.807}" in capsys.readouterr().out
    write_record(record("gdlt", "rg", "Ball", 0.5), tmp_path)
    (tmp_path / "broken.json").write_text(json.dumps({"identity": {}}))
    assert cli_main(["table", "--layout", "cofinal-tab1", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "broken.json" in err and "lacks" in err
    out = tmp_path / "t.md"
    Path(tmp_path / "broken.json").unlink()
    assert cli_main(["table", "--layout", "cofinal-tab3", "--protocol", "best", "--out",
                     str(out), str(tmp_path)]) == 0
    assert "best epoch, chosen on the test split" in out.read_text()
