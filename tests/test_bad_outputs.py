"""Bad-input campaign, outputs: an unwritable ``--out`` / ``--save-checkpoint`` is one line,
exit 2, found BEFORE training; a write that fails late leaves neither record nor checkpoint;
``extract --out`` likewise before any video is decoded."""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from aqabench import outputs, runner
from tests.test_backbones_support import ramp_frames, registry, write_video
from tests.test_datasets_real import write_rg

__all__ = ["registry"]


def _no_training(*args: object, **kwargs: object) -> None:
    raise AssertionError("training started although the destination is unwritable")


def _oserror(code: int) -> Callable[..., None]:
    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(code, {errno.ENOSPC: "No space left on device",
                             errno.EROFS: "Read-only file system"}[code])
    return fail


def _file(tmp_path: Path) -> Path:
    (tmp_path / "afile").write_text("x")
    return tmp_path / "afile"


OUT_CASES: dict[str, tuple[Callable[[Path], Path], str | None, str]] = {
    # name: (the --out it gets, what to break, message)
    "out is a file": (_file, None, "--out is a file, not a folder"),
    "out under a file": (lambda t: _file(t) / "runs", None, "--out cannot be created"),
    "out under /proc": (lambda t: Path("/proc/aqabench-no-such/runs"), None,
                        "--out cannot be created"),
    "out read-only": (lambda t: t / "ro", "erofs", "--out cannot be created (Read-only file "
                      "system)"),
    "out on a full disk": (lambda t: t / "full", "enospc", "--out is not writable (No space "
                           "left on device)"),
}


@pytest.mark.parametrize("case", sorted(OUT_CASES))
def test_unwritable_out_fails_before_training(case: str, tmp_path: Path, run_cli,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    make_out, breakage, message = OUT_CASES[case]
    write_rg(tmp_path / "data")
    out = make_out(tmp_path)
    if breakage == "erofs":
        monkeypatch.setattr(outputs.tempfile, "mkstemp", _oserror(errno.EROFS))
    if breakage == "enospc":
        monkeypatch.setattr(outputs.os, "fsync", _oserror(errno.ENOSPC))
    monkeypatch.setattr(runner, "fit", _no_training)
    code, _, err = run_cli("run", "--method", "ridge", "--dataset", "rg", "--data-root",
                           tmp_path / "data", "--epochs", "1", "--out", out)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert message in lines[0] and str(out).split("/")[-1] in lines[0], lines[0]
    assert not (tmp_path / "ro").exists() and not (tmp_path / "full").exists()


def test_checkpoint_onto_a_folder_fails_before_training(tmp_path: Path, run_cli,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    write_rg(tmp_path / "data")
    (tmp_path / "ckpt").mkdir()
    monkeypatch.setattr(runner, "fit", _no_training)
    code, _, err = run_cli("run", "--method", "ridge", "--dataset", "rg", "--data-root",
                           tmp_path / "data", "--epochs", "1", "--out", tmp_path / "runs",
                           "--save-checkpoint", tmp_path / "ckpt")
    assert code == 2 and len(err.splitlines()) == 1 and "ckpt: --save-checkpoint is a folder" \
        in err, err
    assert not (tmp_path / "runs").exists()


def error_lines(err: str) -> list[str]:
    """stderr less the per-epoch log lines a run prints when stderr is not a terminal."""
    return [line for line in err.splitlines() if not re.search(r": epoch \d+/\d+ ", line)]


def test_checkpoint_on_a_full_disk_writes_no_record(tmp_path: Path, run_cli,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from aqabench import checkpoint

    def torch_save(obj: object, path: object) -> None:
        Path(str(path)).write_bytes(b"half")
        raise RuntimeError("[enforce fail at inline_container.cc:603] . PytorchStreamWriter "
                           "failed writing file data/0: file write failed")

    write_rg(tmp_path / "data")
    monkeypatch.setattr(checkpoint.torch, "save", torch_save)
    out = tmp_path / "runs"
    code, _, err = run_cli("run", "--method", "ridge", "--dataset", "rg", "--data-root",
                           tmp_path / "data", "--epochs", "1", "--out", out,
                           "--save-checkpoint")
    assert code == 2 and len(error_lines(err)) == 1 and "cannot write the checkpoint" in err
    assert not list(out.glob("*")) if out.exists() else True  # no record, no temp file


def test_a_record_write_failing_late_removes_the_checkpoint(tmp_path: Path, run_cli,
                                                            monkeypatch) -> None:
    write_rg(tmp_path / "data")
    monkeypatch.setattr(runner, "write_record", _oserror(errno.ENOSPC))
    out = tmp_path / "runs"
    code, _, err = run_cli("run", "--method", "ridge", "--dataset", "rg", "--data-root",
                           tmp_path / "data", "--epochs", "1", "--out", out,
                           "--save-checkpoint")
    assert code == 2 and "cannot write the record (No space left on device)" in err, err
    assert len(error_lines(err)) == 1 and not list(out.glob("*"))


@pytest.mark.parametrize("case", ["a file", "read-only"])
def test_extract_out_unwritable_before_decoding(case: str, registry, tmp_path: Path, run_cli,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from aqabench.commands import extract

    video = write_video(tmp_path / "v.mp4", ramp_frames(16))
    out = _file(tmp_path) if case == "a file" else tmp_path / "ro"
    if case == "read-only":
        monkeypatch.setattr(outputs.tempfile, "mkstemp", _oserror(errno.EROFS))
    monkeypatch.setattr(extract, "extract_many", _no_training)
    code, _, err = run_cli("extract", video, "--backbone", "fake", "--out", out)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert ("is a file" if case == "a file" else "Read-only file system") in err


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="needs root and setpriv to drop the DAC capabilities")
def test_out_under_a_folder_without_permission_for_real(tmp_path: Path) -> None:
    write_rg(tmp_path / "data")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)  # read + search, no write: as a user without root's capabilities
    try:
        done = subprocess.run(
            ["setpriv", "--bounding-set=-dac_override,-dac_read_search", sys.executable, "-m",
             "aqabench.cli", "run", "--method", "ridge", "--dataset", "rg", "--data-root",
             str(tmp_path / "data"), "--epochs", "1", "--out", str(locked / "runs")],
            capture_output=True, text=True, timeout=300)
    finally:
        locked.chmod(0o755)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "--out cannot be created (Permission denied)" in done.stderr
    assert not (locked / "runs").exists()
