"""Parameters, multiply-accumulates (the papers' convention) and latency of one model.

MACs follow the convention that reproduces CoFInAl Tab. 2 (see the method notes, gdlt §7):
one test video at the paper's input length, batch 1, backbone excluded, **1 per
multiply-accumulate** of every matmul/conv, plus the element-wise counts fvcore gives the
normalisation layers (that is what turns torch's 0.1159 G for GDLT into the paper's 0.1164 G).
True FLOPs are 2 per MAC. The count is assembled from four parts, each kept in the breakdown:

- ``matmul``: ``torch.utils.flop_counter.FlopCounterMode`` / 2 (mm, addmm, bmm, conv, SDPA
  kernels it knows), plus formulas for the kernels it does not see on CPU or in inference mode:
  ``_scaled_dot_product_flash_attention_for_cpu``, the fused ``nn.MultiheadAttention``
  (``_native_multi_head_attention``) and ``nn.TransformerEncoderLayer``
  (``_transformer_encoder_layer_fwd``) fast paths;
- ``norm``: fvcore's rule per input element — BatchNorm 2 in eval (1 without affine), 5 in
  training (4 without affine); LayerNorm / GroupNorm 5 (4 without affine);
- ``recurrent``: forward hooks on ``nn.LSTM``/``GRU``/``RNN`` and their ``*Cell``; each adds
  the closed form ``steps * gates * H * (I + H)`` per layer and direction minus whatever the
  counter already saw inside the module (CPU GRU is seen, fused LSTM and cuDNN RNNs are not), so
  nothing is counted twice. Gate non-linearities and bias adds are not counted (fvcore neither);
- ``extra``: ``model.extra_macs(batch)``, for hand-written recurrences or custom kernels only.

The forward runs in eval mode with autograd ON, so PyTorch takes the decomposed (slow) attention
paths the counter can see; the fused-kernel formulas are a backstop and are tested to agree.
Latency: eval mode, ``torch.inference_mode``, batch 1, ``warmup`` (≥ 10) untimed runs, then
``runs`` (≥ 50) timed ones, median with quartiles and min/max; CUDA is synchronised around each
run; the device is recorded. Latencies are only comparable on the same device.
"""

from __future__ import annotations

import dataclasses
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode, sdpa_flop_count

from .api import AQAModel, Batch, DataInfo
from .kernels import kernels

aten = torch.ops.aten
COUNTER = ("torch.utils.flop_counter.FlopCounterMode/2 + formulas for CPU SDPA and fused MHA/"
           "encoder kernels + fvcore-style norm counts + closed-form LSTM/GRU/RNN hooks + "
           "model.extra_macs")
CONVENTION = "papers' MACs: 1 per multiply-accumulate, batch 1, backbone excluded; FLOPs = 2 x MACs"
MIN_WARMUP, MIN_RUNS = 10, 50


# ------------------------------------------------------------------ kernels the counter misses
def _mha_macs(batch: int, len_q: int, len_kv: int, embed: int) -> int:
    """In-projections (q on L_q, k and v on L_kv), QK^T, AV and the output projection."""
    return batch * (len_q * embed * embed + 2 * len_kv * embed * embed
                    + 2 * len_q * len_kv * embed + len_q * embed * embed)


def _sdpa_cpu_flops(query: Any, key: Any, value: Any, *args: Any, out_val: Any = None,
                    **kwargs: Any) -> int:
    return int(sdpa_flop_count(query, key, value))


def _native_mha_flops(query: Any, key: Any, value: Any, embed_dim: int, *args: Any,
                      out_val: Any = None, **kwargs: Any) -> int:
    batch = query[0] if len(query) == 3 else 1
    return 2 * _mha_macs(batch, query[-2], key[-2], embed_dim)


def _encoder_layer_flops(src: Any, embed_dim: int, *args: Any, out_val: Any = None,
                         **kwargs: Any) -> int:
    ffn_weight_1 = args[12]  # [F, E]
    batch, length = (src[0], src[1]) if len(src) == 3 else (1, src[0])
    ffn = 2 * batch * length * embed_dim * ffn_weight_1[0]
    norms = 2 * 5 * batch * length * embed_dim  # its two fused LayerNorms, fvcore's rule
    return 2 * (_mha_macs(batch, length, length, embed_dim) + ffn + norms)


# ------------------------------------------------------------- normalisation (fvcore's rule)
def _numel(shape: Any) -> int:
    out = 1
    for size in shape:
        out *= int(size)
    return out


def _batch_norm_flops(x: Any, weight: Any, bias: Any, mean: Any = None, var: Any = None,
                      training: bool = False, *args: Any, out_val: Any = None,
                      **kwargs: Any) -> int:
    per = (5 if weight is not None else 4) if training else (2 if weight is not None else 1)
    return 2 * per * _numel(x)  # stored as FLOPs (2 per MAC-unit) so /2 gives fvcore's count


def _bn_no_training_flops(x: Any, weight: Any, *args: Any, out_val: Any = None,
                          **kwargs: Any) -> int:
    return 2 * (2 if weight is not None else 1) * _numel(x)


def _layer_norm_flops(x: Any, shape: Any, weight: Any, *args: Any, out_val: Any = None,
                      **kwargs: Any) -> int:
    return 2 * (5 if weight is not None else 4) * _numel(x)


def _group_norm_flops(x: Any, weight: Any, *args: Any, out_val: Any = None,
                      **kwargs: Any) -> int:
    return 2 * (5 if weight is not None else 4) * _numel(x)


NORM_OPS = {
    aten.native_batch_norm: _batch_norm_flops,
    aten.cudnn_batch_norm: _batch_norm_flops,
    aten._native_batch_norm_legit_no_training: _bn_no_training_flops,
    aten.native_layer_norm: _layer_norm_flops,
    aten.native_group_norm: _group_norm_flops,
}
MISSED_KERNELS = {
    aten._scaled_dot_product_flash_attention_for_cpu: _sdpa_cpu_flops,
    aten._native_multi_head_attention: _native_mha_flops,
    aten._transformer_encoder_layer_fwd: _encoder_layer_flops,
}


# --------------------------------------------------------------------- recurrent closed forms
GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
CELL_GATES = {nn.LSTMCell: 4, nn.GRUCell: 3, nn.RNNCell: 1}


def rnn_macs(module: nn.RNNBase, steps: int) -> int:
    """MACs of ``nn.LSTM``/``GRU``/``RNN`` over ``steps`` = time steps x batch (packed rows)."""
    gates = GATES[module.mode]
    hidden = module.hidden_size
    proj = getattr(module, "proj_size", 0) or 0
    recur = proj or hidden  # what W_hh multiplies
    dirs = 2 if module.bidirectional else 1
    total = 0
    for layer in range(module.num_layers):
        inp = module.input_size if layer == 0 else recur * dirs
        per_step = gates * hidden * (inp + recur) + hidden * proj
        total += dirs * steps * per_step
    return total


def cell_macs(module: nn.RNNCellBase, rows: int) -> int:
    """MACs of one ``LSTMCell``/``GRUCell``/``RNNCell`` step on ``rows`` samples."""
    gates = next(g for kind, g in CELL_GATES.items() if isinstance(module, kind))
    return rows * gates * module.hidden_size * (module.input_size + module.hidden_size)


def _recurrent_formula(module: nn.Module, inputs: tuple[Any, ...]) -> int:
    x = inputs[0]
    if isinstance(module, nn.RNNBase):
        if isinstance(x, nn.utils.rnn.PackedSequence):
            return rnn_macs(module, int(x.batch_sizes.sum()))
        return rnn_macs(module, _numel(x.shape[:-1]))
    rows = x.shape[0] if x.dim() == 2 else 1
    return cell_macs(module, rows)  # type: ignore[arg-type]


class _RecurrentHooks:
    """Top up the counter to the closed form around every recurrent module's forward."""

    KINDS = (nn.RNNBase, nn.RNNCellBase)

    def __init__(self, model: nn.Module, counter: FlopCounterMode) -> None:
        self.counter, self.macs = counter, 0
        self._stack: list[int] = []
        self._handles: list[Any] = []
        for module in model.modules():
            if isinstance(module, self.KINDS):
                self._handles.append(module.register_forward_pre_hook(self._enter))
                self._handles.append(module.register_forward_hook(self._leave))

    def _enter(self, module: nn.Module, inputs: tuple[Any, ...]) -> None:
        self._stack.append(self.counter.get_total_flops())

    def _leave(self, module: nn.Module, inputs: tuple[Any, ...], output: Any) -> None:
        seen = (self.counter.get_total_flops() - self._stack.pop()) // 2
        self.macs += max(0, _recurrent_formula(module, inputs) - seen)

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()


# ------------------------------------------------------------------------------ public API
def count_params(model: nn.Module) -> dict[str, int]:
    params = list(model.parameters())
    return {"params": sum(p.numel() for p in params),
            "trainable_params": sum(p.numel() for p in params if p.requires_grad)}


def count_macs(model: nn.Module, forward: Callable[[], Any],
               extra: Callable[[], int] | None = None) -> dict[str, int]:
    """MAC breakdown of one call of ``forward()`` (``model`` is only used to find RNNs)."""
    counter = FlopCounterMode(display=False, custom_mapping={**MISSED_KERNELS, **NORM_OPS})
    hooks = _RecurrentHooks(model, counter)
    try:
        with torch.enable_grad(), counter:
            forward()
    finally:
        hooks.remove()
    per_op = counter.get_flop_counts().get("Global", {})
    norm_packets = {op for op in NORM_OPS}
    norm = sum(v for op, v in per_op.items() if op in norm_packets) // 2
    matmul = sum(v for op, v in per_op.items() if op not in norm_packets) // 2
    parts = {"matmul": int(matmul), "norm": int(norm), "recurrent": int(hooks.macs),
             "extra": int(extra() if extra is not None else 0)}
    return parts


def profile_macs(model: AQAModel, batch: Batch) -> dict[str, Any]:
    """Params and paper-convention MACs / true FLOPs of ``model(batch)`` in eval mode."""
    was_training = model.training
    model.eval()
    try:
        parts = count_macs(model, lambda: model(batch), lambda: int(model.extra_macs(batch)))
    finally:
        model.train(was_training)
    macs = sum(parts.values())
    return {**count_params(model), "macs": macs, "flops": 2 * macs, "macs_breakdown": parts,
            "clips": int(batch.features.shape[1]), "batch": len(batch),
            "feature_dim": int(batch.features.shape[2]),
            "counter": COUNTER, "convention": CONVENTION}


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return platform.processor() or platform.machine()


def time_runs(model: nn.Module, batch: Batch, device: torch.device | str = "cpu",
              warmup: int = MIN_WARMUP, runs: int = MIN_RUNS) -> dict[str, list[float]]:
    """``runs`` times of ``model(batch)`` in ms after ``warmup`` untimed ones: eval mode,
    inference mode, CUDA synchronised around each run. ``wall``: wall-clock time; ``cpu``: CPU
    time of the calling thread (the on-CPU latency when torch runs on 1 thread: time the
    scheduler gave to other processes of a loaded machine is left out)."""
    if warmup < MIN_WARMUP or runs < MIN_RUNS:
        raise ValueError(f"latency needs >= {MIN_WARMUP} warm-up and >= {MIN_RUNS} timed runs")
    device = torch.device(device)
    model = model.to(device).eval()
    batch = batch.to(device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda *a: None)
    wall, cpu = [], []
    with torch.inference_mode():
        for i in range(warmup + runs):
            sync(device)
            start, start_cpu = time.perf_counter(), time.thread_time()
            model(batch)
            sync(device)
            if i >= warmup:
                wall.append(1000.0 * (time.perf_counter() - start))
                cpu.append(1000.0 * (time.thread_time() - start_cpu))
    return {"wall": wall, "cpu": cpu}


def summarise_latency(times: dict[str, list[float]], warmup: int, batch: Batch,
                      device: torch.device | str) -> dict[str, Any]:
    """Median, quartiles and min/max of the wall ``times`` (ms), the median CPU time, the
    protocol and the device."""
    device = torch.device(device)
    wall = times["wall"]
    q1, median, q3 = statistics.quantiles(wall, n=4, method="inclusive")
    return {"median_ms": median, "q1_ms": q1, "q3_ms": q3, "min_ms": min(wall),
            "max_ms": max(wall), "cpu_median_ms": statistics.median(times["cpu"]),
            "warmup": warmup, "runs": len(wall), "batch": len(batch),
            "device": str(device), "device_name": device_name(device),
            "threads": torch.get_num_threads(), "kernels": kernels()}


def measure_latency(model: nn.Module, batch: Batch, device: torch.device | str = "cpu",
                    warmup: int = MIN_WARMUP, runs: int = MIN_RUNS) -> dict[str, Any]:
    """Wall time of ``model(batch)`` in ms: eval, inference mode, median + quartiles + min/max."""
    times = time_runs(model, batch, device, warmup, runs)
    return summarise_latency(times, warmup, batch, device)


# --------------------------------------------------------------------------- example inputs
#: The papers' input length for FLOPs (CoFInAl Tab. 2: one video of 68 clips).
PAPER_CLIPS = 68


def profile_clips(config: dict[str, Any]) -> int:
    """The input length to profile at: the method's training window, else the papers' 68."""
    return int(config.get("train_clips") or PAPER_CLIPS)


def _one_video(info: DataInfo, clips: int, generator: torch.Generator,
               long_extras: frozenset[str]) -> Batch:
    extras: dict[str, torch.Tensor] = {}
    for key in info.extras:
        is_long = key in info.cardinalities or key in long_extras
        if key == "transitions":
            cuts = torch.tensor([[clips / 3.0, 2.0 * clips / 3.0]])
            extras[key] = cuts.round().long() if is_long else cuts
        else:
            extras[key] = torch.zeros(1, dtype=torch.long) if is_long else torch.ones(1)
    mid = (info.score_min + info.score_max) / 2.0
    return Batch(features=torch.randn(1, clips, info.feature_dim, generator=generator),
                 lengths=torch.tensor([clips]), target=torch.tensor([0.5]),
                 score=torch.tensor([mid]), extras=extras, index=torch.tensor([0]))


def example_batch(info: DataInfo, clips: int, needs: frozenset[str] = frozenset(),
                  exemplars: int = 1, seed: int = 0,
                  long_extras: frozenset[str] = frozenset()) -> Batch:
    """One test video of ``clips`` N(0, 1) clip features (+ ``exemplars`` exemplars, extras).

    Extras are zeros (integer codes: those in ``info.cardinalities`` or ``long_extras``) or
    ones; ``transitions`` (added for ``needs={"stage_labels"}``) cut the video in thirds.
    """
    if "stage_labels" in needs and "transitions" not in info.extras:
        info = dataclasses.replace(info, extras=(*info.extras, "transitions"))
    generator = torch.Generator().manual_seed(seed)
    batch = _one_video(info, clips, generator, long_extras)
    if "exemplars" in needs:
        shots = [_one_video(info, clips, generator, long_extras) for _ in range(exemplars)]
        batch.exemplars = Batch(
            features=torch.cat([s.features for s in shots]),
            lengths=torch.cat([s.lengths for s in shots]),
            target=torch.cat([s.target for s in shots]), score=torch.cat([s.score for s in shots]),
            extras={k: torch.cat([s.extras[k] for s in shots]) for k in batch.extras},
            index=torch.arange(exemplars))
        batch.n_exemplars = exemplars
    return batch


def run_profile(model: AQAModel, info: DataInfo, config: dict[str, Any],
                needs: frozenset[str] = frozenset()) -> dict[str, Any]:
    """What a run stores: params and paper-convention MACs (no latency: it is not cheap)."""
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    try:
        batch = example_batch(info, profile_clips(config), needs).to(device)
        result = profile_macs(model, batch)
    except Exception as exc:  # noqa: BLE001 - a profile must never fail the run it describes
        return {"error": f"{type(exc).__name__}: {exc}", "counter": COUNTER}
    return {**result, "exemplars": 1 if "exemplars" in needs else 0, "latency": None}
