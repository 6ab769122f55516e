"""One run end to end: resolve plugins and config, load data, build, fit, record."""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import platform
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import __version__, identity, stats
from .api import (
    AQAModel,
    DataBundle,
    DataInfo,
    DataRequest,
    DatasetSpec,
    FeatureSet,
    MethodSpec,
    resolve_factory,
    unsupported,
)
from .config import fill_score_normalisation, merge_config
from .errors import AqabenchError, DataError, RunError, UsageError
from .kernels import kernels
from .outputs import writable_dir, writable_file, write_failed
from .overwrite import check_overwrite
from .plugins import Registry
from .profile import run_profile
from .results import SCHEMA_VERSION, record_filename, write_record
from .resume import DEFAULT_EVERY, PARTIAL_FOLDER, partial_state
from .splits import carve_validation
from .train import (
    EpochCallback,
    Evaluation,
    TrainState,
    check_needs,
    fit,
    resolve_device,
    seed_everything,
)

CACHE_ENV = "AQABENCH_CACHE"


@dataclass
class RunRequest:
    method: str
    dataset: str
    subset: str | None = None
    epochs: int | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    suite: dict[str, Any] = field(default_factory=dict)  # between method defaults and --set
    device: str | None = None
    data_root: Path | None = None
    size: str = "full"
    out_dir: Path | None = None
    #: Save the trained model for ``aqabench score``: a path, or True for the default beside
    #: the record (:func:`aqabench.checkpoint.default_path`).
    checkpoint: Path | bool | None = None
    #: Replace an existing record at the run's file name (see :mod:`aqabench.overwrite`);
    #: also discards a saved partial state.
    force: bool = False
    #: Where the partial state of an unfinished run is kept (:mod:`aqabench.resume`); None:
    #: ``<out_dir>/.partial``, or nowhere without ``out_dir``.
    partial_dir: Path | None = None
    #: Seconds between partial-state saves (0: every epoch); None: not resumable.
    resume_every: float | None = DEFAULT_EVERY


def default_cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "aqabench"


def resolve_subset(spec: DatasetSpec, subset: str | None) -> str | None:
    if not spec.subsets:
        if subset is not None:
            raise UsageError(f"dataset {spec.name!r} has no subsets (got --subset {subset})")
        return None
    if subset is None:
        return spec.default_subset or spec.subsets[0]
    if subset not in spec.subsets:
        raise UsageError(f"unknown subset {subset!r} of {spec.name!r}; "
                         f"choose from {', '.join(spec.subsets)}")
    return subset


def data_request(spec: DatasetSpec, subset: str | None, root: Path | None, size: str
                 ) -> DataRequest:
    if root is None and spec.root_env and os.environ.get(spec.root_env):
        root = Path(os.environ[spec.root_env])
    if not spec.synthetic and root is None:
        hint = f" or set {spec.root_env}" if spec.root_env else ""
        raise UsageError(f"dataset {spec.name!r} reads real data: pass --data-root DIR{hint} "
                         f"(see 'aqabench data info {spec.name}')")
    return DataRequest(subset=subset, root=root, size=size, cache_dir=default_cache_dir())


def load_bundle(spec: DatasetSpec, request: DataRequest) -> DataBundle:
    loader = resolve_factory(spec.loader)
    try:
        bundle = loader(request)
    except AqabenchError:
        raise
    except (OSError, ValueError) as exc:
        where = getattr(exc, "filename", None) or request.root or spec.name
        raise DataError(where, str(exc)) from exc
    for split_name in ("train", "test"):
        if len(getattr(bundle, split_name)) == 0:
            raise DataError(request.root or spec.name, f"the {split_name} split is empty")
    return bundle


def method_defaults(spec: MethodSpec, dataset: str, subset: str | None,
                    variant: str | None = None) -> dict[str, Any]:
    """The method's defaults for ``dataset``/``subset``. A defaults factory with a ``variant``
    keyword is given the variant a run asks for (``--set variant=code``), so a variant can
    carry its own protocol (CoFInAl's code variant: the official scripts' settings)."""
    if not spec.defaults:
        return {}
    factory = resolve_factory(spec.defaults)
    if variant is not None and "variant" in inspect.signature(factory).parameters:
        return dict(factory(dataset, subset, variant=variant))
    return dict(factory(dataset, subset))


def requested_variant(*layers: Mapping[str, Any] | None) -> str | None:
    """The ``variant`` the last of ``layers`` (suite, then ``--set``) that names one asks for."""
    variant = None
    for layer in layers:
        if layer and layer.get("variant") is not None:
            variant = str(layer["variant"])
    return variant


def resolve_config(method: MethodSpec, dataset: DatasetSpec, subset: str | None,
                   request: RunRequest) -> dict[str, Any]:
    overrides = dict(request.overrides)
    if request.epochs is not None:
        overrides["epochs"] = request.epochs
    variant = requested_variant(request.suite, overrides)
    return merge_config(method_defaults(method, dataset.name, subset, variant), request.suite,
                        overrides=overrides, rules=method.config_ranges)


def normalise_features(bundle: DataBundle, mode: str) -> None:
    """Apply the harness's feature preprocessing to both splits, in place (see BASE_CONFIG)."""
    if mode == "none":
        return
    for split in (bundle.train, bundle.test):
        valid = (torch.arange(split.features.shape[1])[None, :] < split.lengths[:, None])
        mask = valid[..., None].to(split.features.dtype)
        mean = (split.features * mask).sum(1, keepdim=True) / mask.sum(1, keepdim=True).clamp(min=1)
        split.features.sub_(mean).mul_(mask)


def git_state() -> tuple[str | None, bool | None]:
    """(sha, dirty) of the source tree aqabench runs from, or (None, None) outside git."""
    here = Path(__file__).resolve().parent.parent
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=10, check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                    cwd=here, capture_output=True, text=True, timeout=10,
                                    check=True).stdout.strip())
        return sha, dirty
    except (OSError, subprocess.SubprocessError):
        return None, None


def source_hash(*modules: str) -> str:
    """A short hash of the Python sources of ``modules`` (packages hash every ``*.py`` in them).

    Records carry it so a benchmark can tell whether a stored result is still current."""
    digest = hashlib.sha256()
    for name in sorted(set(modules)):
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        origin = Path(spec.origin)
        files = sorted(origin.parent.rglob("*.py")) if origin.name == "__init__.py" else [origin]
        for path in files:
            digest.update(str(path.relative_to(origin.parent)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def code_hash(registry: Registry, method: str, dataset: str) -> str:
    """Hash of the harness plus the plugins providing ``method`` and ``dataset``."""
    owners = [registry.methods.owner[method].module, registry.datasets.owner[dataset].module]
    return source_hash("aqabench", *(m.split(".")[0] for m in owners))


def provenance(config: dict[str, Any], chash: str, device: torch.device, wall: float,
               started: str) -> dict[str, Any]:
    sha, dirty = git_state()
    return {
        "aqabench": __version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git_sha": sha,
        "git_dirty": dirty,
        "config": config,
        "config_hash": chash,
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda"
        else platform.processor() or platform.machine(),
        "threads": torch.get_num_threads(),
        "kernels": kernels(),
        "wall_seconds": round(wall, 3),
        "argv": sys.argv,
        "started_at": started,
    }


def build_model(method: MethodSpec, config: dict[str, Any], bundle: DataBundle,
                dataset: str, subset: str | None, info: DataInfo | None = None) -> AQAModel:
    model = resolve_factory(method.build)(config, info or bundle.info(dataset, subset))
    if not isinstance(model, AQAModel):
        raise RunError(f"method {method.name!r} built a {type(model).__name__}, not an AQAModel")
    return model


def with_seed(request: RunRequest, seed: int) -> RunRequest:
    """``request`` for one seed of ``--seeds`` (the seed is a ``--set`` override)."""
    return replace(request, overrides={**request.overrides, "seed": seed})


def protocol_blocks(state: TrainState) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The record's protocol blocks (``final``, ``best``, and ``val`` when selected on a
    validation split), each with its bootstrap CIs, and the test predictions of each."""
    assert state.final is not None and state.best is not None
    best_epoch, best = state.best
    chosen: dict[str, tuple[int, Evaluation, dict[str, Any]]] = {
        "final": (len(state.curve), state.final, {}),
        "best": (best_epoch, best, {"chosen_on": "test"})}
    if state.val is not None:
        val_epoch, at_val, held_out = state.val
        chosen["val"] = (val_epoch, at_val, {"chosen_on": "val", "val_srcc": held_out["srcc"]})
    blocks: dict[str, Any] = {}
    preds: dict[str, np.ndarray] = {}
    for name, (epoch, evaluation, extra) in chosen.items():
        blocks[name] = {"epoch": epoch, **extra, **evaluation.metrics,
                        **stats.intervals(evaluation.predictions, evaluation.truth)}
        preds[name] = evaluation.predictions
    return blocks, preds


def make_record(state: TrainState, method: MethodSpec, dataset: DatasetSpec, subset: str | None,
                bundle: DataBundle, chash: str, wall: float, started: str,
                val: FeatureSet | None = None) -> dict[str, Any]:
    assert state.final is not None
    blocks, preds = protocol_blocks(state)
    config = state.config
    data: dict[str, Any] = {"train_size": len(bundle.train), "test_size": len(bundle.test),
                            "meta": bundle.meta}
    if val is not None:
        data.update(val_size=len(val), val_ids=list(val.ids))
    return {
        "schema_version": SCHEMA_VERSION,
        "identity": {
            "method": method.name,
            "dataset": dataset.name,
            "subset": subset,
            "backbone": bundle.backbone,
            "split": bundle.split_id,
            "seed": config["seed"],
            "variant": config.get("variant"),
        },
        **blocks,
        "curve": state.curve,
        "predictions": {"ids": state.final.ids, **preds, "truth": state.final.truth},
        "stats": stats.describe(),
        "data": data,
        "profile": None,
        "provenance": provenance(config, chash, state.device, wall, started),
    }


def run(request: RunRequest, registry: Registry, on_epoch: EpochCallback | None = None,
        on_start: EpochCallback | None = None) -> tuple[dict[str, Any], TrainState, Path | None]:
    """Run one (method, dataset, subset): its record, final state and where it was written."""
    method = registry.method(request.method)
    dataset = registry.dataset(request.dataset)
    refusal = unsupported(method, dataset)
    if refusal is not None:
        raise UsageError(refusal)
    subset = resolve_subset(dataset, request.subset)
    config = resolve_config(method, dataset, subset, request)
    device = resolve_device(request.device)
    ident = {"method": method.name, "dataset": dataset.name, "subset": subset,
             **identity.run_identity(method, dataset.name, subset, request.size, config)}
    chash = ident["config_hash"]
    code = code_hash(registry, method.name, dataset.name)
    check_destinations(request, ident, code, config)  # before minutes of training, not after
    bundle = load_bundle(dataset, data_request(dataset, subset, request.data_root, request.size))
    normalise_features(bundle, config["feature_norm"])  # per video: before or after carving
    val = None
    if config["select"] == "val":
        full = bundle.info(dataset.name, subset)
        bundle, val = carve_validation(bundle, float(config["val_fraction"]), int(config["seed"]))
    info = bundle.info(dataset.name, subset)  # label statistics of the videos trained on
    if val is not None:  # codes seen only in the validation videos still need embeddings
        info = replace(info, cardinalities=full.cardinalities)
    fill_score_normalisation(config, info)
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    clock = time.perf_counter()
    seed_everything(int(config["seed"]))
    model = build_model(method, config, bundle, dataset.name, subset, info)
    check_needs(method.needs, bundle, method.name, dataset.name)
    if on_start is not None:
        on_start(config)
    partial = partial_state(partial_folder(request), ident, code, request.resume_every,
                            request.force)
    state = fit(model, bundle, info, config, device, method.needs, on_epoch, val, partial,
                clock)
    record = make_record(state, method, dataset, subset, bundle, chash,
                         state.wall_before + time.perf_counter() - state.clock, started, val)
    record["provenance"]["code_hash"] = code
    if state.resumed_at:
        record["provenance"]["resumed_at"] = state.resumed_at
    record["provenance"]["plugins"] = registry.provenance(method.name, dataset.name,
                                                          bundle.backbone)
    record["identity"].update({k: ident[k] for k in ("size", "setting", "changed",
                                                     "config_hash", "numerics") if k in ident})
    record["profile"] = run_profile(model, state.info, state.config, method.needs)
    written = write_outputs(request, record, model, state)
    if partial is not None:  # the record stands in for it now (or the caller writes it)
        partial.discard()
    return record, state, written


def partial_folder(request: RunRequest) -> Path | None:
    """Where ``request``'s partial state lives: ``partial_dir``, else ``<out_dir>/.partial``."""
    if request.partial_dir is not None:
        return Path(request.partial_dir)
    return Path(request.out_dir) / PARTIAL_FOLDER if request.out_dir is not None else None


def check_destinations(request: RunRequest, ident: dict[str, Any] | None = None,
                       code: str | None = None, config: dict[str, Any] | None = None) -> None:
    """The record folder and the checkpoint path can be written (created + probed), and the
    record file the run's identity ``ident`` names may be replaced
    (:func:`aqabench.overwrite.check_overwrite`; ``code``: the run's code hash)."""
    if request.out_dir is not None:
        writable_dir(request.out_dir)
        if ident is not None:
            check_overwrite(Path(request.out_dir) / record_filename({"identity": ident}),
                            ident["config_hash"], code, config or {}, request.force)
    if isinstance(request.checkpoint, Path):
        writable_file(request.checkpoint, "--save-checkpoint")
    elif request.checkpoint:
        writable_dir(request.out_dir or Path("runs"))


def write_outputs(request: RunRequest, record: dict[str, Any], model: AQAModel,
                  state: TrainState) -> Path | None:
    """The checkpoint (if asked), then the record: a failed write is one line and leaves
    neither half (the checkpoint is removed when its record cannot be written)."""
    checkpoint = None
    if request.checkpoint:
        from .checkpoint import save_checkpoint, target_path

        checkpoint = save_checkpoint(target_path(request.checkpoint, record, request.out_dir),
                                     model, record["identity"], state.config, state.info)
    if request.out_dir is None:
        return None
    try:
        return write_record(record, request.out_dir)
    except OSError as exc:
        if checkpoint is not None:
            checkpoint.unlink(missing_ok=True)
        raise write_failed(Path(request.out_dir), exc, "cannot write the record") from None
