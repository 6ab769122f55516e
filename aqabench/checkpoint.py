"""Trained-model checkpoints for ``aqabench score``: save atomically, load without pickle code.

A checkpoint is one ``torch.save`` of plain types only — the model's ``state_dict`` tensors, the
method/dataset identity, the resolved run config (with the score normalisation the model was
trained with) and the :class:`~aqabench.api.DataInfo` as a dict — so it loads with
``torch.load(weights_only=True)``: opening a checkpoint from elsewhere never executes code.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import __version__
from .api import AQAModel, DataInfo, MethodSpec, resolve_factory
from .checkpoint_schema import validate
from .config import validate as validate_config
from .errors import DataError, UsageError
from .fileio import chmod_like_open
from .outputs import write_failed
from .results import record_filename

FORMAT = "aqabench-checkpoint"
VERSION = 1
SUFFIX = ".pt"


def plain(value: Any) -> Any:
    """``value`` as dicts/lists/tuples of str, int, float, bool and None (numpy unwrapped)."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (np.ndarray, torch.Tensor)):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    raise TypeError(f"cannot store a {type(value).__name__} in a checkpoint")


def default_path(record: Mapping[str, Any], out_dir: Path | None) -> Path:
    """Beside the run's record: ``<out>/<method>__<dataset>[__<subset>]__seed<n>.pt``."""
    return Path(out_dir or "runs") / (Path(record_filename(dict(record))).stem + SUFFIX)


def target_path(option: Path | bool, record: Mapping[str, Any], out_dir: Path | None) -> Path:
    """``--save-checkpoint PATH`` as given, or the default beside the record."""
    return option if isinstance(option, Path) else default_path(record, out_dir)


def cpu_state_dict(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The model's weights and buffers, detached copies on the CPU (what a file stores)."""
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


def torch_save_atomic(payload: Any, path: Path) -> None:
    """``torch.save`` via a temp file in the same folder and a rename, with the mode a plain
    ``open`` would give; a failure raises OSError or RuntimeError (torch's failed write) and
    leaves neither the temp file nor a half-written ``path``."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        chmod_like_open(fd)
        os.close(fd)
        torch.save(payload, tmp)
        os.replace(tmp, path)
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def save_checkpoint(path: Path, model: AQAModel, identity: Mapping[str, Any],
                    config: Mapping[str, Any], info: DataInfo) -> Path:
    """Write the checkpoint via a temp file in the same folder and a rename."""
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "aqabench": __version__,
        "identity": plain(identity),
        "config": plain(config),
        "info": plain(dataclasses.asdict(info)),
        "state_dict": cpu_state_dict(model),
    }
    path = Path(path)
    if path.is_dir():
        raise DataError(path, "--save-checkpoint is a folder; give a file path")
    try:
        torch_save_atomic(payload, path)
    except (OSError, RuntimeError) as exc:  # torch reports a failed write as RuntimeError
        raise write_failed(path, exc, "cannot write the checkpoint") from None
    return path


@dataclass
class Checkpoint:
    path: Path
    identity: dict[str, Any]
    config: dict[str, Any]
    info: DataInfo
    state_dict: dict[str, torch.Tensor]

    @property
    def method(self) -> str:
        return str(self.identity["method"])


def load_checkpoint(path: Path) -> Checkpoint:
    """Read and validate a checkpoint (``weights_only=True``); problems name the file."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "no such checkpoint file")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure to parse foreign bytes is bad data
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(path, f"not a readable aqabench checkpoint ({first[:200]})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise DataError(path, "not an aqabench checkpoint (saved by 'aqabench run "
                              "--save-checkpoint')")
    if payload.get("version") != VERSION:
        raise DataError(path, f"checkpoint version {payload.get('version')} is not supported "
                              f"(this aqabench reads {VERSION})")
    identity, config, info, state_dict = validate(payload, path)
    return Checkpoint(path=path, identity=dict(identity), config=dict(config), info=info,
                      state_dict=dict(state_dict))


def restore_model(checkpoint: Checkpoint, method: MethodSpec) -> AQAModel:
    """Rebuild the method's network from the stored config and info, load the weights."""
    if method.name != checkpoint.method:
        raise UsageError(f"{checkpoint.path} holds a {checkpoint.method!r} model, "
                         f"not {method.name!r}")
    try:
        validate_config(checkpoint.config, method.config_ranges)
    except UsageError as exc:
        raise DataError(checkpoint.path, f"checkpoint config: {exc}") from None
    try:
        model = resolve_factory(method.build)(checkpoint.config, checkpoint.info)
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(checkpoint.path, f"its config does not build a {method.name!r} model "
                                         f"({type(exc).__name__}: {exc})") from None
    try:
        model.load_state_dict(checkpoint.state_dict, strict=True)
    except (RuntimeError, ValueError, TypeError) as exc:
        problem = " ".join(str(exc).split())[:300]
        raise DataError(checkpoint.path, f"weights do not fit {method.name!r}: {problem}") from exc
    return model.eval()
