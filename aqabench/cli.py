"""The ``aqabench`` command line. Each subcommand lives in ``aqabench/commands/<name>.py`` with
``add_parser(subparsers)`` and ``main(args) -> int``.

Exit codes: 0 ok; 1 the run failed; 2 usage or input error (bad flag, unknown name, bad data).
Progress goes to stderr, results to stdout.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from collections.abc import Sequence
from typing import NoReturn

try:  # Ctrl-C while the heavy imports start up: one line and 130, no traceback
    from . import __version__
    from .errors import AqabenchError
    from .plugins import DISABLE_ENV, STRICT_ENV, PluginWarning
except KeyboardInterrupt:  # pragma: no cover - timing-dependent; tests/test_bad_faults.py
    sys.stderr.write("aqabench: interrupted\n")
    raise SystemExit(130) from None

#: Subcommand modules under ``aqabench.commands``, in ``--help`` order.
COMMANDS = (
    "run", "bench", "compare", "list", "plugins", "data", "profile", "table", "leaderboard",
    "plot", "extract", "score",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 as well; keep one line
        self.exit(2, f"aqabench: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="aqabench", description="Benchmark suite for Action Quality Assessment.")
    parser.add_argument("--version", action="version", version=f"aqabench {__version__}")
    parser.add_argument("--strict-plugins", action="store_true",
                        help=f"any plugin failure is fatal (also: {STRICT_ENV}=1)")
    parser.add_argument("--disable-plugin", action="append", default=[], metavar="NAME",
                        help="skip a plugin (entry-point or distribution name; repeatable; "
                        f"also: {DISABLE_ENV}=a,b)")
    parser.add_argument("--traceback", action="store_true", help="show full tracebacks on error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"aqabench.commands.{name.replace('-', '_')}").add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # while the subcommands are imported or the arguments parsed
        print("aqabench: interrupted", file=sys.stderr)
        return 130


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.strict_plugins:
        os.environ[STRICT_ENV] = "1"
    if args.disable_plugin:
        names = [n for n in os.environ.get(DISABLE_ENV, "").split(",") if n.strip()]
        os.environ[DISABLE_ENV] = ",".join(names + args.disable_plugin)
    warnings.simplefilter("default")
    warnings.simplefilter("always", PluginWarning)  # one per plugin; the registry loads once
    warnings.formatwarning = lambda msg, cat, *a, **k: f"warning: {msg}\n"  # type: ignore
    try:
        return int(args.func(args) or 0)
    except AqabenchError as exc:
        if args.traceback:
            raise
        print(f"aqabench: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("aqabench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
