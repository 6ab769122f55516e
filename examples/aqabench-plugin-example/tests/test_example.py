"""How to test an aqabench plugin: it is discovered, it keeps the harness's contract, it trains,
it learns."""

from __future__ import annotations

from importlib.metadata import entry_points

from aqabench.plugins import load_registry
from aqabench.runner import RunRequest, run
from aqabench.testing import check_method


def test_entry_point_is_installed() -> None:
    assert "example" in {ep.name for ep in entry_points(group="aqabench")}


def test_registers_its_method_and_dataset() -> None:
    registry = load_registry(strict=True)
    assert registry.method("attn-pool").name == "attn-pool"
    assert registry.dataset("wave-synth").synthetic


def test_trains_and_learns_on_its_dataset() -> None:
    request = RunRequest(method="attn-pool", dataset="wave-synth", size="tiny", epochs=8)
    record, _, _ = run(request, load_registry(strict=True))
    assert record["final"]["srcc"] > 0.5


def test_meets_the_aqabench_contract() -> None:
    """Defaults validate, ``loss`` returns ``{"loss": ...}``, eval outputs do not depend on the
    rest of the batch, and (it declares ``masks_padding``) not on zero padding either."""
    for dataset in ("wave-synth", "toy-synth"):
        check_method("attn-pool", dataset=dataset, registry=load_registry(strict=True))
