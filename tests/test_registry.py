"""Plugin registry: validation, duplicates, did-you-mean, isolation of broken plugins."""

from __future__ import annotations

import types
import warnings
from pathlib import Path

import pytest

import aqabench
from aqabench.api import DatasetSpec, MethodSpec
from aqabench.errors import PluginError, UsageError
from aqabench.plugins import PluginWarning, Registry

from .conftest import run_subprocess, write_distribution


def method_plugin(*names: str) -> types.SimpleNamespace:
    @aqabench.hookimpl
    def aqabench_register_methods(register):  # type: ignore[no-untyped-def]
        for name in names:
            register(MethodSpec(name=name, build="nowhere:build"))

    return types.SimpleNamespace(__name__="fake",
                                 aqabench_register_methods=aqabench_register_methods)


def test_duplicate_names_name_both_distributions() -> None:
    registry = Registry()
    registry.add_plugin("first", lambda: method_plugin("gdlt"), "dist-one", "1.0")
    with pytest.warns(PluginWarning) as caught:
        record = registry.add_plugin("second", lambda: method_plugin("gdlt"), "dist-two", "2.0")
    message = str(caught[0].message)
    assert "dist-one" in message and "dist-two" in message and "'gdlt'" in message
    assert record.status == "failed"
    assert "gdlt" not in registry.methods  # two third parties: neither gets it


def test_unknown_name_suggests_close_matches() -> None:
    registry = Registry()
    registry.add_plugin("p", lambda: method_plugin("cofinal", "gdlt"))
    with pytest.raises(UsageError, match="did you mean 'cofinal'"):
        registry.method("cofinel")
    with pytest.raises(UsageError, match="known: cofinal, gdlt"):
        registry.method("zzzzzz")


def test_wrong_spec_kind_is_rejected() -> None:
    @aqabench.hookimpl
    def aqabench_register_methods(register):  # type: ignore[no-untyped-def]
        register(DatasetSpec(name="oops", loader="x:y"))

    registry = Registry()
    plugin = types.SimpleNamespace(aqabench_register_methods=aqabench_register_methods)
    with pytest.warns(PluginWarning, match="expected MethodSpec"):
        registry.add_plugin("bad", lambda: plugin)
    assert "oops" not in registry.methods


def test_hook_failure_drops_half_registered_specs_and_explains_on_selection() -> None:
    @aqabench.hookimpl
    def aqabench_register_methods(register):  # type: ignore[no-untyped-def]
        register(MethodSpec(name="half", build="x:y"))
        raise RuntimeError("boom in hook")

    registry = Registry()
    registry.add_plugin("good", lambda: method_plugin("fine"))
    plugin = types.SimpleNamespace(aqabench_register_methods=aqabench_register_methods)
    with pytest.warns(PluginWarning, match="boom in hook"):
        registry.add_plugin("broken", lambda: plugin)
    assert registry.methods.names() == ["fine"]
    with pytest.raises(PluginError, match="failed to load: RuntimeError: boom in hook"):
        registry.method("half")
    with pytest.raises(PluginError, match="boom"):
        registry.method("broken")


def test_strict_mode_makes_failures_fatal() -> None:
    registry = Registry(strict=True)

    def explode() -> object:
        raise ImportError("no module named nothing")

    with pytest.raises(PluginError, match="no module named nothing"):
        registry.add_plugin("broken", explode)


def test_hook_with_wrong_signature_is_isolated() -> None:
    @aqabench.hookimpl
    def aqabench_register_methods(registr):  # type: ignore[no-untyped-def]  # typo in argument
        pass

    registry = Registry()
    plugin = types.SimpleNamespace(aqabench_register_methods=aqabench_register_methods)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        record = registry.add_plugin("typo", lambda: plugin)
    assert record.status == "failed" and caught


BROKEN_IMPORT = "raise ImportError('this plugin cannot import')\n"
BROKEN_HOOK = """
import aqabench

@aqabench.hookimpl
def aqabench_register_methods(register):
    raise ValueError('this hook raises')
"""


@pytest.fixture
def broken_site(fake_site: Path) -> Path:
    write_distribution(fake_site, "broken-import", {"brokenimp": "brokenimp"},
                       {"brokenimp": BROKEN_IMPORT})
    write_distribution(fake_site, "broken-hook", {"brokenhook": "brokenhook"},
                       {"brokenhook": BROKEN_HOOK})
    return fake_site


def test_broken_plugins_are_listed_and_others_keep_working(broken_site: Path) -> None:
    listing = run_subprocess(broken_site, "plugins")
    assert listing.returncode == 0, listing.stderr
    assert "brokenimp" in listing.stdout and "brokenhook" in listing.stdout
    assert "failed" in listing.stdout and "ridge" in listing.stdout
    assert listing.stderr.count("'brokenimp'") == 1  # warned once
    run = run_subprocess(broken_site, "run", "--method", "ridge", "--dataset", "toy-synth",
                         "--size", "tiny", "--epochs", "2", "--out", str(broken_site / "runs"))
    assert run.returncode == 0, run.stderr
    assert "SRCC" in run.stdout
    selected = run_subprocess(broken_site, "run", "--method", "brokenimp", "--dataset",
                              "toy-synth", "--size", "tiny")
    assert selected.returncode == 2
    assert "this plugin cannot import" in selected.stderr


def test_strict_flag_and_env_fail_on_broken_plugins(broken_site: Path) -> None:
    flag = run_subprocess(broken_site, "--strict-plugins", "plugins")
    assert flag.returncode == 2 and "failed" in flag.stderr
    env = run_subprocess(broken_site, "list", env={"AQABENCH_STRICT_PLUGINS": "1"})
    assert env.returncode == 2 and "this hook raises" in env.stderr


def test_first_party_plugins_come_from_entry_points() -> None:
    from importlib.metadata import entry_points

    names = {ep.name for ep in entry_points(group="aqabench")}
    assert {"baseline", "datasets"} <= names
