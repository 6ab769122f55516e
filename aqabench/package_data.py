"""Data folders shipped inside the ``aqabench`` package (reported numbers, suites).

Found through :mod:`importlib.resources`, so a plain (non-editable) ``pip install`` reads the
same files as a source checkout. aqabench installs as a regular folder package, so each data
folder is a real :class:`~pathlib.Path` (listing it with ``glob`` works).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def package_dir(name: str) -> Path:
    """``aqabench/<name>/`` of the installed package."""
    return Path(str(resources.files("aqabench").joinpath(name)))


#: The papers' numbers as data (``aqabench/reported/<table>.json``).
REPORTED_DIR = package_dir("reported")
#: The benchmark suites (``aqabench/suites/<suite>.json``).
SUITES_DIR = package_dir("suites")
