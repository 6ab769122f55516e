"""Twin sizes in tables and figures: a tiny record never changes a full-size cell or ceiling."""

from __future__ import annotations

from typing import Any

from aqabench import figures
from aqabench.leaderboard import oracle_records
from aqabench.leaderboard_tables import TABLES
from aqabench.table_layouts import build_table
from aqabench.tables import render
from tests.fake_records import RG, fake_record, good, labels, random


def with_ceiling(record: dict[str, Any], ceiling: float, size: str = "full") -> dict[str, Any]:
    record["identity"]["size"] = size
    record["data"]["meta"]["ceiling"] = ceiling
    return record


def full_records() -> list[dict[str, Any]]:
    out = []
    for k, subset in enumerate(RG):
        truth = labels(seed=k)
        out.append(with_ceiling(fake_record("ridge", "rg-synth", subset, random(truth, k),
                                            truth), 0.957))
        out.append(with_ceiling(fake_record("hgcn", "rg-synth", subset,
                                            good(truth, k, noise=1.0), truth), 0.957))
    truth = labels(seed=9)
    out.append(with_ceiling(fake_record("ridge", "finediving-synth", None, random(truth, 9),
                                        truth), 0.93))
    return out


def tiny_records() -> list[dict[str, Any]]:
    """Better than every full-size row, with a lower ceiling: it would take the bold and
    replace the ceiling if sizes were mixed."""
    out = []
    for k, subset in enumerate(RG):
        truth = labels(seed=k)
        out.append(with_ceiling(fake_record("gdlt", "rg-synth", subset,
                                            good(truth, k, noise=0.05), truth), 0.926, "tiny"))
    truth = labels(seed=9)
    out.append(with_ceiling(fake_record("mcore", "finediving-synth", None,
                                        good(truth, 9, noise=0.05), truth), 0.829, "tiny"))
    return out


def rendered(records: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Table stem -> first label of each row -> the row's markdown line."""
    everything = records + oracle_records(records)
    out = {}
    for spec in TABLES:
        if spec.layout == "cofinal-tab2":
            continue
        table = build_table(spec.layout, everything, [], spec.protocol)
        for row in table.rows:
            if row.labels[0].startswith("Oracle ceiling"):
                row.scope = f"oracle:{row.scope}"
        lines = [line for line in render(table, "markdown").splitlines()
                 if line.startswith("| ")]
        out[spec.stem] = {line.split("|")[1].strip(): line for line in lines[1:]}
    return out


def test_a_tiny_record_never_changes_a_full_size_cell_or_ceiling() -> None:
    full = rendered(full_records())
    mixed = rendered(full_records() + tiny_records())
    for stem, rows in full.items():
        for label, line in rows.items():  # every full-size row, its marks and its ceiling
            assert mixed[stem][label] == line, (stem, label)
    tab1 = mixed["cofinal-tab1-final"]
    assert "0.957" in tab1["Oracle ceiling †"] and "0.926" in tab1["Oracle ceiling (tiny twin) †"]
    assert "**" in tab1["HGCN †"]  # still the best full-size row
    assert "**" not in tab1["GDLT (tiny twin) †"]  # alone in its scope: not ranked
    dive = mixed["mcore-finediving-final"]
    assert "MCoRe (tiny twin) †" in dive and "Ridge †" in dive
    assert "0.9300" in dive["Oracle ceiling †"]
    assert "0.8290" in dive["Oracle ceiling (tiny twin) †"]


def test_tiny_rows_are_ranked_among_themselves() -> None:
    tiny = tiny_records()
    truth = labels(seed=0)
    tiny.append(with_ceiling(fake_record("ridge", "rg-synth", "Ball", random(truth, 0), truth),
                             0.926, "tiny"))
    tab1 = rendered(full_records() + tiny)["cofinal-tab1-final"]
    ball = 2 + 1  # "| Method | Backbone | RG Ball": the Ball column after the split
    assert "**" in tab1["GDLT (tiny twin) †"].split("|")[ball]
    assert "<ins>" in tab1["Ridge (tiny twin) †"].split("|")[ball]


def test_figures_give_each_size_its_own_panel_and_ceiling() -> None:
    panels = figures.bar_data(full_records() + tiny_records())["rg-synth"]
    ball = [p for p in panels if p.subset == "Ball"]
    assert [(p.size, p.ceiling) for p in ball] == [("full", 0.957), ("tiny", 0.926)]
    assert [b.label for b in ball[0].bars] == ["HGCN", "Ridge"]
    assert [b.label for b in ball[1].bars] == ["GDLT"] and ball[1].title == "Ball (tiny twin)"


def test_two_configs_in_one_table_cell_fail_the_build(run_cli, tmp_path) -> None:
    from aqabench.results import write_record

    truth = labels()
    for epochs, chash in ((10, "a" * 16), (20, "b" * 16)):
        record = fake_record("ridge", "rg-synth", "Ball", random(truth, epochs), truth)
        record["identity"].update(changed=f"epochs={epochs}", config_hash=chash)
        record["provenance"].update(config={"epochs": epochs}, config_hash=chash)
        write_record(record, tmp_path / "results")
    assert len(list((tmp_path / "results").iterdir())) == 2  # both kept on disk
    code, _, err = run_cli("leaderboard", "build", "--root", tmp_path)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "one table cell" in err and "aaaaaaaa and bbbbbbbb" in err
    assert "epochs 10 -> 20" in err
    assert not (tmp_path / "README.md").exists()
