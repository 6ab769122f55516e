"""The schema of a checkpoint's payload, checked before anything is built from it.

``torch.load(weights_only=True)`` keeps a checkpoint from running code, but not from holding
nonsense: a string where the weights belong, an empty config, a ``feature_dim`` of 1e11 (a
network of terabytes) or −5. :func:`validate` checks every field's type and range and returns
the parts :class:`~aqabench.checkpoint.Checkpoint` is made of; any problem is one
:class:`~aqabench.errors.DataError` naming the file and the field.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch

from .api import DataInfo
from .errors import DataError

#: Largest sizes a real model is built with (VST features are 1024-d; I3D 1024; fused 2048).
MAX_FEATURE_DIM = 1 << 16
MAX_LENGTH = 1 << 20
MAX_CARDINALITY = 1 << 20
INT_FIELDS = {"feature_dim": (1, MAX_FEATURE_DIM), "max_length": (1, MAX_LENGTH),
              "train_size": (0, 1 << 31), "test_size": (0, 1 << 31)}
FLOAT_FIELDS = ("score_min", "score_max")
OPTIONAL_FLOATS = ("score_mean", "score_std")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and \
        math.isfinite(value)


def _mapping(payload: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = payload.get(key)
    if not isinstance(value, dict):
        raise DataError(path, f"checkpoint field {key!r} must be a dict, got "
                              f"{type(value).__name__}")
    return value


def _info(raw: dict[str, Any], path: Path) -> DataInfo:
    for name, (low, high) in INT_FIELDS.items():
        value = raw.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise DataError(path, f"checkpoint info.{name} {value!r} is not an integer in "
                                  f"[{low}, {high}]")
    for name in FLOAT_FIELDS:
        if not _is_number(raw.get(name)):
            raise DataError(path, f"checkpoint info.{name} {raw.get(name)!r} is not a number")
    for name in OPTIONAL_FLOATS:
        if raw.get(name) is not None and not _is_number(raw[name]):
            raise DataError(path, f"checkpoint info.{name} {raw[name]!r} is not a number")
    extras = raw.get("extras", ())
    if not isinstance(extras, (list, tuple)) or not all(isinstance(e, str) for e in extras):
        raise DataError(path, "checkpoint info.extras must be a list of names")
    cards = raw.get("cardinalities", {})
    if not isinstance(cards, dict) or not all(
            isinstance(k, str) and _is_int(v) and 0 <= v <= MAX_CARDINALITY
            for k, v in cards.items()):
        raise DataError(path, f"checkpoint info.cardinalities must map names to integers in "
                              f"[0, {MAX_CARDINALITY}]")
    if not isinstance(raw.get("dataset"), str):
        raise DataError(path, "checkpoint info.dataset must be a name")
    try:
        return DataInfo(**{**raw, "extras": tuple(extras)})
    except TypeError as exc:
        raise DataError(path, f"checkpoint info does not fit this aqabench ({exc})") from None


def _config(config: dict[str, Any], path: Path) -> dict[str, Any]:
    for key in ("score_scale", "score_shift"):
        if not _is_number(config.get(key)):
            raise DataError(path, f"checkpoint config.{key} {config.get(key)!r} is not a "
                                  "finite number (the score normalisation is missing)")
    if config["score_scale"] == 0:
        raise DataError(path, "checkpoint config.score_scale is 0")
    return config


def _weights(raw: dict[str, Any], path: Path) -> dict[str, torch.Tensor]:
    for key, value in raw.items():
        if not isinstance(key, str) or not isinstance(value, torch.Tensor):
            raise DataError(path, f"checkpoint state_dict entry {key!r} is not a named tensor")
    return raw


def validate(payload: dict[str, Any], path: Path
             ) -> tuple[dict[str, Any], dict[str, Any], DataInfo, dict[str, torch.Tensor]]:
    """(identity, config, info, state_dict) of a loaded payload, every field checked."""
    identity = _mapping(payload, "identity", path)
    if not isinstance(identity.get("method"), str) or not identity["method"]:
        raise DataError(path, "checkpoint identity.method must be a method name")
    config = _config(_mapping(payload, "config", path), path)
    info = _info(_mapping(payload, "info", path), path)
    return identity, config, info, _weights(_mapping(payload, "state_dict", path), path)
