"""Every twin variant trains at its real set's protocol: a method's per-dataset defaults read
``dataset_family``, so ``rg-synth-roster`` gets what ``rg-synth`` gets (HGCN once fell back to
its generic recipe there, and MS-LSTM lost its RG training window)."""

from __future__ import annotations

import pytest

from aqabench.api import dataset_family, resolve_factory
from aqabench.plugins import get_registry


@pytest.mark.parametrize(("name", "family"), [
    ("rg", "rg"), ("rg-synth", "rg"), ("rg-synth-roster", "rg"), ("RG-synth-onevenue", "rg"),
    ("fisv-synth-irregular", "fisv"), ("Fis-V", "fisv"), ("finediving-synth-events", "finediving"),
    ("mtl-aqa", "mtl-aqa"), ("toy-synth", "toy")])
def test_family_of_a_dataset_name(name: str, family: str) -> None:
    assert dataset_family(name) == family


def _variants() -> list[tuple[str, str]]:
    """(variant, the twin it is a variant of) for every registered twin variant."""
    names = get_registry().datasets.names()
    return [(n, n[:n.index("-synth") + len("-synth")]) for n in names
            if "-synth-" in n and n[:n.index("-synth") + len("-synth")] in names]


def test_there_are_variants_to_check() -> None:
    assert {"rg-synth-roster", "fisv-synth-irregular", "finediving-synth-events"} <= \
        {v for v, _ in _variants()}


@pytest.mark.parametrize("method", ["hgcn", "mslstm", "gdlt", "cofinal", "ridge", "mcore",
                                    "usdl", "musdl", "core", "tsa"])
def test_every_variant_gets_its_twins_defaults(method: str) -> None:
    registry = get_registry()
    if method not in registry.methods:
        pytest.skip(f"{method} not installed")
    defaults = resolve_factory(registry.method(method).defaults)
    for variant, twin in _variants():
        for subset in registry.dataset(twin).subsets or (None,):
            assert defaults(variant, subset) == defaults(twin, subset), \
                (method, variant, subset)
