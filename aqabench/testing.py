"""Contract checks a plugin author calls from pytest.

The harness relies on a few promises every method makes (see ``docs/plugins.md``); these
functions check them on a real (tiny) dataset, so a broken promise fails a plugin's own tests
with a one-line reason instead of silently skewing its benchmark numbers::

    from aqabench.testing import check_method

    def test_meets_the_aqabench_contract():
        check_method("mymethod", dataset="toy-synth")

:func:`check_method` runs every check; each is also callable on its own:

- :func:`check_defaults` — the method's defaults for the dataset pass the config validation
  ``--set`` uses (harness keys of the right type and range);
- :func:`check_loss` — ``forward`` gives a ``[B]`` ``"score"`` and ``loss`` returns a dict
  whose ``"loss"`` is a finite scalar with a gradient (other entries scalars);
- :func:`check_batch_independence` — in eval mode a video's outputs do not depend on the other
  videos of its batch (the harness evaluates equal-length test videos together);
- :func:`check_padding_invariance` — for a model declaring ``masks_padding``, zero padding after
  a video's ``lengths`` changes nothing (the harness then batches mixed lengths).

A failure raises :class:`ContractError` (an ``AssertionError``: pytest shows its message).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch

from .api import AQAModel, Batch, DataBundle, DataInfo
from .config import BASE_CONFIG, fill_score_normalisation, merge_config
from .errors import UsageError
from .plugins import Registry, get_registry
from .runner import (
    RunRequest,
    build_model,
    data_request,
    load_bundle,
    method_defaults,
    resolve_config,
    resolve_subset,
)
from .sampling import ExemplarPicker, test_batches
from .train import build_picker, check_needs, seed_everything

#: Tolerances of the eval-mode comparisons (float32 arithmetic in another batch shape).
ATOL, RTOL = 1e-5, 1e-4


class ContractError(AssertionError):
    """A method breaks a promise the harness relies on."""


@dataclass
class Prepared:
    """A method built the harness's way on a dataset, ready to be checked."""

    name: str
    model: AQAModel
    config: dict[str, Any]
    bundle: DataBundle
    info: DataInfo
    picker: ExemplarPicker | None

    def test_batch(self, min_size: int = 2) -> Batch:
        """The first harness test batch (equal lengths) with at least ``min_size`` videos."""
        for batch in test_batches(self.bundle.test, self.config, self.picker):
            if len(batch) >= min_size:
                return batch
        raise ContractError(f"{self.name}: no test batch of {min_size}+ equal-length videos "
                            "to check with; use another dataset")


def prepare(method: str, dataset: str = "toy-synth", subset: str | None = None,
            size: str = "tiny", overrides: Mapping[str, Any] | None = None,
            registry: Registry | None = None) -> Prepared:
    """Build ``method`` for ``dataset`` exactly as ``aqabench run`` would (seeded, untrained)."""
    registry = registry or get_registry()
    spec, data = registry.method(method), registry.dataset(dataset)
    subset = resolve_subset(data, subset)
    config = resolve_config(spec, data, subset, RunRequest(method, dataset, subset,
                                                           overrides=dict(overrides or {})))
    bundle = load_bundle(data, data_request(data, subset, None, size))
    info = bundle.info(data.name, subset)
    fill_score_normalisation(config, info)
    seed_everything(int(config["seed"]))
    model = build_model(spec, config, bundle, data.name, subset, info)
    check_needs(spec.needs, bundle, spec.name, data.name)
    model.prepare(bundle.train, config)
    return Prepared(spec.name, model, config, bundle, info,
                    build_picker(bundle, config, spec.needs))


def check_defaults(method: str, dataset: str, subset: str | None = None,
                   registry: Registry | None = None) -> dict[str, Any]:
    """The method's defaults pass the ``--set`` validation; returns the resolved config."""
    registry = registry or get_registry()
    spec = registry.method(method)
    defaults = method_defaults(spec, dataset, subset)
    if not isinstance(defaults, dict):
        raise ContractError(f"{method}: defaults() returned a {type(defaults).__name__}, "
                            "not a dict")
    own = {k: v for k, v in defaults.items() if k not in BASE_CONFIG}
    harness = {k: v for k, v in defaults.items() if k in BASE_CONFIG}
    try:
        return merge_config(own, overrides=harness)
    except UsageError as exc:
        raise ContractError(f"{method}: its defaults for {dataset} fail validation: "
                            f"{exc}") from None


def check_loss(model: AQAModel, batch: Batch) -> dict[str, torch.Tensor]:
    """In train mode, ``loss`` returns a dict with a finite scalar ``"loss"`` that has a
    gradient, and only scalars besides; ``forward`` gives a ``[B]`` ``"score"``."""
    model.train()
    outputs = model(batch)
    _check_score(model, outputs, batch)
    losses = model.loss(outputs, batch)
    name = type(model).__name__
    if not isinstance(losses, dict) or "loss" not in losses:
        raise ContractError(f"{name}.loss must return a dict with a 'loss' entry, got "
                            f"{type(losses).__name__}"
                            + (f" with keys {sorted(losses)}" if isinstance(losses, dict) else ""))
    for key, value in losses.items():
        if not isinstance(value, torch.Tensor) or value.numel() != 1:
            raise ContractError(f"{name}.loss()[{key!r}] must be a scalar tensor")
    loss = losses["loss"]
    if not torch.isfinite(loss).all():
        raise ContractError(f"{name}.loss()['loss'] is {float(loss)}")
    if not loss.requires_grad:
        raise ContractError(f"{name}.loss()['loss'] has no gradient: nothing would train")
    return losses


def check_batch_independence(model: AQAModel, batch: Batch) -> None:
    """In eval mode every output of a video is the same alone as inside ``batch``."""
    together = _eval(model, batch)
    for row in range(len(batch)):
        alone = _eval(model, rows(batch, row, row + 1))
        for key, value in alone.items():
            if not _close(value, together[key][row:row + 1]):
                raise ContractError(
                    f"{type(model).__name__}: in eval mode output {key!r} of video {row} "
                    f"differs alone and in a batch of {len(batch)} (the model mixes "
                    "information across the batch, e.g. batch statistics)")


def check_padding_invariance(model: AQAModel, batch: Batch, extra: int = 7) -> bool:
    """For a model with ``masks_padding = True``: ``extra`` zero clips after every video
    change no output. Returns False (nothing checked) for a model that does not declare it."""
    if not model.masks_padding:
        return False
    pad = batch.features.new_zeros(len(batch), extra, batch.features.shape[2])
    padded = dataclasses.replace(batch, features=torch.cat([batch.features, pad], dim=1))
    plain, longer = _eval(model, batch), _eval(model, padded)
    for key, value in plain.items():
        if value.shape != longer[key].shape and value.shape[:1] == longer[key].shape[:1]:
            continue  # a per-clip output (e.g. attention) is longer by the padding
        if not _close(value, longer[key]):
            raise ContractError(
                f"{type(model).__name__} declares masks_padding but output {key!r} changes "
                f"with {extra} zero clips of padding after each video")
    return True


def check_method(method: str, dataset: str = "toy-synth", subset: str | None = None,
                 size: str = "tiny", overrides: Mapping[str, Any] | None = None,
                 registry: Registry | None = None) -> Prepared:
    """Every check above on ``method`` built for ``dataset``; returns what was checked."""
    check_defaults(method, dataset, resolve_subset((registry or get_registry()).dataset(dataset),
                                                   subset), registry)
    prepared = prepare(method, dataset, subset, size, overrides, registry)
    batch = prepared.test_batch()
    check_loss(prepared.model, batch)
    check_batch_independence(prepared.model, batch)
    check_padding_invariance(prepared.model, batch)
    return prepared


# ------------------------------------------------------------------------------------ helpers
def rows(batch: Batch, start: int, stop: int) -> Batch:
    """Videos ``start:stop`` of ``batch`` (with their exemplars)."""
    part = slice(start, stop)
    exemplars = None
    if batch.exemplars is not None:
        n = batch.n_exemplars
        exemplars = rows(batch.exemplars, start * n, stop * n)
    return dataclasses.replace(
        batch, features=batch.features[part], lengths=batch.lengths[part],
        target=batch.target[part], score=batch.score[part],
        extras={k: v[part] for k, v in batch.extras.items()},
        index=batch.index[part] if batch.index is not None else None, exemplars=exemplars)


def _check_score(model: AQAModel, outputs: Any, batch: Batch) -> None:
    name = type(model).__name__
    if not isinstance(outputs, dict) or "score" not in outputs:
        raise ContractError(f"{name}.forward must return a dict with a 'score' entry")
    if tuple(outputs["score"].shape) != (len(batch),):
        raise ContractError(f"{name}.forward()['score'] must be [B={len(batch)}], got "
                            f"{list(outputs['score'].shape)}")


def _eval(model: AQAModel, batch: Batch) -> dict[str, torch.Tensor]:
    """Eval-mode outputs of ``batch`` that have one row per video."""
    model.eval()
    with torch.inference_mode():
        outputs = model(batch)
    _check_score(model, outputs, batch)
    return {k: v.detach().double() for k, v in outputs.items()
            if isinstance(v, torch.Tensor) and v.ndim >= 1 and v.shape[0] == len(batch)}


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and bool(torch.allclose(a, b, atol=ATOL, rtol=RTOL))
