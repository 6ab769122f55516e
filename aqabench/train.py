"""The one training loop every method runs through.

Seed, device, optimiser and schedule come from the config; the test split is evaluated after
every epoch and the whole curve is kept; the record carries the FINAL-epoch metrics and the
BEST-epoch metrics (chosen on the test set, as the papers do), clearly labelled. Given a
validation split (``--select val``), it is evaluated every epoch too and the epoch with the best
*validation* SRCC is kept as ``TrainState.val``: the selection never reads a test label.
"""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from . import console, metrics
from .api import CAPABILITIES, HARNESS_NEEDS, AQAModel, DataBundle, DataInfo, FeatureSet
from .errors import RunError, UsageError
from .sampling import ExemplarPicker, test_batches, train_batches

if TYPE_CHECKING:
    from .resume import PartialState

EpochCallback = Callable[[dict[str, Any]], None]


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA); deterministic kernels where possible.

    Also flushes subnormal floats to zero on the CPU: as weights decay, gradients and momentum
    buffers drift into the subnormal range, where x86 arithmetic is many times slower (CoFInAl
    on the Fis-V twin slowed from 4.5 s to 22 s an epoch by its second epoch). Flushing is as
    deterministic as not flushing and changes values only below 1.2e-38.
    """
    torch.set_flush_denormal(True)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=torch.cuda.is_available())
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True


def resolve_device(name: str | None) -> torch.device:
    """``auto`` (or None) picks CUDA when present, else the CPU."""
    if name in (None, "", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError as exc:
        raise UsageError(f"bad --device {name!r}: {exc}") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise UsageError(f"--device {name} requested but CUDA is not available")
    return device


def make_optimizer(model: AQAModel, config: Mapping[str, Any]) -> torch.optim.Optimizer:
    groups = model.param_groups(config)
    params: Any = groups if groups is not None else [
        p for p in model.parameters() if p.requires_grad
    ]
    lr, wd = float(config["lr"]), float(config["weight_decay"])
    if config["optimizer"] == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=float(config["momentum"]), weight_decay=wd)
    if config["optimizer"] == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=wd)
    return torch.optim.AdamW(params, lr=lr, weight_decay=wd)


def lr_factor(epoch: int, config: Mapping[str, Any]) -> float:
    """Multiplier of each group's base lr at ``epoch`` (0-based): linear warm-up, then cosine
    annealing to ``lr_min`` over the remaining epochs (CosineAnnealingLR's closed form)."""
    warmup, total = int(config["warmup_epochs"]), int(config["epochs"])
    if epoch < warmup:
        return (epoch + 1) / warmup
    if config["scheduler"] == "none":
        return 1.0
    span = max(total - warmup, 1)
    floor = float(config["lr_min"]) / float(config["lr"])
    return floor + (1 - floor) * (1 + math.cos(math.pi * (epoch - warmup) / span)) / 2


@dataclass
class Evaluation:
    """Predictions on a split in raw score units, and the metrics."""

    ids: list[str]
    predictions: np.ndarray
    truth: np.ndarray
    metrics: dict[str, float]
    transitions: np.ndarray | None = None


@dataclass
class TrainState:
    model: AQAModel
    config: dict[str, Any]
    info: DataInfo
    device: torch.device
    curve: list[dict[str, Any]] = field(default_factory=list)
    final: Evaluation | None = None
    best: tuple[int, Evaluation] | None = None
    #: (epoch, test evaluation, validation metrics) of the epoch chosen on validation SRCC.
    val: tuple[int, Evaluation, dict[str, float]] | None = None
    #: Epochs after which a resumed run went on (:mod:`aqabench.resume`); [] if it never stopped.
    resumed_at: list[int] = field(default_factory=list)
    #: Seconds spent before this process resumed the run, and when this process started it.
    wall_before: float = 0.0
    clock: float = field(default_factory=time.perf_counter)


def build_picker(bundle: DataBundle, config: Mapping[str, Any], needs: frozenset[str]
                 ) -> ExemplarPicker | None:
    if "exemplars" not in needs:
        return None
    key = config["exemplar_key"]
    if key is not None and (key not in bundle.train.extras or key not in bundle.test.extras):
        raise UsageError(f"exemplar_key {key!r} is not an extra of this dataset")
    return ExemplarPicker(bundle.train, key)


def check_needs(needs: frozenset[str], bundle: DataBundle, method: str, dataset: str) -> None:
    """Refuse, in one line, a loaded bundle without an extra the method needs.

    :func:`aqabench.api.unsupported` checks the dataset's declared ``provides`` before loading;
    this checks what was actually loaded (a real download may lack an optional file).
    """
    for need in sorted(set(needs) - HARNESS_NEEDS):
        extra = CAPABILITIES[need]
        if extra not in bundle.train.extras:
            raise UsageError(f"method {method!r} needs {need} (the {extra!r} extra), which the "
                             f"data loaded for {dataset!r} lacks")


def evaluate(model: AQAModel, data: FeatureSet, config: Mapping[str, Any], device: torch.device,
             picker: ExemplarPicker | None = None) -> Evaluation:
    """Predict every video of ``data`` once (eval + inference mode), return raw-unit metrics."""
    model.eval()
    order, preds, trans = [], [], []
    with torch.inference_mode():
        for batch in test_batches(data, config, picker, mix_lengths=model.masks_padding):
            batch = batch.to(device)
            out = model(batch)
            assert batch.index is not None
            order.append(batch.index.cpu())
            preds.append(out["score"].detach().float().cpu().reshape(-1))
            if "transitions" in out:
                trans.append(out["transitions"].detach().float().cpu().reshape(-1, 2))
    index = torch.cat(order)
    pred = torch.empty(len(data), dtype=torch.float64)
    pred[index] = torch.cat(preds).double()
    pred = pred * float(config["score_scale"]) + float(config["score_shift"])
    truth = data.scores.double().numpy()
    if not torch.isfinite(pred).all():
        raise RunError("the model predicted NaN or inf on the test split")
    result = metrics.score_metrics(pred.numpy(), truth)
    transitions = None
    if trans and "transitions" in data.extras:
        transitions_t = torch.empty(len(data), 2, dtype=torch.float64)
        transitions_t[index] = torch.cat(trans).double()
        transitions = transitions_t.numpy()
        result.update(metrics.stage_metrics(transitions, data.extras["transitions"].numpy()))
    return Evaluation(list(data.ids), pred.numpy(), truth, result, transitions)


def train_one_epoch(state: TrainState, data: FeatureSet, optimizer: torch.optim.Optimizer,
                    generator: torch.Generator, picker: ExemplarPicker | None,
                    epoch: int) -> dict[str, float]:
    model, config = state.model, state.config
    model.train()
    sums: dict[str, float] = {}
    seen = 0
    for batch in train_batches(data, config, generator, picker):
        batch = batch.to(state.device)
        losses = model.loss(model(batch), batch)
        loss = losses["loss"]
        if not torch.isfinite(loss):
            raise RunError(f"loss became {loss.item()} at epoch {epoch}")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if config["grad_clip"]:
            torch.nn.utils.clip_grad_norm_(model.parameters(), float(config["grad_clip"]))
        optimizer.step()
        n = len(batch)
        seen += n
        for key, value in losses.items():
            sums[key] = sums.get(key, 0.0) + float(value.detach()) * n
    return {f"train_{k}": v / max(seen, 1) for k, v in sums.items()}


def fit(model: AQAModel, bundle: DataBundle, info: DataInfo, config: dict[str, Any],
        device: torch.device, needs: frozenset[str] = frozenset(),
        on_epoch: EpochCallback | None = None, val: FeatureSet | None = None,
        partial: PartialState | None = None, clock: float | None = None) -> TrainState:
    """Train ``model`` for ``config['epochs']`` epochs, evaluating the test split (and ``val``,
    when given) after each. With ``partial`` (:mod:`aqabench.resume`), a saved state resumes
    the run at its next epoch and the state is saved between epochs as it goes. ``clock``
    (``time.perf_counter()`` when the run began; default now) is where a saved state's wall
    time counts from, so that a resumed record's time adds up every segment alike."""
    model.prepare(bundle.train, config)
    model.to(device)
    state = TrainState(model=model, config=config, info=info, device=device)
    if clock is not None:
        state.clock = clock
    optimizer = make_optimizer(model, config)
    base_lrs = [group["lr"] for group in optimizer.param_groups]
    generator = torch.Generator().manual_seed(int(config["seed"]))
    picker = build_picker(bundle, config, needs)
    total = int(config["epochs"])
    payload = partial.load() if partial is not None else None
    if partial is not None and payload is not None:
        state.wall_before = partial.restore(payload, state, optimizer, generator)
        console.err.print(f"resuming at epoch {len(state.curve) + 1} of {total} from "
                          f"{partial.path}")
    try:
        train_epochs(state, bundle, optimizer, base_lrs, generator, picker, val, on_epoch,
                     partial)
    except KeyboardInterrupt:
        if partial is not None and partial.saved:
            console.err.print(f"interrupted: {partial.saved} of {total} epochs are "
                              f"kept in {partial.path}; the same command resumes there")
        raise
    return state


def train_epochs(state: TrainState, bundle: DataBundle, optimizer: torch.optim.Optimizer,
                 base_lrs: list[float], generator: torch.Generator,
                 picker: ExemplarPicker | None, val: FeatureSet | None,
                 on_epoch: EpochCallback | None, partial: PartialState | None) -> None:
    """The epochs from ``len(state.curve)`` (0, or where a resumed run stopped) to the last."""
    model, config, device = state.model, state.config, state.device
    total = int(config["epochs"])
    for epoch in range(len(state.curve), total):
        factor = lr_factor(epoch, config)
        for group, base in zip(optimizer.param_groups, base_lrs):
            group["lr"] = base * factor
        model.start_epoch(epoch, total)
        started = time.perf_counter()
        row: dict[str, Any] = {"epoch": epoch + 1, "lr": base_lrs[0] * factor}
        row.update(train_one_epoch(state, bundle.train, optimizer, generator, picker, epoch + 1))
        row["train_seconds"] = time.perf_counter() - started
        held_out = evaluate(model, val, config, device, picker).metrics if val is not None \
            else None
        evaluation = evaluate(model, bundle.test, config, device, picker)
        if held_out is not None:
            row.update({f"val_{k}": v for k, v in held_out.items()})
            if state.val is None or held_out["srcc"] > state.val[2]["srcc"]:
                state.val = (epoch + 1, evaluation, held_out)
        row.update({f"test_{k}": v for k, v in evaluation.metrics.items()})
        state.curve.append(row)
        state.final = evaluation
        if state.best is None or evaluation.metrics["srcc"] > state.best[1].metrics["srcc"]:
            state.best = (epoch + 1, evaluation)
        if partial is not None and partial.due(epoch + 1, total):
            partial.save(state, optimizer, generator,
                         state.wall_before + time.perf_counter() - state.clock)
        if on_epoch is not None:
            on_epoch(row)
