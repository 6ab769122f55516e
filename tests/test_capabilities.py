"""Which methods run on which datasets: the datasets' ``provides`` against the methods' ``needs``.

A method never lists datasets by name to say what data it reads: a third-party dataset that
provides stage labels and dive numbers is one MCoRe and TSA run on, unedited.
"""

from __future__ import annotations

import types
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

import aqabench
from aqabench.api import CAPABILITIES, DatasetSpec, MethodSpec, unsupported
from aqabench.errors import UsageError
from aqabench.plugins import Registry, get_registry, load_registry
from aqabench.runner import RunRequest, run

DIVING = frozenset(CAPABILITIES) - {"judge_scores"}


def plain(name: str, **kw: Any) -> DatasetSpec:
    return DatasetSpec(name=name, loader="aqabench_datasets.twins:load_finediving", **kw)


def with_datasets(*specs: DatasetSpec) -> Registry:
    """The installed plugins plus a third party registering ``specs``."""

    @aqabench.hookimpl
    def aqabench_register_datasets(register: Any) -> None:
        for spec in specs:
            register(spec)

    registry = load_registry(eps=list(entry_points(group="aqabench")), strict=True)
    registry.add_plugin("third-party-diving", lambda: types.SimpleNamespace(
        aqabench_register_datasets=aqabench_register_datasets))
    return registry


def test_a_method_is_refused_naming_each_need_and_its_extra() -> None:
    mcore = get_registry().method("mcore")
    why = unsupported(mcore, plain("bare"))
    assert why == ("method 'mcore' needs dive_numbers (the 'dive_number' extra), stage_labels "
                   "(the 'transitions' extra), which dataset 'bare' lacks")
    assert unsupported(mcore, plain("divers", provides=DIVING)) is None
    # the harness draws exemplars itself: no dataset has to provide them
    assert unsupported(MethodSpec(name="pairs", build=dict, needs=frozenset({"exemplars"})),
                       plain("bare")) is None


def test_a_name_restriction_still_holds_beside_the_needs() -> None:
    only = MethodSpec(name="only", build=dict, datasets=("rg",))
    assert unsupported(only, plain("rg")) is None
    assert unsupported(only, plain("divers", provides=DIVING)) == (
        "method 'only' does not support dataset 'divers'; it supports rg")


def test_unknown_capabilities_are_refused_when_the_spec_is_made() -> None:
    with pytest.raises(ValueError, match=r"dataset 'x': unknown provides \['stages'\] \(known: "
                                         "difficulty_degree, dive_numbers, judge_scores"):
        plain("x", provides=frozenset({"stages"}))
    with pytest.raises(ValueError, match=r"method 'y': unknown needs \['dive_number'\]"):
        MethodSpec(name="y", build=dict, needs=frozenset({"dive_number"}))


def test_the_first_party_datasets_provide_what_their_extras_carry() -> None:
    registry = get_registry()
    for name in ("finediving-synth", "finediving-synth-events"):
        spec = registry.dataset(name)
        assert spec.provides == frozenset(CAPABILITIES)
        bundle = aqabench.api.resolve_factory(spec.loader)(
            aqabench.api.DataRequest(size="tiny"))
        assert {CAPABILITIES[c] for c in spec.provides} <= set(bundle.train.extras)
    for name in ("rg-synth", "fisv-synth", "rg", "fisv"):
        assert registry.dataset(name).provides == frozenset()


def test_a_third_party_diving_dataset_runs_mcore_unedited(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AQABENCH_CACHE", str(tmp_path / "cache"))
    registry = with_datasets(plain("my-diving", provides=DIVING, synthetic=True))
    record, state, _ = run(RunRequest("mcore", "my-diving", size="tiny", epochs=1), registry)
    assert record["identity"]["dataset"] == "my-diving" and state.curve[-1]["epoch"] == 1


def test_a_refused_run_loads_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def loader(request: Any) -> Any:
        raise AssertionError("the loader must not be called")

    registry = with_datasets(DatasetSpec(name="no-stages", loader=loader,
                                         provides=frozenset({"dive_numbers"})))
    with pytest.raises(UsageError, match="needs stage_labels .* which dataset 'no-stages' lacks"):
        run(RunRequest("tsa", "no-stages", size="tiny", out_dir=tmp_path), registry)
    assert not any(tmp_path.iterdir())


def test_a_promise_the_loaded_data_breaks_is_caught_after_loading(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AQABENCH_CACHE", str(tmp_path / "cache"))

    def loader(request: Any) -> Any:
        bundle = aqabench.api.resolve_factory("aqabench_datasets.twins:load_finediving")(request)
        for split in (bundle.train, bundle.test):
            split.extras.pop("transitions")
        return bundle

    registry = with_datasets(DatasetSpec(name="liar", loader=loader, provides=DIVING,
                                         synthetic=True))
    with pytest.raises(UsageError, match="needs stage_labels \\(the 'transitions' extra\\), "
                                         "which the data loaded for 'liar' lacks"):
        run(RunRequest("mcore", "liar", size="tiny", epochs=1), registry)


def test_the_cli_lists_where_each_method_runs_and_refuses_in_one_line(run_cli) -> None:
    code, out, _ = run_cli("list", "methods")
    assert code == 0
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if "│" in line}
    assert rows["ridge"].rstrip(" │").endswith("any")
    assert "finediving-synth" in rows["mcore"] and "rg-synth" not in rows["mcore"]
    code, out, _ = run_cli("list", "datasets")
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if "│" in line}
    assert "stage_labels" in out and rows["rg-synth"].rstrip(" │").endswith("-")
    code, _, err = run_cli("run", "--method", "musdl", "--dataset", "rg-synth", "--size", "tiny")
    assert code == 2
    assert err.strip().splitlines()[-1].endswith(
        "method 'musdl' needs difficulty_degree (the 'difficulty' extra), judge_scores "
        "(the 'judge_scores' extra), which dataset 'rg-synth' lacks")
