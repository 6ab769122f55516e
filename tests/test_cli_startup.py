"""``aqabench --help`` / ``--version`` stay fast: building the parser imports no torch, scipy
or pandas (each subcommand imports what it needs when it runs)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from aqabench.cli import COMMANDS

HEAVY = ("torch", "scipy", "pandas", "aqabench.runner", "aqabench.api")


def test_building_the_parser_imports_nothing_heavy() -> None:
    code = ("import sys\nfrom aqabench.cli import build_parser\nbuild_parser()\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("command", [*COMMANDS, "data info", "data check", "data export"])
def test_every_subcommand_has_help(run_cli, command: str) -> None:
    code, out, _ = run_cli(*command.split(), "--help")
    assert code == 0 and "usage: aqabench " + command in out
