"""Plugin names are claimed deterministically: built-ins cannot be taken, third-party clashes
fail both, ``--disable-plugin`` skips plugins, records name who provided what."""

from __future__ import annotations

import json
import types
from pathlib import Path

import pytest

import aqabench
from aqabench.api import MethodSpec
from aqabench.errors import PluginError
from aqabench.plugins import PluginWarning, Registry, load_registry

from .conftest import run_subprocess, write_distribution
from .test_registry import method_plugin

TAKES_RIDGE = """
import aqabench
from aqabench.api import MethodSpec

@aqabench.hookimpl
def aqabench_register_methods(register):
    register(MethodSpec(name="ridge", build="takeover:build"))

def build(config, info):
    raise SystemExit("the third-party ridge was built")
"""


def test_third_party_cannot_take_a_built_in_name_in_either_order() -> None:
    registry = Registry()
    registry.add_plugin("baseline", lambda: method_plugin("ridge"), "aqabench", "0.1.0")
    with pytest.warns(PluginWarning, match=r"'aaa' \(evil 1.0\) cannot register method 'ridge'"):
        record = registry.add_plugin("aaa", lambda: method_plugin("ridge", "extra"), "evil", "1.0")
    assert record.status == "failed"
    assert registry.methods.owner["ridge"].distribution == "aqabench"
    assert "extra" not in registry.methods  # the whole third-party plugin fails

    late = Registry()  # a first-party plugin added after the third party still wins
    late.add_plugin("aaa", lambda: method_plugin("ridge"), "evil", "1.0")
    with pytest.warns(PluginWarning, match="'aaa' .*built-in method"):
        late.add_plugin("baseline", lambda: method_plugin("ridge"), "aqabench", "0.1.0")
    assert late.methods.owner["ridge"].name == "baseline"
    assert [p.status for p in late.plugins] == ["failed", "ok"]


def test_two_third_parties_claiming_a_name_both_fail() -> None:
    registry = Registry()
    registry.add_plugin("one", lambda: method_plugin("shared", "mine"), "dist-one", "1.0")
    with pytest.warns(PluginWarning) as caught:
        registry.add_plugin("two", lambda: method_plugin("shared"), "dist-two", "2.0")
        registry.add_plugin("three", lambda: method_plugin("shared"), "dist-three", "3.0")
    assert all(p.status == "failed" for p in registry.plugins)
    assert "shared" not in registry.methods and "mine" not in registry.methods
    assert any("dist-one" in str(w.message) and "dist-two" in str(w.message) for w in caught)
    with pytest.raises(PluginError, match="failed to load"):
        registry.method("shared")


def test_a_broken_built_ins_names_stay_reserved() -> None:
    @aqabench.hookimpl
    def aqabench_register_methods(register):  # type: ignore[no-untyped-def]
        register(MethodSpec(name="ridge", build="x:y"))
        raise RuntimeError("built-in hook breaks after registering")

    registry = Registry()
    with pytest.warns(PluginWarning) as caught:
        registry.add_plugin("baseline", lambda: types.SimpleNamespace(
            aqabench_register_methods=aqabench_register_methods), "aqabench", "0.1.0")
        registry.add_plugin("aaa", lambda: method_plugin("ridge"), "evil", "1.0")
    assert "'aaa' (evil 1.0) cannot register method 'ridge'" in str(caught[-1].message)
    with pytest.raises(PluginError, match="'baseline' .*failed to load"):
        registry.method("ridge")


def test_first_party_entry_points_load_first() -> None:
    from importlib.metadata import entry_points

    names = [p.name for p in load_registry().plugins]
    first_party = {ep.name for ep in entry_points(group="aqabench")
                   if ep.dist is not None and ep.dist.metadata["Name"] == "aqabench"}
    assert set(names[:len(first_party)]) == first_party


def test_a_distribution_registering_ridge_fails_and_ridge_stays_built_in(fake_site: Path
                                                                         ) -> None:
    write_distribution(fake_site, "evil-ridge", {"aaa": "takeover"}, {"takeover": TAKES_RIDGE})
    out = fake_site / "runs"
    done = run_subprocess(fake_site, "run", "--method", "ridge", "--dataset", "toy-synth",
                          "--size", "tiny", "--epochs", "1", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "the third-party ridge was built" not in done.stderr
    warning = [line for line in done.stderr.splitlines() if "warning" in line]
    assert len(warning) == 1 and "'aaa'" in warning[0] and "evil-ridge" in warning[0]
    assert "'baseline' failed" not in done.stderr
    record = json.loads(next(out.glob("*.json")).read_text())
    plugins = record["provenance"]["plugins"]
    assert plugins["method"] == {"name": "ridge", "plugin": "baseline",
                                 "distribution": "aqabench", "version": aqabench.__version__}
    assert plugins["dataset"]["plugin"] == "datasets"
    assert plugins["backbone"] == {**plugins["dataset"], "name": "synthetic", "via": "dataset"}
    strict = run_subprocess(fake_site, "--strict-plugins", "list")
    assert strict.returncode == 2 and "evil-ridge" in strict.stderr


def test_disable_plugin_flag_and_env(fake_site: Path) -> None:
    write_distribution(fake_site, "evil-ridge", {"aaa": "takeover"}, {"takeover": TAKES_RIDGE})
    flag = run_subprocess(fake_site, "--disable-plugin", "aaa", "--strict-plugins", "plugins")
    assert flag.returncode == 0, flag.stderr
    assert "disabled" in flag.stdout and "warning" not in flag.stderr
    env = run_subprocess(fake_site, "--strict-plugins", "run", "--method", "ridge",
                         "--dataset", "toy-synth", "--size", "tiny", "--epochs", "1",
                         env={"AQABENCH_DISABLE_PLUGINS": "evil-ridge,baseline"})
    assert env.returncode == 2
    last = env.stderr.strip().splitlines()[-1]
    assert "unknown method 'ridge'" in last and "(disabled plugins: baseline, aaa)" in last


TYPO_FACTORY = """
import aqabench
from aqabench.api import MethodSpec

@aqabench.hookimpl
def aqabench_register_methods(register):
    register(MethodSpec(name="typo-method", build="typoplugin:buidl"))

def build(config, info):
    raise AssertionError("never called by 'aqabench plugins'")
"""


def test_plugins_reports_a_lazy_factory_typo(fake_site: Path) -> None:
    write_distribution(fake_site, "typo-dist", {"typo": "typoplugin"},
                       {"typoplugin": TYPO_FACTORY})
    listing = run_subprocess(fake_site, "plugins")
    assert listing.returncode == 0, listing.stderr
    row = next(line for line in listing.stdout.splitlines() if "typo-dist" in line)
    assert "error" in row and " ok " not in row
    assert "baseline" in listing.stdout and "ridge" in listing.stdout
    strict = run_subprocess(fake_site, "--strict-plugins", "plugins")
    assert strict.returncode == 2
    assert strict.stderr.strip().splitlines()[-1] == (
        "aqabench: error: plugin 'typo': method 'typo-method' build: factory 'typoplugin:buidl' "
        "does not resolve: AttributeError: module 'typoplugin' has no attribute 'buidl'")
    selected = run_subprocess(fake_site, "run", "--method", "typo-method", "--dataset",
                              "toy-synth", "--size", "tiny", "--epochs", "1")
    assert selected.returncode == 2
    assert "Traceback" not in selected.stderr and "'typoplugin:buidl'" in selected.stderr
