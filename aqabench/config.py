"""Run configuration: harness defaults < method defaults for the dataset < suite < ``--set``."""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .errors import UsageError

if TYPE_CHECKING:
    from .api import DataInfo

#: What the harness itself reads. Methods add their own keys in their defaults.
BASE_CONFIG: dict[str, Any] = {
    "seed": 0,
    "epochs": 100,
    "batch_size": 32,
    "optimizer": "sgd",  # sgd | adam | adamw
    "lr": 1e-2,
    "momentum": 0.9,
    "weight_decay": 1e-4,
    "scheduler": "cosine",  # cosine | none
    "lr_min": 1e-4,
    "warmup_epochs": 0,
    "grad_clip": 0.0,  # max grad norm; 0 = off
    "train_clips": 68,  # random window of C consecutive clips; null = whole sequence
    "test_clips": None,  # null = every clip (the papers' protocol)
    # Methods see target = (score - shift) / scale. Null shift/scale are filled from the training
    # labels by score_norm: "minmax" (min, max - min: targets in [0, 1]) or "standard" (mean,
    # std: targets centred, so a network whose output starts near 0 starts at the mean score).
    "score_shift": None,
    "score_scale": None,
    "score_norm": "minmax",
    "exemplar_key": None,  # extras key exemplars must share (e.g. "dive_number"); null = any
    "train_exemplars": 1,
    "test_exemplars": 10,
    "eval_batch_size": 64,  # videos of equal length evaluated together (results unchanged)
    # Feature preprocessing applied by the harness to every method alike: "none", or
    # "video_centre" (subtract each video's mean clip feature: removes per-video offsets such as
    # a venue/camera signature, which the twins model as domain shift).
    "feature_norm": "none",
    # Epoch selection: "none" (records carry the final epoch and the best epoch chosen on the
    # test split, flagged) or "val" (also carve a score-stratified validation split of
    # ``val_fraction`` of the training videos, seeded by ``seed``; train on the rest and report
    # the test metrics of the epoch with the best validation SRCC: the honest selection).
    "select": "none",
    "val_fraction": 0.2,
}

OPTIMIZERS = ("sgd", "adam", "adamw")
SCHEDULERS = ("cosine", "none")
FEATURE_NORMS = ("none", "video_centre")
SCORE_NORMS = ("minmax", "standard")
SELECTIONS = ("none", "val")


def parse_value(text: str) -> Any:
    """``--set`` values: JSON (numbers, true/false/null, lists) or a bare string."""
    lowered = text.strip().lower()
    if lowered in {"none", "null"}:
        return None
    if lowered in {"true", "false"}:
        return lowered == "true"
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_overrides(items: Iterable[str]) -> dict[str, Any]:
    """Turn ``["lr=0.1", "use_tfm=false"]`` into a dict; malformed items are a UsageError."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key or not value.strip():
            raise UsageError(f"bad --set {item!r}: expected KEY=VALUE")
        out[key] = parse_value(value)
    return out


def parse_seeds(text: str | int | list[int], flag: str = "--seeds") -> list[int]:
    """``"0,1,2"``, ``"0-4"``, ``"0-2,7"`` (or a list of ints, or one int) -> seeds, in order,
    without repeats; anything else is a one-line UsageError."""
    if isinstance(text, bool):
        raise UsageError(f"bad {flag} {text!r}: expected seeds like 0,1,2 or 0-4")
    if isinstance(text, int):
        text = [text]
    if isinstance(text, list):
        if not text or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0
                               for s in text):
            raise UsageError(f"bad {flag} {text!r}: expected a list of non-negative integers")
        items = [str(s) for s in text]
    else:
        items = [part.strip() for part in str(text).split(",")]
    seeds: list[int] = []
    for item in items:
        low, dash, high = item.partition("-")
        try:
            first, last = int(low), int(high) if dash else int(low)
        except ValueError:
            raise UsageError(f"bad {flag} {text!r}: expected seeds like 0,1,2 or 0-4") from None
        if first < 0 or last < first:
            raise UsageError(f"bad {flag} {text!r}: range {item!r} is empty or negative")
        seeds.extend(s for s in range(first, last + 1) if s not in seeds)
    return seeds


def _check_type(key: str, default: Any, value: Any) -> Any:
    if default is None or value is None:
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise UsageError(f"bad --set {key}={value!r}: expected true or false")
        return value
    if isinstance(default, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UsageError(f"bad --set {key}={value!r}: expected a number")
        return float(value) if isinstance(default, float) else value
    if isinstance(default, str) and not isinstance(value, str):
        raise UsageError(f"bad --set {key}={value!r}: expected text")
    return value


def merge_config(*layers: Mapping[str, Any] | None, overrides: Mapping[str, Any] | None = None
                 ) -> dict[str, Any]:
    """Merge ``BASE_CONFIG`` and ``layers`` (later wins); overrides may only set known keys."""
    config = dict(BASE_CONFIG)
    for layer in layers:
        config.update(layer or {})
    for key, value in (overrides or {}).items():
        if key not in config:
            close = difflib.get_close_matches(key, list(config), n=3, cutoff=0.6)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise UsageError(f"bad --set {key}=...: unknown config key {key!r}{hint}")
        if value is None and isinstance(config[key], str):
            value = "none"  # "--set scheduler=none" names a choice; it is not a null
        config[key] = _check_type(key, config[key], value)
    validate(config)
    return config


def validate(config: Mapping[str, Any]) -> None:
    if config["optimizer"] not in OPTIMIZERS:
        raise UsageError(f"optimizer must be one of {OPTIMIZERS}, got {config['optimizer']!r}")
    if config["scheduler"] not in SCHEDULERS:
        raise UsageError(f"scheduler must be one of {SCHEDULERS}, got {config['scheduler']!r}")
    if config["feature_norm"] not in FEATURE_NORMS:
        raise UsageError(f"feature_norm must be one of {FEATURE_NORMS}, "
                         f"got {config['feature_norm']!r}")
    if config["score_norm"] not in SCORE_NORMS:
        raise UsageError(f"score_norm must be one of {SCORE_NORMS}, got {config['score_norm']!r}")
    if config["select"] not in SELECTIONS:
        raise UsageError(f"select must be one of {SELECTIONS}, got {config['select']!r}")
    fraction = config["val_fraction"]
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) \
            or not 0 < fraction < 1:
        raise UsageError(f"val_fraction must be a number between 0 and 1, got {fraction!r}")
    for key in ("epochs", "batch_size", "eval_batch_size"):
        if not isinstance(config[key], int) or config[key] < 1:
            raise UsageError(f"{key} must be a positive integer, got {config[key]!r}")
    for key in ("score_shift", "score_scale"):
        value = config[key]
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise UsageError(f"{key} must be a number or null, got {value!r}")
    if config["score_scale"] == 0:
        raise UsageError("score_scale must not be 0")
    for key in ("train_clips", "test_clips"):
        if config[key] is not None and (not isinstance(config[key], int) or config[key] < 1):
            raise UsageError(f"{key} must be a positive integer or null, got {config[key]!r}")


def config_hash(config: Mapping[str, Any], **identity: Any) -> str:
    """A short stable hash of the resolved config and the run's identity."""
    blob = json.dumps({"config": config, "identity": identity}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def fill_score_normalisation(config: dict[str, Any], info: DataInfo) -> None:
    """Fill ``score_shift``/``score_scale`` left null from the training-label statistics in
    ``info``, as ``score_norm`` says: ``minmax`` -> (min, max - min); ``standard`` -> (mean,
    std). Without label moments (``aqabench profile`` reads no labels) ``standard`` uses the
    range's middle and a quarter of its width."""
    low, high = info.score_min, info.score_max
    if config["score_norm"] == "standard":
        shift = info.score_mean if info.score_mean is not None else (low + high) / 2.0
        scale = info.score_std if info.score_std is not None else (high - low) / 4.0
    else:
        shift, scale = low, high - low
    if config["score_shift"] is None:
        config["score_shift"] = float(shift)
    if config["score_scale"] is None:
        config["score_scale"] = float(scale) or 1.0
