"""``aqabench leaderboard migrate``: old record names -> the names identities give now."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from aqabench.bench import Suite, planned
from aqabench.plugins import get_registry
from aqabench.results import read_record, record_filename

ROOT = Path(__file__).resolve().parent.parent / "leaderboards"


def legacy_copy(tmp_path: Path) -> Path:
    """The committed records under the names aqabench gave them before identities named
    their changed keys (a record without ``identity.changed`` gets that name back)."""
    root = tmp_path / "lb"
    for folder in ("results", "validity"):
        (root / folder).mkdir(parents=True)
        for path in sorted((ROOT / folder).glob("*.json")):
            ident = read_record(path)["identity"]
            old = {k: v for k, v in ident.items() if k not in ("changed", "config_hash")}
            shutil.copyfile(path, root / folder / record_filename({"identity": old}))
    return root


def test_migration_names_the_committed_records_as_the_suites_plan_them(run_cli,
                                                                         tmp_path: Path) -> None:
    root = legacy_copy(tmp_path)
    before = {p.name: p.read_bytes() for p in sorted((root / "results").glob("*.json"))}
    assert "ridge__rg-synth__Ball__seed0.json" in before
    code, out, err = run_cli("leaderboard", "migrate", "--root", root, "--check")
    assert code == 1 and "old names" in err
    code, out, err = run_cli("leaderboard", "migrate", "--root", root)
    assert code == 0, err
    after = {p.name: p.read_bytes() for p in sorted((root / "results").glob("*.json"))}
    assert sorted(before.values()) == sorted(after.values())  # contents unchanged
    assert len(after) == len(before) == len(list((ROOT / "results").glob("*.json")))
    assert "ridge__rg-synth__Ball__seed0.json" not in after
    registry = get_registry()
    for suite_name, folder, least in (("ci", "results", 60), ("validity", "validity", 10)):
        suite = Suite.load(suite_name)
        by_hash = {json.loads(data)["provenance"]["config_hash"]: name
                   for name, data in ((p.name, p.read_bytes())
                                      for p in (root / folder).glob("*.json"))}
        matched = 0
        for cell in suite.expand(registry):  # a cell finds its record under the name it plans
            name, (chash, _) = planned(suite, cell, registry)
            if chash in by_hash:  # (a cell whose config changed since has no record yet)
                assert by_hash[chash] == name
                matched += 1
        assert matched >= least, (suite_name, matched)
    code, out, err = run_cli("leaderboard", "migrate", "--root", root, "--check")
    assert code == 0 and "every name" in out
    code, out, err = run_cli("leaderboard", "migrate", "--root", root)
    assert code == 0 and "renamed 0" in out


def test_a_record_whose_hash_does_not_match_its_config_is_one_line(run_cli,
                                                                    tmp_path: Path) -> None:
    root = tmp_path / "lb"
    (root / "results").mkdir(parents=True)
    source = next((ROOT / "results").glob("ridge__rg-synth__Ball__seed0*.json"))
    record = json.loads(source.read_text())
    record["provenance"]["config"]["lr"] = 123.0  # edited by hand
    bad = root / "results" / "ridge__rg-synth__Ball__seed0.json"
    bad.write_text(json.dumps(record))
    code, _, err = run_cli("leaderboard", "migrate", "--root", root)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert str(bad) in err and "config_hash" in err
    assert bad.is_file()  # nothing renamed


def test_two_records_given_one_name_are_refused_before_anything_moves(run_cli,
                                                                      tmp_path: Path) -> None:
    root = legacy_copy(tmp_path)
    old = root / "results" / "ridge__rg-synth__Ball__seed0.json"
    code, out, _ = run_cli("leaderboard", "migrate", "--root", root, "--check")
    line = next(x for x in out.splitlines() if x.startswith(str(old)))
    shutil.copyfile(old, old.with_name(line.split(" -> ")[1]))  # a copy under its new name
    names = sorted(p.name for p in (root / "results").iterdir())
    code, _, err = run_cli("leaderboard", "migrate", "--root", root)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "would be named" in err
    assert sorted(p.name for p in (root / "results").iterdir()) == names


def test_migrate_covers_every_committed_record_folder() -> None:
    """Every folder of the committed leaderboards that holds run records is one that migrate
    renames (derived from the tables and validity sections that read them), and each of
    those is committed."""
    from aqabench.leaderboard_tables import TABLES, VALIDITY_SECTIONS
    from aqabench.migrate import RECORD_FOLDERS

    board = Path(__file__).parents[1] / "leaderboards"
    committed = {p.parent.name for p in board.glob("*/*.json")} - {"profiles"}
    assert set(RECORD_FOLDERS) == committed
    tables = {folder for spec in TABLES for folder in spec.folders}
    assert set(RECORD_FOLDERS) == {*tables, *(folder for folder, _, _ in VALIDITY_SECTIONS)}


def test_relabel_dataset_gives_the_config_hash_the_new_name_plans(tmp_path: Path) -> None:
    """A v5 record relabelled ``rg-synth-v5`` (as the committed validity records were when the
    irregular story became ``rg-synth``) carries the config hash the validity suite plans for
    its cell under that name; relabelling it back restores it byte for byte; a record whose
    stored hash is not its config's is refused."""
    import pytest

    from aqabench.errors import DataError
    from aqabench.migrate import relabel_dataset
    from aqabench.results import dumps

    path = ROOT / "validity" / "ridge__rg-synth-v5__Ball__seed0.json"
    record = read_record(path)
    back = relabel_dataset(record, path, "rg-synth")
    assert back["identity"]["dataset"] == "rg-synth"
    assert back["provenance"]["config_hash"] != record["provenance"]["config_hash"]
    assert dumps(relabel_dataset(back, path, "rg-synth-v5")) == path.read_text()
    suite, registry = Suite.load("validity"), get_registry()
    cell = next(c for c in suite.expand(registry)
                if (c.method, c.dataset, c.subset) == ("ridge", "rg-synth-v5", "Ball")
                and c.seed in (None, 0))  # the suite's default seed is 0
    assert planned(suite, cell, registry)[1][0] == record["provenance"]["config_hash"]
    tampered = {**record, "provenance": {**record["provenance"], "config_hash": "0" * 16}}
    with pytest.raises(DataError, match="cannot relabel"):
        relabel_dataset(tampered, path, "rg-synth")
