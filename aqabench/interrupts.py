"""Tell the user's Ctrl-C from a ``KeyboardInterrupt`` some code raised itself.

A plugin that raises ``KeyboardInterrupt`` at import must be isolated like any broken plugin,
but a real Ctrl-C during plugin loading must still stop the command. While
:func:`sigint_witness` is active, a SIGINT handler notes that the signal arrived before
raising ``KeyboardInterrupt`` as Python's default handler does; :func:`interrupted_by_user`
says whether it did. Outside the main thread (no handler can be set) every interrupt counts
as the user's.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

_STATE = {"active": False, "fired": False}


def _handler(signum: int, frame: FrameType | None) -> None:
    _STATE["fired"] = True
    raise KeyboardInterrupt


@contextmanager
def sigint_witness() -> Iterator[None]:
    """Record SIGINTs that arrive inside the block (then raise as usual)."""
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield  # someone else handles SIGINT: leave it alone
        return
    previous = dict(_STATE)
    _STATE.update(active=True, fired=False)
    signal.signal(signal.SIGINT, _handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _STATE.update(previous)


def interrupted_by_user() -> bool:
    """True if the interrupt being handled came from a SIGINT (or cannot be told apart)."""
    return bool(_STATE["fired"] or not _STATE["active"])


def exit_if_cli_start() -> None:
    """In the ``aqabench`` command (its script, or ``python -m aqabench.cli``), a Ctrl-C while
    the package is first imported exits 130 with one line; anywhere else it propagates."""
    argv = list(getattr(sys, "orig_argv", []))
    as_module = any(a == "-m" and b.startswith("aqabench") for a, b in zip(argv, argv[1:]))
    if as_module or Path(sys.argv[0] if sys.argv else "").name == "aqabench":
        sys.stderr.write("aqabench: interrupted\n")
        raise SystemExit(130) from None
