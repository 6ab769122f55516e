"""``--resume-every SECONDS|off``, shared by ``aqabench run`` and ``aqabench bench``."""

from __future__ import annotations

import argparse
import math
from typing import Any

#: Seconds between saves of a run's partial state (kept equal to aqabench.resume.DEFAULT_EVERY;
#: not imported from there so that ``--help`` does not load torch).
DEFAULT_EVERY = 60.0


def resume_every(text: str) -> float | None:
    """Seconds (0: after every epoch), or ``off`` (argparse type)."""
    if text.strip().lower() in ("off", "none", "no"):
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds or 'off', got {text!r}") from None
    if value < 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds, got {text!r}")
    return value


def add_resume_option(parser: Any, where: str) -> None:
    parser.add_argument(
        "--resume-every", type=resume_every, default=DEFAULT_EVERY, metavar="SECONDS|off",
        help=f"save an unfinished run's state between epochs at most every SECONDS (default "
             f"{DEFAULT_EVERY:g}; 0: every epoch) in {where}, so that the same command, after a "
             "Ctrl-C or a kill, resumes at the next epoch with an identical result; off: never")
