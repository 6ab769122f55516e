"""CPU kernel pins: recorded in every record's provenance, listed in the leaderboard header."""

from __future__ import annotations

from pathlib import Path

import pytest

from aqabench import kernels
from aqabench.leaderboard import kernels_line
from aqabench.results import read_record

from .fake_records import fake_record, labels


def test_kernels_name_every_pin_and_what_torch_dispatches(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in kernels.PINS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MKL_CBWR", "AVX2")
    found = kernels.kernels()
    assert found["MKL_CBWR"] == "AVX2" and found["OPENBLAS_CORETYPE"] == "auto"
    assert set(kernels.PINS) < set(found)
    assert found["torch_cpu_capability"] not in ("", "?")


def test_a_record_says_which_kernels_made_it(run_cli, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    code, _, err = run_cli("run", "--method", "ridge", "--dataset", "toy-synth", "--size", "tiny",
                           "--epochs", "1", "--out", tmp_path)
    assert code == 0, err
    record = read_record(next(tmp_path.glob("ridge__toy-synth__*.json")))
    assert record["provenance"]["kernels"]["ONEDNN_MAX_CPU_ISA"] == "AVX2"


def test_the_leaderboard_header_counts_records_by_their_pins() -> None:
    truth = labels()
    records = [fake_record("ridge", "rg-synth", "Ball", truth, truth, seed=s) for s in range(3)]
    pinned = dict(kernels.PINS, torch_cpu_capability="AVX2", numpy_simd="X86_V3")
    records[0]["provenance"]["kernels"] = pinned
    records[1]["provenance"]["kernels"] = pinned
    line = kernels_line(records)
    assert "OPENBLAS_CORETYPE=Haswell, ATEN_CPU_CAPABILITY=avx2, MKL_CBWR=AVX2" in line
    assert "(2 records)" in line and "not recorded (1 record)" in line
    assert kernels_line([]) == "-"


def test_latency_says_which_torch_kernels_it_was_timed_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """A latency depends on the kernels (AVX-512 against AVX2): the latency block names them and
    Tab. 2's caption says whether they were pinned."""
    from aqabench.profile import summarise_latency

    for name in kernels.PINS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MKL_CBWR", "AVX2")
    times = {"wall": [1.0, 2.0, 3.0, 4.0], "cpu": [1.0, 1.0, 1.0, 1.0]}
    lat = summarise_latency(times, 10, [0], "cpu")  # type: ignore[arg-type]  # a batch of one
    assert lat["kernels"]["MKL_CBWR"] == "AVX2"
    text = kernels.torch_kernels_text(lat["kernels"])
    assert text.endswith("(pinned: MKL_CBWR=AVX2)")
    assert kernels.torch_kernels_text({"torch_cpu_capability": "AVX512"}) == "AVX512 (detected)"


def test_ci_exports_exactly_the_pins_the_package_lists() -> None:
    """`.ci/run` sets the pins in shell; `kernels.PINS` names them for provenance and captions:
    one changed without the other would record pins CI never set."""
    import re

    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    exported = dict(re.findall(r"\b([A-Z_]+)=(\S+)", " ".join(
        line.split("export", 1)[1] for line in ci.splitlines()
        if line.strip().startswith("export") and any(k in line for k in kernels.PINS))))
    assert exported == kernels.PINS
