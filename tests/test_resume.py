"""Resumable training (aqabench/resume.py): a run stopped between epochs and resumed, twice,
writes the record the uninterrupted run writes, for every method; bad partial files are
removed with a note; a partial file never executes code."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import torch

from aqabench import resume
from aqabench.bench import Suite, run_suite
from aqabench.plugins import get_registry
from aqabench.results import read_record
from aqabench.runner import RunRequest, run

#: (method, dataset, extra config): every method plugin, and both select protocols
CASES = [
    ("ridge", "toy-synth", {}),
    ("gdlt", "rg-synth", {}),
    ("cofinal", "rg-synth", {}),
    ("cofinal", "rg-synth", {"variant": "code"}),
    ("hgcn", "rg-synth", {}),
    ("mslstm", "rg-synth", {}),
    ("usdl", "finediving-synth", {}),
    ("musdl", "finediving-synth", {}),
    ("core", "finediving-synth", {}),
    ("tsa", "finediving-synth", {}),
    ("mcore", "finediving-synth", {}),
    ("gdlt", "rg-synth", {"select": "val"}),
]
#: the slowest cases (5-30 s each) run with ``-m slow`` (CI runs both); the default run keeps a
#: case that fails without each restored piece (RNG: gdlt, cofinal, hgcn; generator, optimiser:
#: every case)
SLOW = {"mcore", "core", "mslstm"}
EPOCHS = 3


class StopAfter(Exception):
    """Raised by on_epoch to stop a run between epochs, as a kill would."""


def request(method: str, dataset: str, extra: dict[str, Any], out: Path,
            every: float | None = 0.0, **kwargs: Any) -> RunRequest:
    return RunRequest(method=method, dataset=dataset, size="tiny", epochs=EPOCHS,
                      overrides=dict(extra), out_dir=out, resume_every=every, **kwargs)


def scores(record: dict[str, Any]) -> str:
    """What a resumed run must reproduce exactly: every protocol, the curve, the predictions."""
    keep = json.loads(json.dumps(
        {k: record[k] for k in ("final", "best", "val", "curve", "predictions", "identity")
         if k in record}, default=lambda v: v.tolist()))
    for row in keep["curve"]:
        row.pop("train_seconds")
    return json.dumps(keep, sort_keys=True)


def stop_after(epoch: int):
    def on_epoch(row: dict[str, Any]) -> None:
        if row["epoch"] == epoch:
            raise StopAfter

    return on_epoch


def partials(out: Path) -> list[Path]:
    return sorted((out / resume.PARTIAL_FOLDER).glob("*.pt"))


@pytest.mark.parametrize(("method", "dataset", "extra"), [
    pytest.param(m, d, e, id=f"{m}-{d}" + "".join(f"-{v}" for v in e.values()),
                 marks=[pytest.mark.slow] if m in SLOW else [])
    for m, d, e in CASES])
def test_stopped_and_resumed_twice_gives_the_uninterrupted_record(
        method: str, dataset: str, extra: dict[str, Any], tmp_path: Path) -> None:
    registry = get_registry()
    whole, _, _ = run(request(method, dataset, extra, tmp_path / "whole"), registry)
    out = tmp_path / "stopped"
    with pytest.raises(StopAfter):
        run(request(method, dataset, extra, out), registry, on_epoch=stop_after(1))
    assert len(partials(out)) == 1 and not list(out.glob("*.json"))
    with pytest.raises(StopAfter):
        run(request(method, dataset, extra, out), registry, on_epoch=stop_after(2))
    resumed, state, path = run(request(method, dataset, extra, out), registry)
    assert state.resumed_at == [1, 2]
    assert resumed["provenance"]["resumed_at"] == [1, 2]
    assert "resumed_at" not in whole["provenance"]
    assert scores(resumed) == scores(whole)
    assert path is not None and scores(read_record(path)) == scores(whole)
    assert partials(out) == []  # the record replaces the partial state


def test_force_discards_the_partial_state(tmp_path: Path, capsys) -> None:
    registry = get_registry()
    with pytest.raises(StopAfter):
        run(request("ridge", "toy-synth", {}, tmp_path), registry, on_epoch=stop_after(2))
    _, state, _ = run(request("ridge", "toy-synth", {}, tmp_path, force=True), registry)
    assert state.resumed_at == []
    assert "resuming" not in capsys.readouterr().err


def test_resume_note_and_interrupt_note(tmp_path: Path, capsys) -> None:
    registry = get_registry()

    def ctrl_c(row: dict[str, Any]) -> None:
        if row["epoch"] == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(request("ridge", "toy-synth", {}, tmp_path), registry, on_epoch=ctrl_c)
    err = " ".join(capsys.readouterr().err.split())
    assert f"interrupted: 2 of {EPOCHS} epochs are kept in" in err
    assert "the same command resumes there" in err
    run(request("ridge", "toy-synth", {}, tmp_path), registry)
    assert f"resuming at epoch 3 of {EPOCHS}" in " ".join(capsys.readouterr().err.split())


def stopped_partial(tmp_path: Path, **extra: Any) -> Path:
    with pytest.raises(StopAfter):
        run(request("ridge", "toy-synth", extra, tmp_path), get_registry(),
            on_epoch=stop_after(1))
    (path,) = partials(tmp_path)
    return path


def test_a_stale_partial_state_is_removed_and_the_run_starts_over(tmp_path: Path,
                                                                  capsys) -> None:
    path = stopped_partial(tmp_path)
    payload = torch.load(path, weights_only=True)
    payload["code_hash"] = "0" * 16  # saved by other code
    torch.save(payload, path)
    _, state, _ = run(request("ridge", "toy-synth", {}, tmp_path), get_registry())
    assert state.resumed_at == []
    err = " ".join(capsys.readouterr().err.split())
    assert f"{path.name}: saved by another config or other code; removed, starting at " \
           "epoch 1" in err


@pytest.mark.parametrize("content", [b"not a torch file", b""])
def test_an_unreadable_partial_state_is_removed(tmp_path: Path, capsys,
                                                content: bytes) -> None:
    path = stopped_partial(tmp_path)
    path.write_bytes(content)
    _, state, _ = run(request("ridge", "toy-synth", {}, tmp_path), get_registry())
    assert state.resumed_at == [] and partials(tmp_path) == []
    assert "unreadable" in capsys.readouterr().err


class Evil:
    def __reduce__(self):
        return (Path("pwned").touch, ())


def test_a_partial_state_never_executes_code(tmp_path: Path, monkeypatch, capsys) -> None:
    path = stopped_partial(tmp_path)
    monkeypatch.chdir(tmp_path)
    torch.save({"format": resume.FORMAT, "version": resume.VERSION, "evil": Evil()}, path)
    _, state, _ = run(request("ridge", "toy-synth", {}, tmp_path), get_registry())
    assert state.resumed_at == []
    assert not (tmp_path / "pwned").exists()
    assert "unreadable" in capsys.readouterr().err


def test_the_cli_default_interval_is_the_harness_default() -> None:
    from aqabench.commands import resume_option  # kept apart so that --help loads no torch

    assert resume_option.DEFAULT_EVERY == resume.DEFAULT_EVERY


def test_saves_wait_for_the_interval_and_never_follow_the_last_epoch(tmp_path: Path) -> None:
    partial = resume.PartialState(tmp_path / "p.pt", "c", "h", every=3600)
    assert not partial.due(1, 3)  # an hour has not passed
    partial.every = 0
    assert partial.due(1, 3) and partial.due(2, 3)
    assert not partial.due(3, 3)  # the record is written instead
    assert resume.partial_state(tmp_path, {"method": "m", "dataset": "d", "subset": None,
                                           "seed": 0, "config_hash": "c"}, "h", None) is None
    with pytest.raises(StopAfter):  # off: nothing is saved
        run(request("ridge", "toy-synth", {}, tmp_path, every=None), get_registry(),
            on_epoch=stop_after(2))
    assert partials(tmp_path) == []


def test_a_killed_suite_resumes_inside_its_cell(tmp_path: Path, capsys) -> None:
    suite = Suite(name="t", description="", size="tiny", defaults={"epochs": EPOCHS},
                  cells=[{"method": "ridge", "dataset": "toy-synth"}])
    registry = get_registry()
    uninterrupted = list(run_suite(suite, registry, tmp_path / "whole", resume_every=0.0))
    calls = {"n": 0}

    def ctrl_c_at_epoch_2(row: dict[str, Any]) -> None:
        if row["epoch"] == 2:
            raise KeyboardInterrupt  # a failing cell is reported; only a Ctrl-C stops a suite

    def on_run(cell: Any) -> tuple[Any, Any]:
        calls["n"] += 1
        return (ctrl_c_at_epoch_2 if calls["n"] == 1 else None), None

    with pytest.raises(KeyboardInterrupt):
        list(run_suite(suite, registry, tmp_path / "out", on_run=on_run, resume_every=0.0))
    assert len(partials(tmp_path / "out")) == 1
    (outcome,) = run_suite(suite, registry, tmp_path / "out", on_run=on_run, resume_every=0.0)
    assert outcome.status == "ran" and outcome.record is not None
    assert outcome.record["provenance"]["resumed_at"] == [2]
    assert scores(outcome.record) == scores(uninterrupted[0].record)
    assert partials(tmp_path / "out") == []
    assert "resuming at epoch 3" in " ".join(capsys.readouterr().err.split())


CLI = ("--method", "ridge", "--dataset", "toy-synth", "--size", "tiny", "--epochs", str(EPOCHS))


def test_the_same_command_resumes_from_the_cli(run_cli, tmp_path: Path) -> None:
    whole, _, _ = run(request("ridge", "toy-synth", {}, tmp_path / "whole"), get_registry())
    path = stopped_partial(tmp_path)  # what a killed 'aqabench run ... --out tmp_path' leaves
    code, out, err = run_cli("run", *CLI, "--out", tmp_path, "--resume-every", "0")
    assert code == 0, err
    assert f"resuming at epoch 2 of {EPOCHS}" in " ".join(err.split())
    assert not path.exists()
    (written,) = tmp_path.glob("ridge__toy-synth__*.json")
    record = read_record(written)
    assert record["provenance"]["resumed_at"] == [1]
    assert scores(record) == scores(whole)


@pytest.mark.parametrize("command", ["run", "bench"])
@pytest.mark.parametrize(("value", "problem"), [("soon", "expected seconds or 'off'"),
                                                ("-1", "must be 0 or more seconds")])
def test_a_bad_resume_interval_is_one_line(run_cli, command: str, value: str,
                                           problem: str) -> None:
    args = CLI if command == "run" else ("--suite", "smoke")
    code, _, err = run_cli(command, *args, "--resume-every", value)
    assert code == 2
    assert err.strip().count("\n") == 0 and problem in err and "--resume-every" in err


def test_resume_off_from_the_cli_neither_resumes_nor_saves(run_cli, tmp_path: Path) -> None:
    path = stopped_partial(tmp_path)
    saved = path.read_bytes()
    code, _, err = run_cli("run", *CLI, "--out", tmp_path, "--resume-every", "off")
    assert code == 0, err
    assert "resuming" not in err
    (written,) = tmp_path.glob("ridge__toy-synth__*.json")
    assert "resumed_at" not in read_record(written)["provenance"]
    assert path.read_bytes() == saved  # off: the partial folder is not touched


def test_a_saved_wall_time_counts_from_the_runs_start_as_the_record_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The partial state's wall time includes what came before the epochs (model build here, a
    slow one), as the record's does: a resumed record then adds up all its segments alike."""
    from aqabench import runner

    build = runner.build_model

    def slow_build(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.5)
        return build(*args, **kwargs)

    monkeypatch.setattr(runner, "build_model", slow_build)
    path = stopped_partial(tmp_path)
    saved = torch.load(path, weights_only=True)
    assert saved["wall_seconds"] >= 0.5
