"""Shared fixtures: a CLI runner and fake plugin distributions on sys.path."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from aqabench import cli
from aqabench.plugins import reset_registry


def pytest_configure(config: pytest.Config) -> None:
    """A shell starts a background job (``pytest ... &``) with SIGINT ignored, and the
    subprocesses of the Ctrl-C tests would inherit that and never see their interrupt: give
    this process a handler, which a child resets to the default."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Each test gets its own cache dir and a freshly loaded plugin registry."""
    monkeypatch.setenv("AQABENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("AQABENCH_STRICT_PLUGINS", raising=False)
    monkeypatch.delenv("AQABENCH_DISABLE_PLUGINS", raising=False)
    reset_registry()
    yield
    reset_registry()


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run ``aqabench ARGS`` in-process: (exit code, stdout, stderr)."""

    def runner(*args: str) -> tuple[int, str, str]:
        try:
            code = cli.main([str(a) for a in args])
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return runner


def write_distribution(site: Path, name: str, entry_points: dict[str, str],
                       modules: dict[str, str]) -> None:
    """A minimal installed distribution (dist-info + modules) under ``site``."""
    dist_info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    lines = "\n".join(f"{k} = {v}" for k, v in entry_points.items())
    (dist_info / "entry_points.txt").write_text(f"[aqabench]\n{lines}\n")
    for module, source in modules.items():
        (site / f"{module}.py").write_text(textwrap.dedent(source))


@pytest.fixture
def fake_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    return site


def run_subprocess(site: Path, *args: str, env: dict[str, str] | None = None
                   ) -> subprocess.CompletedProcess[str]:
    """Run the real ``aqabench`` entry with ``site`` prepended to the import path."""
    full_env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(site), os.environ.get("PYTHONPATH", "")]), **(env or {})}
    return subprocess.run([sys.executable, "-m", "aqabench.cli", *args], capture_output=True,
                          text=True, env=full_env, timeout=300)
