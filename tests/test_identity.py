"""Record identity: what names a record file, and that no run replaces another silently."""

from __future__ import annotations

import json
from pathlib import Path

from aqabench.bench import Suite
from aqabench.identity import changed_keys, run_identity, unfilled_config
from aqabench.plugins import get_registry
from aqabench.results import read_record, record_filename

TINY = ("--method", "ridge", "--dataset", "toy-synth", "--size", "tiny", "--epochs", "1")


def records(folder: Path) -> dict[str, dict]:
    return {p.name: read_record(p) for p in sorted(folder.glob("*.json"))}


def test_runs_differing_only_in_lr_keep_two_records(run_cli, tmp_path: Path) -> None:
    for lr in ("0.03", "0.01"):
        code, _, err = run_cli("run", *TINY, "--set", f"lr={lr}", "--out", tmp_path)
        assert code == 0, err
    kept = records(tmp_path)
    assert len(kept) == 2
    assert sorted(r["provenance"]["config"]["lr"] for r in kept.values()) == [0.01, 0.03]
    names = sorted(kept)
    assert names[0].startswith("ridge__toy-synth__seed0__tiny__epochs-1+lr-0.01__c")
    assert names[1].startswith("ridge__toy-synth__seed0__tiny__epochs-1+lr-0.03__c")
    for name, record in kept.items():  # the name is the record's own identity
        assert record_filename(record) == name
        assert record["identity"]["config_hash"] == record["provenance"]["config_hash"]
        assert name.endswith(f"__c{record['provenance']['config_hash'][:8]}.json")


def test_feature_norm_and_epochs_are_part_of_the_identity(run_cli, tmp_path: Path) -> None:
    for extra in ((), ("--set", "feature_norm=video_centre"), ("--epochs", "2")):
        code, _, err = run_cli("run", *TINY, *extra, "--out", tmp_path)
        assert code == 0, err
    names = sorted(records(tmp_path))
    assert len(names) == 3
    assert any("feature_norm-video_centre" in n for n in names)
    assert any("epochs-2__" in n for n in names)


def test_default_config_has_a_plain_name(run_cli, tmp_path: Path) -> None:
    registry = get_registry()
    method = registry.method("ridge")
    ident = run_identity(method, "toy-synth", None, "tiny",
                         {**_defaults(method), "seed": 3})
    assert ident["changed"] is None and ident["setting"] is None
    name = record_filename({"identity": {"method": "ridge", "dataset": "toy-synth",
                                         "subset": None, **ident}})
    assert name == "ridge__toy-synth__seed3__tiny.json"


def _defaults(method) -> dict:
    from aqabench.identity import default_config

    return default_config(method, "toy-synth", None)


def test_a_different_record_is_never_overwritten_silently(run_cli, tmp_path: Path) -> None:
    code, _, err = run_cli("run", *TINY, "--out", tmp_path)
    assert code == 0, err
    (path,) = tmp_path.glob("*.json")
    original = path.read_bytes()
    # the same name holding another run (what a hash-prefix clash or a change of the
    # method's defaults would leave): refused, naming the file and what differs
    doctored = json.loads(original)
    lr = doctored["provenance"]["config"]["lr"]
    doctored["provenance"]["config"]["lr"] = 0.5
    doctored["provenance"]["config_hash"] = "0" * 16
    path.write_text(json.dumps(doctored))
    code, out, err = run_cli("run", *TINY, "--out", tmp_path)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert str(path) in err and "different run" in err and f"lr 0.5 -> {lr}" in err
    assert "--force" in err
    assert json.loads(path.read_text()) == doctored  # nothing written
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    code, _, err = run_cli("run", *TINY, "--out", tmp_path, "--force")
    assert code == 0, err
    assert read_record(path)["provenance"]["config"]["lr"] == lr


def test_the_same_run_replaces_only_when_stale_or_forced(run_cli, tmp_path: Path) -> None:
    code, _, err = run_cli("run", *TINY, "--out", tmp_path)
    assert code == 0, err
    (path,) = tmp_path.glob("*.json")
    code, _, err = run_cli("run", *TINY, "--out", tmp_path)  # current: refused
    assert code == 2 and "already holds this run" in err and str(path) in err
    assert len(err.strip().splitlines()) == 1
    stale = json.loads(path.read_text())
    stale["provenance"]["code_hash"] = "older-code"
    path.write_text(json.dumps(stale))
    code, _, err = run_cli("run", *TINY, "--out", tmp_path)  # stale: replaced
    assert code == 0, err
    assert read_record(path)["provenance"]["code_hash"] != "older-code"


def test_an_unreadable_file_at_the_name_is_refused(run_cli, tmp_path: Path) -> None:
    code, _, err = run_cli("run", *TINY, "--out", tmp_path)
    assert code == 0, err
    (path,) = tmp_path.glob("*.json")
    path.write_text("{not json")
    code, _, err = run_cli("run", *TINY, "--out", tmp_path)
    assert code == 2 and str(path) in err and "not a readable record" in err
    assert path.read_text() == "{not json"


def test_suite_with_a_duplicate_identity_exits_2_with_one_line(run_cli, tmp_path: Path
                                                               ) -> None:
    suite = tmp_path / "dup.json"
    cell = {"method": "ridge", "dataset": "toy-synth", "set": {"lr": 0.03}}
    suite.write_text(json.dumps({"name": "dup", "size": "tiny", "defaults": {"epochs": 1},
                                 "cells": [cell, {**cell, "set": {"lr": 0.03, "epochs": 1}}]}))
    code, _, err = run_cli("bench", "--suite", str(suite), "--out", tmp_path / "out")
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert str(suite) in err and "cells[0] and cells[1] (ridge toy-synth)" in err
    assert "same identity" in err and "ridge__toy-synth__seed0__tiny__epochs-1+lr-0.03" in err
    assert not (tmp_path / "out").exists()  # nothing ran
    code, _, err = run_cli("bench", "--suite", str(suite), "--list")
    assert code == 2 and "same identity" in err
    different = {**cell, "set": {"lr": 0.01}}
    suite.write_text(json.dumps({"name": "ok", "size": "tiny", "defaults": {"epochs": 1},
                                 "cells": [cell, different]}))
    assert len(Suite.load(str(suite)).expand(get_registry())) == 2


def test_bench_default_out_is_a_scratch_folder(run_cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    suite = tmp_path / "mini.json"
    suite.write_text(json.dumps({"name": "mini", "size": "tiny", "defaults": {"epochs": 1},
                                 "cells": [{"method": "ridge", "dataset": "toy-synth"}]}))
    code, out, err = run_cli("bench", "--suite", str(suite))
    assert code == 0, err
    assert len(list((tmp_path / "runs" / "mini").glob("ridge__toy-synth__*.json"))) == 1
    assert not (tmp_path / "leaderboards").exists()


def test_committed_configs_are_reconstructed_from_their_hash() -> None:
    """Every committed record's config hash is reproduced from its stored config (the
    filled score keys put back to null): what the migration names it by."""
    registry = get_registry()
    root = Path(__file__).resolve().parent.parent / "leaderboards"
    paths = sorted((root / "results").glob("*.json")) + sorted((root / "validity").glob("*.json"))
    assert len(paths) > 80
    for path in paths:
        record = read_record(path)
        config = unfilled_config(record)
        assert config is not None, path
        ident = record["identity"]
        changed = changed_keys(registry.method(ident["method"]), ident["dataset"],
                               ident.get("subset"), config)
        assert "seed" not in changed and "score_shift" not in changed


def test_a_long_tag_is_cut_and_the_hash_keeps_the_names_apart() -> None:
    base = {"method": "m", "dataset": "d", "subset": None, "seed": 0, "size": "full"}
    names = set()
    for last, chash in ((1, "1" * 16), (2, "2" * 16)):
        changed = ",".join(f"key_{i:02d}={i}" for i in range(30)) + f",zz={last}"
        name = record_filename({"identity": {**base, "changed": changed,
                                             "config_hash": chash}})
        assert len(name) < 200 and name.endswith(f"__c{chash[:8]}.json")
        names.add(name)
    assert len(names) == 2
    legacy = record_filename({"identity": {**base, "setting": "use_x=false"}})
    assert legacy == "m__d__seed0__use_x-false.json"  # records from before `changed`


def test_bench_refuses_a_different_record_before_anything_runs(run_cli, tmp_path: Path
                                                                ) -> None:
    suite = tmp_path / "mini.json"
    suite.write_text(json.dumps({"name": "mini", "size": "tiny", "defaults": {"epochs": 1},
                                 "cells": [{"method": "ridge", "dataset": "toy-synth"}]}))
    out = tmp_path / "out"
    code, _, err = run_cli("bench", "--suite", suite, "--out", out)
    assert code == 0, err
    (path,) = out.glob("*.json")
    doctored = json.loads(path.read_text())
    doctored["provenance"]["config"]["batch_size"] = 7
    doctored["provenance"]["config_hash"] = "f" * 16
    path.write_text(json.dumps(doctored))
    code, stdout, err = run_cli("bench", "--suite", suite, "--out", out)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert str(path) in err and "different run" in err and "batch_size 7 -> " in err
    assert json.loads(path.read_text()) == doctored
    code, stdout, err = run_cli("bench", "--suite", suite, "--out", out, "--force")
    assert code == 0 and "1 ran" in stdout
    assert read_record(path)["provenance"]["config"]["batch_size"] != 7


def test_a_numerics_key_is_in_the_name_but_not_the_setting() -> None:
    """MethodSpec.numerics (CoFInAl's tfm_form: the same maths in another order): the key is
    in the record's name and hash, but the record keeps its setting, so tables read it as the
    default model ("Ours"), while an ablation beside it is still one."""
    from aqabench.identity import default_config
    from aqabench.table_layouts import setting_of

    method = get_registry().method("cofinal")
    base = default_config(method, "rg-synth", "Ball")
    plain = run_identity(method, "rg-synth", "Ball", "full", base)
    fast = run_identity(method, "rg-synth", "Ball", "full", {**base, "tfm_form": "absorbed"})
    ablated = run_identity(method, "rg-synth", "Ball", "full",
                           {**base, "tfm_form": "absorbed", "use_gpm": False})
    assert fast["setting"] is None and fast["numerics"] == ["tfm_form"]
    assert "numerics" not in plain and fast["config_hash"] != plain["config_hash"]
    assert "tfm_form" in fast["changed"] and ablated["setting"] == "use_gpm=false"

    def defaults(m: str, d: str, s: str | None, v: str | None = None) -> dict:
        return default_config(get_registry().method(m), d, s)

    def record(ident: dict, config: dict) -> dict:
        argv = ["aqabench", "run", "--set", "tfm_form=absorbed"] + \
            (["--set", "use_gpm=false"] if not config["use_gpm"] else [])
        return {"identity": {"method": "cofinal", "dataset": "rg-synth", "subset": "Ball",
                             **ident}, "provenance": {"config": config, "argv": argv}}

    fast_config = {**base, "tfm_form": "absorbed"}
    assert setting_of(record(fast, fast_config), defaults) == "Ours"
    assert setting_of(record(ablated, {**fast_config, "use_gpm": False}), defaults) == "w/o GPM"
    # the method not installed: read from the command line, numerics skipped all the same
    assert setting_of(record(fast, fast_config), None) == "Ours"
    assert setting_of(record(ablated, {**fast_config, "use_gpm": False}), None) == "w/o GPM"
