"""Rename record files to the names their identities give now (content unchanged).

Records written before identities named their changed keys and config hash
(:mod:`aqabench.identity`) are called ``<method>__<dataset>__<subset>__seed<N>[__<setting>]``.
:func:`renames` computes each record's current name from its own identity and stored config
(the config its ``config_hash`` was computed from, checked against that hash), so
committed results need not be rerun when the naming changes; :func:`apply` renames.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .config import config_hash
from .errors import AqabenchError, DataError
from .identity import changed_keys, tag, unfilled_config
from .leaderboard_tables import record_folders
from .plugins import Registry
from .results import iter_record_paths, read_record, record_filename

#: The record folders of a leaderboards root that ``aqabench leaderboard migrate`` renames
#: (:func:`aqabench.leaderboard_tables.record_folders`).
RECORD_FOLDERS = record_folders()


def current_name(record: dict[str, Any], path: Path, registry: Registry) -> str:
    """The file name ``record`` (read from ``path``) gets from this aqabench."""
    ident = record["identity"]
    config = unfilled_config(record)
    if config is None:
        raise DataError(path, "its config_hash is not the hash of its stored config "
                              "(edited by hand?); cannot name it")
    try:
        method = registry.method(ident["method"])
        changed = changed_keys(method, ident["dataset"], ident.get("subset"), config)
    except AqabenchError as exc:
        raise DataError(path, f"cannot name it: {exc}") from exc
    full = {**ident, "changed": tag(changed),
            "config_hash": record["provenance"]["config_hash"]}
    return record_filename({"identity": full})


def renames(paths: Iterable[Path], registry: Registry) -> list[tuple[Path, Path]]:
    """(old, new) for every record under ``paths`` whose name is not its current one; two
    records given one name (a copy under another name) are a :class:`DataError`."""
    moves: list[tuple[Path, Path]] = []
    targets: dict[Path, Path] = {}
    for path in iter_record_paths(paths):
        target = path.with_name(current_name(read_record(path), path, registry))
        if target in targets:
            raise DataError(path, f"would be named {target.name}, as {targets[target]} is")
        targets[target] = path
        if target != path:
            moves.append((path, target))
    return moves


def apply(moves: list[tuple[Path, Path]]) -> None:
    """Rename (old, new) pairs; targets that are also sources are moved out of the way first."""
    staged = []
    for old, new in moves:
        temp = old.with_name(f".{old.name}.migrating")
        old.rename(temp)
        staged.append((temp, new))
    for temp, new in staged:
        temp.rename(new)


def relabel_dataset(record: dict[str, Any], path: Path, dataset: str) -> dict[str, Any]:
    """``record`` with its dataset called ``dataset``, its config hash recomputed for that name
    (checked against the stored one first): for a twin whose bytes moved to another name, as
    v5's did from ``rg-synth`` to ``rg-synth-v5`` when the irregular story became the default.
    Everything else, the argv it ran with included, stays as run; :func:`renames` then gives
    the file its new name."""
    config = unfilled_config(record)
    if config is None:
        raise DataError(path, "its config_hash is not the hash of its stored config "
                              "(edited by hand?); cannot relabel it")
    ident = {**record["identity"], "dataset": dataset}
    digest = config_hash(config, method=ident["method"], dataset=dataset,
                         subset=ident.get("subset"), size=ident.get("size", "full"))
    return {**record, "identity": ident,
            "provenance": {**record["provenance"], "config_hash": digest}}
