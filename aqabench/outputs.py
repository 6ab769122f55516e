"""Output destinations, checked before the work that fills them.

A run trains for minutes and then writes its record; a destination it cannot write (a file, a
path under a file, ``/proc``, a read-only or full disk) must fail *before* training, as one
line. :func:`writable_dir` creates the folder and probe-writes a temporary file in it;
:func:`write_failed` turns an ``OSError`` of a late write (the disk filled meanwhile) into the
same one-line :class:`~aqabench.errors.DataError`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import DataError

#: Bytes the probe writes and syncs: enough that a full disk refuses it.
PROBE_BYTES = 64 * 1024


def write_failed(path: Path, exc: BaseException, what: str = "cannot write") -> DataError:
    """``exc`` (an OSError, or torch's RuntimeError from a failed write) as one line."""
    detail = getattr(exc, "strerror", None) or " ".join(str(exc).split())[:200] or \
        type(exc).__name__
    where = getattr(exc, "filename", None)
    if where and Path(where) != Path(path) and Path(where) in Path(path).parents:
        detail += f": {where}"  # the ancestor that is missing or not a folder
    return DataError(path, f"{what} ({detail})")


def _missing_folders(path: Path) -> list[Path]:
    """``path`` and its ancestors that do not exist yet, deepest first."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    return missing


def writable_dir(path: Path, flag: str = "--out") -> Path:
    """Prove a file can be created, written and synced in ``path``. Folders made for the probe
    are removed again: a run refused later (bad data) leaves nothing behind."""
    path = Path(path).absolute()
    try:
        if path.exists() and not path.is_dir():
            raise DataError(path, f"{flag} is a file, not a folder")
        created = _missing_folders(path)
    except OSError as exc:  # e.g. a parent without search permission
        raise write_failed(path, exc, f"{flag} cannot be created") from None
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".aqabench-probe.", dir=path)
    except OSError as exc:
        _remove_empty(created)
        raise write_failed(path, exc, f"{flag} cannot be created") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(b"\0" * PROBE_BYTES)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise write_failed(path, exc, f"{flag} is not writable") from None
    finally:
        Path(probe).unlink(missing_ok=True)
        _remove_empty(created)
    return path


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def writable_file(path: Path, flag: str) -> Path:
    """A file to be written at ``path``: not a folder, and its folder writable."""
    path = Path(path)
    try:
        is_dir = path.is_dir()
    except OSError as exc:
        raise write_failed(path, exc, f"{flag} cannot be written") from None
    if is_dir:
        raise DataError(path, f"{flag} is a folder; give a file path")
    writable_dir(path.parent if str(path.parent) else Path("."), f"the folder of {flag}")
    return path
