"""Validation of suite JSON files, as strict as ``--set``: every problem is one line naming
the file and the cell (``cells[2]``), raised as :class:`~aqabench.errors.DataError` (exit 2).

The format is documented in ``docs/suites.md``: top-level keys :data:`TOP_KEYS`, cell keys
:data:`CELL_KEYS`; ``defaults`` and each cell's ``set`` may only name config keys the cell's
method knows (the harness's plus the method's defaults), checked with the ``--set`` rules.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .config import parse_seeds
from .errors import DataError, UsageError

TOP_KEYS = ("name", "description", "size", "defaults", "seeds", "cells")
CELL_KEYS = ("method", "dataset", "subsets", "set", "size", "seeds")
SIZES = ("full", "tiny")


def _unknown_key(keys: Iterable[str], allowed: tuple[str, ...]) -> str | None:
    """The first key not in ``allowed``, as "unknown key 'k'; did you mean 'x'?"."""
    for key in keys:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else f" (allowed: {', '.join(allowed)})"
            return f"unknown key {key!r}{hint}"
    return None


def _bad_size(value: Any) -> str | None:
    if value not in SIZES:
        return f"size must be one of {', '.join(SIZES)}, got {value!r}"
    return None


def check_suite(data: Any, path: Path) -> dict[str, Any]:
    """Validate the structure of a parsed suite file; returns it with ``seeds`` parsed."""
    def fail(problem: str) -> DataError:
        return DataError(path, problem)

    if not isinstance(data, dict):
        raise fail("a suite must be a JSON object")
    problem = _unknown_key(data, TOP_KEYS)
    if problem:
        raise fail(problem)
    if not isinstance(data.get("name"), str) or not data["name"]:
        raise fail("a suite needs a \"name\" (text)")
    if not isinstance(data.get("defaults", {}), dict):
        raise fail("\"defaults\" must be an object of config keys")
    if "size" in data and _bad_size(data["size"]):
        raise fail(str(_bad_size(data["size"])))
    cells = data.get("cells")
    if not isinstance(cells, list) or not cells:
        raise fail("a suite needs \"cells\": a non-empty list of objects")
    try:
        if data.get("seeds") is not None:
            data["seeds"] = parse_seeds(data["seeds"], "suite seeds")
    except UsageError as exc:
        raise fail(str(exc)) from exc
    for index, cell in enumerate(cells):
        check_cell(cell, index, path)
    return data


def check_cell(cell: Any, index: int, path: Path) -> None:
    where = f"cells[{index}]"
    if not isinstance(cell, dict):
        raise DataError(path, f"{where}: a cell must be an object, got {type(cell).__name__}")
    if isinstance(cell.get("method"), str) and isinstance(cell.get("dataset"), str):
        where += f" ({cell['method']} {cell['dataset']})"
    problem = _unknown_key(cell, CELL_KEYS)
    for key in ("method", "dataset"):
        if problem is None and (not isinstance(cell.get(key), str) or not cell[key]):
            problem = f"a cell needs a {key!r} (a name)"
    subsets = cell.get("subsets")
    if problem is None and subsets is not None and (
            not isinstance(subsets, list) or not all(isinstance(s, str) for s in subsets)):
        problem = "\"subsets\" must be a list of subset names"
    if problem is None and not isinstance(cell.get("set", {}), dict):
        problem = "\"set\" must be an object of config keys"
    if problem is None and "size" in cell:
        problem = _bad_size(cell["size"])
    if problem is None and cell.get("seeds") is not None:
        try:
            cell["seeds"] = parse_seeds(cell["seeds"], "seeds")
        except UsageError as exc:
            problem = str(exc)
    if problem:
        raise DataError(path, f"{where}: {problem}")


def check_cell_config(path: Path, index: int, cell: Mapping[str, Any],
                      defaults: Mapping[str, Any], resolve: Any) -> None:
    """Run the ``--set`` checks on the suite's ``defaults`` and the cell's ``set``.

    ``resolve(overrides)`` resolves the cell's config with them as ``--set`` overrides (and
    raises :class:`UsageError` on an unknown key or a bad value)."""
    layers = (("defaults", defaults), ("set", {**defaults, **cell.get("set", {})}))
    for layer_name, layer in layers:
        try:
            resolve(dict(layer))
        except UsageError as exc:
            problem = str(exc).replace("bad --set ", "bad ", 1)
            raise DataError(path, f"cells[{index}] ({cell['method']} {cell['dataset']}) "
                                  f"{layer_name}: {problem}") from exc
