"""File modes that respect the umask, for files written via ``tempfile.mkstemp`` + rename.

``mkstemp`` creates its file mode 0600 whatever the umask, so without this every record,
table, leaderboard file and feature cache would be private to its writer. After ``mkstemp``
call :func:`chmod_like_open` on the descriptor: the file gets ``0o666 & ~umask``, the mode a
plain ``open(path, "w")`` would have given it (0644 under the common umask 022).
"""

from __future__ import annotations

import os


def current_umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def open_mode(directory: bool = False) -> int:
    """The mode ``open`` (or ``mkdir`` with ``directory``) would give a new file now."""
    return (0o777 if directory else 0o666) & ~current_umask()


def chmod_like_open(fd: int) -> None:
    """Give the file open on ``fd`` (from ``mkstemp``) the mode ``open`` would have."""
    os.fchmod(fd, open_mode())
