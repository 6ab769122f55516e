"""Spec dataclasses a plugin registers, and lazy factories: nothing here imports torch.

A spec names its factories as callables or ``"module:attr"`` strings; listing plugins (and
``aqabench --help``) never imports the heavy code behind them. :mod:`aqabench.api` re-exports
everything here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import PluginError

Factory = Callable[..., Any] | str

#: What a dataset's labels can carry beyond a score, each with the extra that carries it: a
#: dataset lists the ones it has in :attr:`DatasetSpec.provides`, a method the ones it reads in
#: :attr:`MethodSpec.needs`.
CAPABILITIES: Mapping[str, str] = {
    "stage_labels": "transitions",  # [N, 2] stage boundaries (take-off | flight | entry)
    "judge_scores": "judge_scores",  # [N, judges] per-judge execution scores, raw points
    "dive_numbers": "dive_number",  # [N] codes of the move performed, which exemplars share
    "difficulty_degree": "difficulty",  # [N] a multiplier of the execution score (diving's DD)
}
#: Needs the harness meets for any dataset: ``"exemplars"`` (paired training samples).
HARNESS_NEEDS = frozenset({"exemplars"})
#: Keys a method may list in :attr:`MethodSpec.needs`.
KNOWN_NEEDS = HARNESS_NEEDS | frozenset(CAPABILITIES)


def resolve_factory(factory: Factory) -> Callable[..., Any]:
    """Turn a ``"package.module:attr"`` string into the object it names (callables pass through).

    Imports the module and looks the attribute up, calling nothing; a string that does not
    resolve (typo, missing module or dependency) is a one-line :class:`PluginError` naming it.
    """
    if callable(factory):
        return factory
    module_name, _, attr = str(factory).partition(":")
    if not module_name or not attr:
        raise PluginError(f"factory {factory!r} must look like 'package.module:attr'")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise PluginError(f"factory {factory!r} does not resolve: "
                          f"{type(exc).__name__}: {exc}") from exc
    if not callable(obj):
        raise PluginError(f"factory {factory!r} names a {type(obj).__name__}, not a callable")
    return obj


# --------------------------------------------------------------------------------------- specs
@dataclass(frozen=True)
class DatasetSpec:
    """A dataset: how to load its splits. ``loader(request: DataRequest) -> DataBundle``."""

    name: str
    loader: Factory
    description: str = ""
    subsets: tuple[str, ...] = ()
    default_subset: str | None = None
    synthetic: bool = False
    #: Environment variable holding the data root (real datasets), e.g. ``AQABENCH_FISV_ROOT``.
    root_env: str | None = None
    #: Paper table this dataset's columns belong to, e.g. ``"cofinal-tab1"``.
    table_layout: str | None = None
    citation: str = ""
    homepage: str = ""
    #: Optional ``info(request) -> dict`` (sizes, score ranges, folder tree) for ``data info``.
    info: Factory | None = None
    #: Optional ``check(request) -> list[str]`` listing every problem of a real download.
    check: Factory | None = None
    #: Optional ``export(load, subset, folder, progress) -> dict`` for ``data export``: writes
    #: the dataset in its real released layout into ``folder`` (fresh and empty; the harness
    #: renames it into place). ``load(subset) -> DataBundle`` loads one subset the harness's
    #: way, ``subset`` is ``--subset`` (``None``: every subset the layout holds),
    #: ``progress(done, total)`` is called per video written. Returns ``{"dataset": the real
    #: loader that reads it back, "subsets": [...], "videos": {"train": n, "test": m}}``.
    export: Factory | None = None
    #: Feature backbone the released features come from (``"vst"``, ``"i3d"``, ``"synthetic"``).
    backbone: str = "precomputed"
    #: What its labels carry beyond the score, from :data:`CAPABILITIES` (e.g. FineDiving:
    #: ``{"stage_labels", "judge_scores", "dive_numbers", "difficulty_degree"}``): a method
    #: whose :attr:`MethodSpec.needs` lists one it lacks is refused before anything loads.
    #: A promise about every loaded bundle; the harness checks the extras again after loading.
    provides: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = set(self.provides) - set(CAPABILITIES)
        if unknown:
            raise ValueError(f"dataset {self.name!r}: unknown provides {sorted(unknown)} "
                             f"(known: {', '.join(sorted(CAPABILITIES))})")


def dataset_family(dataset: str) -> str:
    """The dataset whose protocols ``dataset`` follows, for a method's per-dataset defaults:
    its lower-case name up to ``-synth`` and any twin variant after it (``rg-synth`` and
    ``rg-synth-roster`` -> ``rg``; ``fisv-synth-irregular`` -> ``fisv``;
    ``finediving-synth-events`` -> ``finediving``; ``Fis-V`` -> ``fisv``; others unchanged), so
    that every twin of a real set, and every variant of a twin, trains at that set's protocol."""
    return dataset.lower().replace("fis-v", "fisv").split("-synth")[0]


@dataclass(frozen=True)
class BackboneSpec:
    """A clip-feature extractor. ``factory(device) -> Backbone`` (see :class:`Backbone`)."""

    name: str
    factory: Factory
    feature_dim: int
    clip_len: int
    description: str = ""
    weights: str = ""
    citation: str = ""


@dataclass(frozen=True)
class MethodSpec:
    """An AQA method.

    ``build(config, info) -> AQAModel``; ``defaults(dataset, subset) -> dict`` gives the paper's
    hyper-parameters for that dataset (merged over the harness's :data:`BASE_CONFIG`).
    """

    name: str
    build: Factory
    defaults: Factory | None = None
    description: str = ""
    paper: str = ""
    citation: str = ""
    #: What the method reads beyond clip features and a score: ``"exemplars"`` (paired
    #: training samples, which the harness draws for any dataset) and any of
    #: :data:`CAPABILITIES` (``"stage_labels"``, ``"judge_scores"``, ``"dive_numbers"``,
    #: ``"difficulty_degree"``), which the dataset must list in :attr:`DatasetSpec.provides`.
    needs: frozenset[str] = frozenset()
    #: Datasets the method is restricted to by name, beyond its needs (``None`` = any dataset
    #: that provides what it needs; see :func:`unsupported`).
    datasets: tuple[str, ...] | None = None
    #: Valid values of the method's own config keys, checked with the harness's before a run
    #: (and when a checkpoint is restored): ``{"dropout": Range(0, 1, high_open=True)}``, each
    #: an :class:`aqabench.config.Range` or :class:`aqabench.config.Choice`. Optional.
    config_ranges: Mapping[str, Any] = field(default_factory=dict, hash=False)
    #: The method's config keys that choose how its maths is carried out, never what it
    #: computes (the same function up to float rounding, e.g. a product multiplied out in
    #: another order): like any key they are in the config hash and the record's name, but a
    #: record that changes only these keys keeps its setting (it is no ablation) in tables.
    numerics: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = set(self.needs) - KNOWN_NEEDS
        if unknown:
            raise ValueError(f"method {self.name!r}: unknown needs {sorted(unknown)} "
                             f"(known: {', '.join(sorted(KNOWN_NEEDS))})")


def unsupported(method: MethodSpec, dataset: DatasetSpec) -> str | None:
    """Why ``method`` cannot run on ``dataset`` (one line), or ``None`` when it can."""
    if method.datasets is not None and dataset.name not in method.datasets:
        return (f"method {method.name!r} does not support dataset {dataset.name!r}; "
                f"it supports {', '.join(method.datasets)}")
    missing = sorted(set(method.needs) - HARNESS_NEEDS - set(dataset.provides))
    if missing:
        what = ", ".join(f"{need} (the {CAPABILITIES[need]!r} extra)" for need in missing)
        return f"method {method.name!r} needs {what}, which dataset {dataset.name!r} lacks"
    return None


@dataclass(frozen=True)
class DataRequest:
    """What the harness asks a dataset loader for."""

    subset: str | None = None
    root: Path | None = None
    size: str = "full"  # synthetic twins: "full" or "tiny"
    cache_dir: Path | None = None
