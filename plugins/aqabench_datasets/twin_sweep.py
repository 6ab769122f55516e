"""Sweep the temporary folders a killed twin writer leaves in the cache.

A twin is written to ``.<key>.<host>-<pid>.<random>/`` beside its final folder and renamed into
place; Ctrl-C removes it on the way out, but SIGKILL or a power loss leave it (hundreds of MB
for a full twin) forever. Before each write, :func:`sweep_stale` removes the temporary folders
whose writer is gone: on this host, a pid that no longer runs; otherwise (another host, or an
older name without a pid) anything untouched for :data:`STALE_SECONDS`.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import time
from pathlib import Path

STALE_SECONDS = 3600.0
_NAME = re.compile(r"^\.(?P<key>[^.]+)\.(?:(?P<host>[0-9a-f]{6})-(?P<pid>\d+)\.)?[^.]+$")


def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]


def temp_prefix(key: str) -> str:
    """``.<key>.<host>-<pid>.``: what :func:`tempfile.mkdtemp` is given."""
    return f".{key}.{_host()}-{os.getpid()}."


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def is_stale(path: Path, now: float) -> bool:
    match = _NAME.match(path.name)
    if match is None or not path.is_dir():
        return False
    if match["pid"] is not None and match["host"] == _host():
        pid = int(match["pid"])
        return pid != os.getpid() and not pid_alive(pid)
    try:
        return now - path.stat().st_mtime > STALE_SECONDS
    except OSError:
        return False


def sweep_stale(parent: Path) -> list[Path]:
    """Remove the stale temporary twin folders in ``parent``; the ones removed."""
    now = time.time()
    try:
        candidates = [p for p in parent.iterdir() if p.name.startswith(".")]
    except OSError:
        return []
    removed = [p for p in candidates if is_stale(p, now)]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed
