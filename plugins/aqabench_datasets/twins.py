"""Loaders and ``info`` of the synthetic twins (``fisv-synth`` and ``rg-synth``, the irregular-
execution story since 2026-12-07, also loadable as ``fisv-synth-irregular`` /
``rg-synth-irregular``; the previous defaults ``rg-synth-v5`` / ``fisv-synth-v5``;
``finediving-synth``, the candidates ``rg-synth-roster``, ``fisv-synth-roster``,
``finediving-synth-events``, and the sensitivity bound ``rg-synth-onevenue``). The stories
live in :mod:`twin_routines`, :mod:`twin_competitions`, :mod:`twin_irregular`,
:mod:`twin_venue`, :mod:`twin_diving` and :mod:`twin_diving_events`, the seeding and caching in
:mod:`twin_cache`."""

from __future__ import annotations

from typing import Any

from aqabench.api import DataBundle, DataRequest
from aqabench.errors import UsageError

from . import twin_cache
from .twin_competitions import FisVRosterTwin, RGRosterTwin
from .twin_diving import FRAMES, DivingTwin
from .twin_diving_events import DivingEventsTwin
from .twin_irregular import FisVIrregularTwin, RGIrregularTwin
from .twin_routines import FISV_STATS, RG_STATS, FisVTwin, RGTwin
from .twin_venue import RGOneVenueTwin

SIZES = ("full", "tiny")


def make_twin(name: str, subset: str | None, size: str) -> Any:
    if size not in SIZES:
        raise UsageError(f"unknown size {size!r} of {name!r}; choose from {', '.join(SIZES)}")
    if name in ("rg-synth", "rg-synth-irregular"):  # the default since 2026-12-07
        return RGIrregularTwin(subset or "Ball", size)
    if name in ("fisv-synth", "fisv-synth-irregular"):
        return FisVIrregularTwin(subset or "TES", size)
    if name == "rg-synth-v5":
        return RGTwin(subset or "Ball", size)
    if name == "fisv-synth-v5":
        return FisVTwin(subset or "TES", size)
    if name == "rg-synth-roster":
        return RGRosterTwin(subset or "Ball", size)
    if name == "fisv-synth-roster":
        return FisVRosterTwin(subset or "TES", size)
    if name == "rg-synth-onevenue":
        return RGOneVenueTwin(subset or "Ball", size)
    if name == "finediving-synth":
        return DivingTwin(size)
    if name == "finediving-synth-events":
        return DivingEventsTwin(size)
    raise UsageError(f"no twin named {name!r}")


def _load(name: str, request: DataRequest) -> DataBundle:
    twin = make_twin(name, request.subset, request.size)
    story = twin.story
    meta = {"story": {k: v for k, v in vars(story).items() if isinstance(v, (int, float))}}
    backbone = getattr(story, "backbone", None)
    if backbone is not None:
        meta["backbone"] = dict(vars(backbone))
    if name.startswith("finediving-synth"):
        meta["dive_numbers"] = list(twin.dn_names)
    return twin_cache.load_twin(twin, request.cache_dir, meta)


def load_rg(request: DataRequest) -> DataBundle:
    return _load("rg-synth", request)


def load_fisv(request: DataRequest) -> DataBundle:
    return _load("fisv-synth", request)


def load_rg_roster(request: DataRequest) -> DataBundle:
    return _load("rg-synth-roster", request)


def load_fisv_roster(request: DataRequest) -> DataBundle:
    return _load("fisv-synth-roster", request)


def info_rg_roster(request: DataRequest) -> dict[str, Any]:
    return _info("rg-synth-roster", request)


def info_fisv_roster(request: DataRequest) -> dict[str, Any]:
    return _info("fisv-synth-roster", request)


def load_rg_onevenue(request: DataRequest) -> DataBundle:
    return _load("rg-synth-onevenue", request)


def info_rg_onevenue(request: DataRequest) -> dict[str, Any]:
    return _info("rg-synth-onevenue", request)


def load_rg_irregular(request: DataRequest) -> DataBundle:
    return _load("rg-synth-irregular", request)


def info_rg_irregular(request: DataRequest) -> dict[str, Any]:
    return _info("rg-synth-irregular", request)


def load_fisv_irregular(request: DataRequest) -> DataBundle:
    return _load("fisv-synth-irregular", request)


def info_fisv_irregular(request: DataRequest) -> dict[str, Any]:
    return _info("fisv-synth-irregular", request)


def load_rg_v5(request: DataRequest) -> DataBundle:
    return _load("rg-synth-v5", request)


def info_rg_v5(request: DataRequest) -> dict[str, Any]:
    return _info("rg-synth-v5", request)


def load_fisv_v5(request: DataRequest) -> DataBundle:
    return _load("fisv-synth-v5", request)


def info_fisv_v5(request: DataRequest) -> dict[str, Any]:
    return _info("fisv-synth-v5", request)


def load_finediving(request: DataRequest) -> DataBundle:
    return _load("finediving-synth", request)


def load_finediving_events(request: DataRequest) -> DataBundle:
    return _load("finediving-synth-events", request)


def _info(name: str, request: DataRequest) -> dict[str, Any]:
    """Sizes and ranges without generating features (the ceiling comes from latents only)."""
    twin = make_twin(name, request.subset, request.size)
    if name.startswith("finediving-synth"):
        low, high, max_length = 0.0, 114.8, FRAMES
        extras = {"dive_number": "long [N], DN code", "difficulty": "float [N], DD",
                  "transitions": "long [N, 2], (t1, t2) on the 96-frame grid",
                  "judge_scores": "float [N, 3], the three judges (score = DD x sum)"}
    elif name.startswith("rg-synth"):
        _d, _e, (low, high), _p = RG_STATS[twin.subset]
        max_length = twin.story.lengths[1]
        extras = {k: "float [N]" for k in ("difficulty", "execution", "penalty")}
    else:
        _m, _s, low, high = FISV_STATS[twin.subset]
        max_length = twin.story.lengths[1]
        extras = {"deductions": "float [N]", twin.other: "float [N], the other component"}
    return {
        "dataset": name, "subset": twin.subset, "size": twin.size, "synthetic": True,
        "feature_dim": twin.dim, "max_length": max_length,
        "min_length": getattr(twin.story, "lengths", (FRAMES, FRAMES))[0],
        "train_size": twin.counts[0], "test_size": twin.counts[1],
        "score_min": low, "score_max": high, "ceiling": twin_cache.ceiling(twin),
        "extras": extras, "backbone": "synthetic",
        "cache": f"$AQABENCH_CACHE/twins/{twin_cache.cache_key(twin)}/",
        "citation": "aqabench synthetic twin (docs/datasets.md)",
    }


def info_rg(request: DataRequest) -> dict[str, Any]:
    return _info("rg-synth", request)


def info_fisv(request: DataRequest) -> dict[str, Any]:
    return _info("fisv-synth", request)


def info_finediving(request: DataRequest) -> dict[str, Any]:
    return _info("finediving-synth", request)


def info_finediving_events(request: DataRequest) -> dict[str, Any]:
    return _info("finediving-synth-events", request)
