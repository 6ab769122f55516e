"""aqabench compare: paired bootstrap on the same videos, per subset and Fisher-z pooled."""

from __future__ import annotations

from pathlib import Path

from aqabench.results import write_record

from .fake_records import RG, fake_record, good, labels, random


def markdown_rows(out: str) -> dict[str, list[str]]:
    rows = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and cells[0] not in ("subset",):
            rows[cells[0]] = cells[1:]
    return rows


def write_pair(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a", tmp_path / "b"
    for k, subset in enumerate(RG):
        truth = labels(seed=k)
        write_record(fake_record("cofinal", "rg-synth", subset, good(truth, k), truth), a)
        write_record(fake_record("ridge", "rg-synth", subset, random(truth, k), truth), b)
    return a, b


def test_same_record_gives_zero_delta_and_p_one(run_cli, tmp_path: Path) -> None:
    a, _ = write_pair(tmp_path)
    record = a / "cofinal__rg-synth__Ball__seed0.json"
    code, out, err = run_cli("compare", record, record, "--format", "markdown")
    assert code == 0, err
    row = markdown_rows(out)["rg-synth/Ball"]
    assert row[0] == "50" and row[1] == row[2]
    assert row[3:] == ["0.0000", "0.0000", "0.0000", "1.0000"]
    assert "significant at p < 0.05: none" in out


def test_clearly_better_vs_random_is_significant_per_subset_and_pooled(run_cli,
                                                                       tmp_path: Path) -> None:
    a, b = write_pair(tmp_path)
    code, out, err = run_cli("compare", a, str(b / "*.json"), "--format", "markdown")
    assert code == 0, err
    rows = markdown_rows(out)
    assert set(rows) == {*(f"rg-synth/{s}" for s in RG), "rg-synth (Fisher-z)"}
    for row in rows.values():
        delta, low, p = float(row[3]), float(row[4]), float(row[6])
        assert delta > 0.5 and low > 0 and p < 0.05
    assert rows["rg-synth (Fisher-z)"][0] == "200"
    code, again, _ = run_cli("compare", a, str(b / "*.json"), "--format", "markdown")
    assert again == out  # seeded: reproducible
    code, rich, _ = run_cli("compare", a, b)  # the default rich table
    assert code == 0 and "ΔSRCC" in rich and "Fisher-z" in rich


def test_different_videos_seeds_or_subsets_are_usage_errors(run_cli, tmp_path: Path) -> None:
    truth = labels()
    write_record(fake_record("gdlt", "rg-synth", "Ball", good(truth, 0), truth), tmp_path / "a")
    other = [f"w{i:03d}" for i in range(50)]
    write_record(fake_record("gdlt", "rg-synth", "Ball", good(truth, 1), truth, ids=other),
                 tmp_path / "b")
    code, _, err = run_cli("compare", tmp_path / "a", tmp_path / "b")
    assert code == 2 and "different videos (50 only in A, 50 only in B)" in err
    assert len(err.strip().splitlines()) == 1
    write_record(fake_record("gdlt", "rg-synth", "Ball", good(truth, 1), truth, seed=1),
                 tmp_path / "a")
    code, _, err = run_cli("compare", tmp_path / "a",
                           tmp_path / "a" / "gdlt__rg-synth__Ball__seed0.json")
    assert code == 2 and "2 records for rg-synth/Ball (seeds 0, 1)" in err
    code, _, err = run_cli("compare", str(tmp_path / "nothing*"), tmp_path / "a")
    assert code == 2 and "no record matches" in err
    write_record(fake_record("gdlt", "rg-synth", "Hoop", good(truth, 0), truth), tmp_path / "c")
    code, _, err = run_cli("compare", tmp_path / "c", tmp_path / "b")
    assert code == 2 and "share no dataset/subset" in err
    code, _, err = run_cli("compare", tmp_path / "c", tmp_path / "c", "--protocol", "val")
    assert code == 2 and "stores no 'val' predictions" in err
