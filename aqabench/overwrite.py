"""No silent overwrite: what may replace the record file a run is about to write.

A run writes ``<out>/<record_filename>`` (:mod:`aqabench.identity`). Where that file exists:

- it holds a different run (another config hash: a hash-prefix clash, a long tag cut short,
  or defaults changed since it was written), or it is not a readable record: refused, one line
  naming the file and what differs, unless ``--force``;
- it holds this run and is current (same config hash, same code hash): refused unless
  ``--force`` (``aqabench bench`` skips such cells before they run);
- it holds this run but is stale (same config hash, other code): replaced, as ``bench``
  resumes.

The check runs before anything is loaded or trained, so a refused run writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import DataError, UsageError
from .identity import config_difference, unfilled_config
from .results import read_record

FORCE_HINT = "pass --force to replace it, or --out another folder"


def check_overwrite(path: Path, config_hash: str, code_hash: str | None,
                    config: Mapping[str, Any], force: bool = False) -> None:
    """Raise :class:`UsageError` when writing a record of (``config_hash``, ``code_hash``,
    ``config``) to ``path`` would replace a record it should not (see the module docstring)."""
    if force or not Path(path).exists():
        return
    try:
        old = read_record(path)
    except DataError as exc:
        raise UsageError(f"{path} exists and is not a readable record ({exc.problem}); "
                         f"{FORCE_HINT}") from None
    prov = old["provenance"]
    if prov.get("config_hash") != config_hash:
        before = unfilled_config(old) or dict(prov.get("config") or {})
        raise UsageError(f"{path} holds a different run (config hash "
                         f"{prov.get('config_hash')} vs {config_hash}: "
                         f"{config_difference(before, config)}); {FORCE_HINT}")
    if code_hash is not None and prov.get("code_hash") == code_hash:
        raise UsageError(f"{path} already holds this run (same config and code); pass "
                         f"--force to rerun and replace it")
