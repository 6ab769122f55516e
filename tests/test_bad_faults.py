"""Bad-input campaign, faults: records with an empty identity; Ctrl-C during start-up; a twin
writer interrupted or killed; a cached twin corrupted at the same size; a plugin raising
SystemExit or KeyboardInterrupt at import."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from aqabench.results import dumps
from aqabench_datasets import twin_cache, twin_sweep
from aqabench_datasets.twins import make_twin
from tests.conftest import run_subprocess, write_distribution
from tests.fake_records import fake_record, good, labels


# ------------------------------------------------------------------------------- records
@pytest.mark.parametrize("identity", [{}, {"method": "ridge"}, [], {"method": "", "dataset": 1}])
def test_a_record_without_identity_is_one_line_in_table_and_leaderboard(
        identity: object, tmp_path: Path, run_cli) -> None:
    truth = labels()
    record = fake_record("ridge", "rg-synth", "Ball", good(truth, 0), truth)
    record["identity"] = identity
    bad = tmp_path / "lb" / "results" / "bad.json"
    bad.parent.mkdir(parents=True)
    bad.write_text(dumps(record))
    for args in (["table", "--layout", "cofinal-tab1", bad],
                 ["leaderboard", "build", "--check", "--root", tmp_path / "lb"]):
        code, _, err = run_cli(*args)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert "bad.json: identity" in err


# -------------------------------------------------------------------------- Ctrl-C, start
INTERRUPT_AT_IMPORT = textwrap.dedent("""
    import builtins, os, runpy, signal, sys
    real = builtins.__import__
    def spy(name, *args, **kwargs):
        if name == {module!r}:
            builtins.__import__ = real
            os.kill(os.getpid(), signal.SIGINT)
        return real(name, *args, **kwargs)
    builtins.__import__ = spy
    sys.argv = ["aqabench", "list"]
    runpy.run_module("aqabench.cli", run_name="__main__")
""")


@pytest.mark.parametrize("module", ["torch", "pluggy", "plugins", "rich.table"])
def test_ctrl_c_during_start_up_imports_is_one_line_exit_130(module: str) -> None:
    done = subprocess.run([sys.executable, "-c", INTERRUPT_AT_IMPORT.format(module=module)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 130, done.stderr
    assert done.stderr.strip() == "aqabench: interrupted", done.stderr


# ------------------------------------------------------------------------------ twin cache
def _tiny() -> object:
    return make_twin("rg-synth", "Ball", "tiny")


def _folder(cache: Path) -> Path:
    return cache / "twins" / twin_cache.cache_key(_tiny())


def _same(a: dict, b: dict) -> bool:
    return all(np.array_equal(a[s].features, b[s].features) and
               np.array_equal(a[s].scores, b[s].scores) for s in twin_cache.SPLITS)


def test_ctrl_c_while_a_twin_is_written_leaves_no_temp_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def interrupted_save(*args: object, **kwargs: object) -> None:
        calls.append(args)
        if len(calls) == 2:
            raise KeyboardInterrupt
        np.lib.format.write_array(open(args[0], "wb"), args[1])  # noqa: SIM115

    monkeypatch.setattr(twin_cache.np, "save", interrupted_save)
    with pytest.raises(KeyboardInterrupt):
        twin_cache.twin_splits(_tiny(), tmp_path)
    assert list((tmp_path / "twins").iterdir()) == []


KILLED_WRITER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    import numpy as np
    from aqabench_datasets import twin_cache
    from aqabench_datasets.twins import make_twin
    real = np.save
    def save(path, array, **kw):
        real(path, array, **kw)
        os.kill(os.getpid(), signal.SIGKILL)
    twin_cache.np.save = save
    twin_cache.twin_splits(make_twin("rg-synth", "Ball", "tiny"), Path(sys.argv[1]))
""")


def test_a_killed_writers_temp_folder_is_swept(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == -signal.SIGKILL
    left = [p for p in (tmp_path / "twins").iterdir() if p.name.startswith(".")]
    assert len(left) == 1 and (left[0] / "train.npy").is_file()
    old = tmp_path / "twins" / ".rg-synth-Ball-tiny-v4-0000.abc123"  # no pid: by age
    old.mkdir()
    os.utime(old, (time.time() - 2 * twin_sweep.STALE_SECONDS,) * 2)
    live = tmp_path / "twins" / f".other-key.{twin_sweep._host()}-{os.getppid()}.xyz"
    live.mkdir()  # a writer that still runs
    fresh = twin_cache.twin_splits(_tiny(), tmp_path)
    names = sorted(p.name for p in (tmp_path / "twins").iterdir())
    assert names == sorted([live.name, _folder(tmp_path).name])
    assert _same(fresh, {s: twin_cache.generate_split(_tiny(), s) for s in twin_cache.SPLITS})


def _flip_byte(folder: Path) -> None:
    path = folder / "train.npy"
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x01
    path.write_bytes(bytes(data))


def _edit_score(folder: Path) -> None:
    meta = json.loads((folder / "meta.json").read_text())
    meta["test"]["scores"][0] += 1.0
    (folder / "meta.json").write_text(json.dumps(meta))


def _nan(folder: Path) -> None:
    array = np.load(folder / "test.npy")
    array[0, 0, 0] = np.nan
    np.save(folder / "test.npy", array)


@pytest.mark.parametrize("corrupt", [_flip_byte, _edit_score, _nan],
                         ids=["flipped byte", "edited score", "nan in the array"])
def test_same_size_corruption_of_a_cached_twin_is_regenerated(corrupt, tmp_path: Path) -> None:
    first = twin_cache.twin_splits(_tiny(), tmp_path)
    folder = _folder(tmp_path)
    size = sum(p.stat().st_size for p in folder.iterdir())
    corrupt(folder)
    assert sum(p.stat().st_size for p in folder.iterdir()) == size
    again = twin_cache.twin_splits(_tiny(), tmp_path)
    assert _same(first, again)
    assert twin_cache._load_cached(folder) is not None  # and the cache was rewritten sound


# ----------------------------------------------------------------------------- plugins
@pytest.mark.parametrize("raise_", ["SystemExit(3)", "KeyboardInterrupt()"])
def test_a_plugin_raising_at_import_is_isolated(raise_: str, fake_site: Path) -> None:
    write_distribution(fake_site, "evil-plugin", {"evil": "evil_plugin"},
                       {"evil_plugin": f"raise {raise_}\n"})
    for args in (["list"], ["plugins"]):
        done = run_subprocess(fake_site, *args)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr and "evil" in done.stderr + done.stdout
    assert "ridge" in run_subprocess(fake_site, "list", "methods").stdout


def test_a_real_ctrl_c_while_plugins_load_still_stops(fake_site: Path) -> None:
    write_distribution(fake_site, "slow-plugin", {"slow": "slow_plugin"},
                       {"slow_plugin": "import os, signal\nos.kill(os.getpid(), signal.SIGINT)\n"})
    done = run_subprocess(fake_site, "list")
    assert done.returncode == 130 and done.stderr.strip() == "aqabench: interrupted", done.stderr
