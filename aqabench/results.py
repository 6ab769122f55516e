"""Result records: one JSON file per run, written atomically, loadable as a DataFrame.

Schema (``schema_version`` 1)::

    identity    method, dataset, subset, backbone, split, seed, variant, size (twins),
                setting (method keys changed from the defaults, e.g. an ablation), changed
                (every config key changed from the method's defaults) and config_hash
                (:mod:`aqabench.identity`; records from before they existed lack the last two)
    final       metrics of the LAST epoch (the honest protocol) + "epoch"
    val         only with ``--select val``: test metrics of the epoch with the highest SRCC on
                a validation split carved from the training split + "epoch", "chosen_on":
                "val" and that epoch's "val_srcc" (honest selection)
    best        metrics of the epoch with the highest test SRCC + "epoch" and
                "chosen_on": "test" (what the papers report)
                Each protocol block also has "srcc_ci" and "rl2_ci": [low, high], the 95%
                bootstrap CI over the test videos (see ``stats`` and :mod:`aqabench.stats`).
    curve       one row per epoch: lr, train losses, test (and val_) metrics, seconds
    predictions test ids, truth and the predictions of each protocol (raw score units)
    stats       how the CIs were computed: level, method, n_resamples, seed
    data        dataset metadata (e.g. a twin's oracle ceiling), sizes (+ val_size, val_ids)
    profile     parameters / MACs / latency (when profiled), or null
    provenance  aqabench/torch/python/numpy versions, git sha + dirty flag, resolved config and
                its hash, device, wall time, argv, start time; ``plugins``: for the method,
                dataset and backbone, its name and the plugin, distribution and version that
                provided it (``"via": "dataset"``: features the dataset itself supplies)
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import DataError
from .fileio import chmod_like_open
from .identity import HASH_CHARS, name_part

SCHEMA_VERSION = 1
#: ``final`` (last epoch), ``val`` (chosen on the validation split; only in records run with
#: ``--select val``), ``best`` (chosen on the test split, as the papers do: flagged).
PROTOCOLS = ("final", "val", "best")
REQUIRED = ("schema_version", "identity", "final", "best", "curve", "provenance")
#: Identity keys every record names (tables and leaderboards group by them).
IDENTITY_REQUIRED = ("method", "dataset")


def record_filename(record: dict[str, Any]) -> str:
    """``<method>__<dataset>[__<subset>]__seed<seed>[__<size>][__<changed>__c<hash>].json``:
    one file per identity (:mod:`aqabench.identity`): ``changed`` = every config key that
    differs from the method's defaults, ``c<hash>`` = the first 8 digits of the config hash,
    both only when something differs. Records written before identities carried ``changed``
    keep their old name's last part, the method keys changed (``setting``)."""
    ident = record["identity"]
    parts = [ident["method"], ident["dataset"]]
    if ident.get("subset"):
        parts.append(ident["subset"])
    parts.append(f"seed{ident['seed']}")
    if ident.get("size", "full") != "full":
        parts.append(ident["size"])
    if "changed" in ident:
        if ident["changed"]:
            parts += [name_part(ident["changed"]), "c" + ident["config_hash"][:HASH_CHARS]]
    elif ident.get("setting"):  # a record from before identities named their changed keys
        parts.append(name_part(ident["setting"]))
    return "__".join(str(p).replace("/", "-") for p in parts) + ".json"


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, indent=1, sort_keys=True, default=_jsonable) + "\n"


def write_json_atomic(data: str, path: Path) -> Path:
    """Write ``data`` to ``path`` via a temp file in the same folder and a rename (the file
    gets the mode ``open`` would give it: the umask is respected)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        chmod_like_open(fd)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_record(record: dict[str, Any], out_dir: Path) -> Path:
    return write_json_atomic(dumps(record), Path(out_dir) / record_filename(record))


def read_record(path: Path) -> dict[str, Any]:
    """Load and validate one record; a bad file is a :class:`DataError` naming it."""
    path = Path(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(path, f"not a readable JSON record ({exc})") from exc
    if not isinstance(record, dict):
        raise DataError(path, "a record must be a JSON object")
    missing = [key for key in REQUIRED if key not in record]
    if missing:
        raise DataError(path, f"record lacks {', '.join(missing)}")
    if record["schema_version"] != SCHEMA_VERSION:
        raise DataError(path, f"schema_version {record['schema_version']} is not supported "
                              f"(this aqabench reads {SCHEMA_VERSION})")
    check_blocks(record, path)
    return record


def check_blocks(record: dict[str, Any], path: Path) -> None:
    """The identity names a method and dataset; every protocol block is an object."""
    ident = record["identity"]
    if not isinstance(ident, dict):
        raise DataError(path, "identity must be a JSON object")
    for key in IDENTITY_REQUIRED:
        if not isinstance(ident.get(key), str) or not ident[key]:
            raise DataError(path, f"identity.{key} is missing or not a name")
    for protocol in (p for p in PROTOCOLS if p in record):
        if not isinstance(record[protocol], dict):
            raise DataError(path, f"{protocol} must be a JSON object")


def iter_record_paths(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for path in map(Path, paths):
        found.extend(sorted(path.rglob("*.json")) if path.is_dir() else [path])
    return found


def load_records(paths: Iterable[Path]) -> list[dict[str, Any]]:
    return [read_record(p) for p in iter_record_paths(paths)]


def records_to_frame(records: Iterable[dict[str, Any]]):  # -> pandas.DataFrame
    """One row per (record, protocol it has): identity columns (``seed`` among them),
    ``protocol``, ``chosen_on``, ``epoch``, metrics and ``srcc_ci_low`` / ``srcc_ci_high`` /
    ``rl2_ci_low`` / ``rl2_ci_high`` (computed from the stored predictions for records written
    before CIs were stored). ``frame.groupby(["method", "protocol"]).srcc.agg(["mean", "std",
    "count"])`` gives the seed statistics."""
    import pandas as pd

    from .stats import CI_METRICS, record_interval

    rows = []
    for record in records:
        for protocol in (p for p in PROTOCOLS if p in record):
            row = dict(record["identity"])
            row["protocol"] = protocol
            row["chosen_on"] = None
            row.update({k: v for k, v in record[protocol].items() if not k.endswith("_ci")})
            for metric in CI_METRICS:
                interval = record_interval(record, protocol, metric)
                row[f"{metric}_ci_low"], row[f"{metric}_ci_high"] = interval or (None, None)
            row["config_hash"] = record["provenance"].get("config_hash")
            row["device"] = record["provenance"].get("device")
            rows.append(row)
    return pd.DataFrame(rows)


def load_frame(*paths: str | Path):  # -> pandas.DataFrame
    """``aqabench.results.load_frame("runs/")``: every record under the paths as a DataFrame."""
    return records_to_frame(load_records(Path(p) for p in paths))
