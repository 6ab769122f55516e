"""A plain (non-editable) install works from any folder: build a wheel, install it into a fresh
venv (reusing this interpreter's torch & co. through ``--system-site-packages``) and run the
README's commands outside the checkout — each exit 0, no traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "aqabench", "plugins")


def sh(*args: str | Path, cwd: Path, env: dict[str, str] | None = None, timeout: int = 300
       ) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}: exit {result.returncode}\n{result.stderr[-2000:]}"
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    return result


@pytest.mark.slow
def test_wheel_installs_and_the_readme_commands_run_outside_the_checkout(tmp_path: Path) -> None:
    source = tmp_path / "src"  # a copy: building leaves build/ and *.egg-info behind
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(ROOT / name, source / name)
    venv = tmp_path / "venv"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(OMP_NUM_THREADS="1", PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
       "-w", tmp_path / "dist", ".", cwd=source, env=env)
    wheel = next((tmp_path / "dist").glob("aqabench-*.whl"))
    sh(sys.executable, "-m", "venv", "--system-site-packages", venv, cwd=tmp_path, env=env)
    python = venv / "bin" / "python"
    sh(python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--force-reinstall",
       wheel, cwd=tmp_path, env=env)  # reinstall: an editable aqabench may be on the system
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = sh(python, "-c", "import aqabench, aqabench_baseline; print(aqabench.__file__); "
               "print(aqabench_baseline.__file__)", cwd=elsewhere, env=env).stdout
    assert all(str(venv) in line for line in where.splitlines()), where
    aqabench = venv / "bin" / "aqabench"
    assert "ridge" in sh(aqabench, "list", cwd=elsewhere, env=env).stdout
    table = sh(aqabench, "table", "--layout", "cofinal-tab1", cwd=elsewhere, env=env).stdout
    assert "CoFInAl Tab. 1" in table and "C3D+SVR" in table
    sh(aqabench, "run", "--method", "ridge", "--dataset", "rg-synth", "--size", "tiny",
       "--epochs", "1", "--out", "runs", cwd=elsewhere, env=env)
    assert list((elsewhere / "runs").glob("ridge__rg-synth__*.json"))
    sh(aqabench, "plot", "runs", "--out", "figs", cwd=elsewhere, env=env)
    assert len(list((elsewhere / "figs").glob("*.png"))) == 3
