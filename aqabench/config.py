"""Run configuration: harness defaults < method defaults for the dataset < suite < ``--set``."""

from __future__ import annotations

import difflib
import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
        if last >= SEED_LIMIT:
            raise UsageError(f"bad {flag} {text!r}: seeds must be below 2**32")
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


def merge_config(*layers: Mapping[str, Any] | None, overrides: Mapping[str, Any] | None = None,
                 rules: Mapping[str, Rule] | None = None) -> dict[str, Any]:
    """Merge ``BASE_CONFIG`` and ``layers`` (later wins); overrides may only set known keys;
    the result is checked against :data:`RULES` and ``rules`` (the method's own keys)."""
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
    validate(config, rules)
    return config


def _number(x: float) -> str:
    return str(x) if isinstance(x, int) else f"{x:g}"


@dataclass(frozen=True)
class Range:
    """A numeric config key's valid values: finite, within ``[low, high]`` (an ``open`` end
    excludes the bound), an integer when ``integer``, null allowed when ``nullable``."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    integer: bool = False
    nullable: bool = False

    def describe(self) -> str:
        text = "an integer" if self.integer else "a finite number"
        bounds = []
        if self.low is not None:
            bounds.append(f"{'>' if self.low_open else '>='} {_number(self.low)}")
        if self.high is not None:
            bounds.append(f"{'<' if self.high_open else '<='} {_number(self.high)}")
        text += f" {' and '.join(bounds)}" if bounds else ""
        return text + (" or null" if self.nullable else "")

    def accepts(self, value: Any) -> bool:
        if value is None:
            return self.nullable
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.integer and not isinstance(value, int):
            return False
        if isinstance(value, float) and not math.isfinite(value):  # NaN, Infinity
            return False
        low_ok = self.low is None or (value > self.low if self.low_open else value >= self.low)
        high_ok = self.high is None or (value < self.high if self.high_open
                                        else value <= self.high)
        return low_ok and high_ok


@dataclass(frozen=True)
class Choice:
    """A text config key: one of ``options`` (``None``: any text), null when ``nullable``."""

    options: tuple[str, ...] | None = None
    nullable: bool = False

    def describe(self) -> str:
        text = f"one of {self.options}" if self.options is not None else "text"
        return text + (" or null" if self.nullable else "")

    def accepts(self, value: Any) -> bool:
        if value is None:
            return self.nullable
        return isinstance(value, str) and (self.options is None or value in self.options)


Rule = Range | Choice
SEED_LIMIT = 2**32  # numpy's seeds

#: The valid values of every harness key (tests check that each BASE_CONFIG key has one).
#: Methods declare their own keys' rules in :attr:`aqabench.api.MethodSpec.config_ranges`.
RULES: dict[str, Rule] = {
    "seed": Range(0, SEED_LIMIT, high_open=True, integer=True),
    "epochs": Range(1, integer=True),
    "batch_size": Range(1, integer=True),
    "optimizer": Choice(OPTIMIZERS),
    "lr": Range(0, low_open=True),
    "momentum": Range(0, 1, high_open=True),
    "weight_decay": Range(0),
    "scheduler": Choice(SCHEDULERS),
    "lr_min": Range(0),
    "warmup_epochs": Range(0, integer=True),
    "grad_clip": Range(0),
    "train_clips": Range(1, integer=True, nullable=True),
    "test_clips": Range(1, integer=True, nullable=True),
    "score_shift": Range(nullable=True),
    "score_scale": Range(nullable=True),  # and not 0 (see validate)
    "score_norm": Choice(SCORE_NORMS),
    "exemplar_key": Choice(nullable=True),
    "train_exemplars": Range(1, integer=True),
    "test_exemplars": Range(1, integer=True),
    "eval_batch_size": Range(1, integer=True),
    "feature_norm": Choice(FEATURE_NORMS),
    "select": Choice(SELECTIONS),
    "val_fraction": Range(0, 1, low_open=True, high_open=True),
}


def validate(config: Mapping[str, Any], rules: Mapping[str, Rule] | None = None) -> None:
    """Check every key that has a rule (the harness's, then ``rules``: a method's); the first
    bad value is a one-line UsageError, raised before anything is loaded or built."""
    for key, rule in {**RULES, **(rules or {})}.items():
        if key in config and not rule.accepts(config[key]):
            raise UsageError(f"{key} must be {rule.describe()}, got {config[key]!r}")
    if config.get("score_scale") == 0:
        raise UsageError("score_scale must not be 0")


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
