"""Latency against the machine's FLOP bound, measured interleaved in one process.

The FLOP bound of a forward is its true FLOPs (2 x the papers' MACs, :mod:`aqabench.profile`)
divided by the peak matrix-multiply throughput of this machine, at the thread count in force:
the median throughput of fp32 GEMMs at the model's own largest GEMM shapes (recorded from one
forward) and at 1024 x 1024 x 1024, and the bound uses the best of them (timm's benchmark.py
protocol: warm-up, repeats, median). A latency at the bound would mean every FLOP ran at peak
GEMM speed with zero overhead; the ratio latency / bound says how far a model is from that.

The machine may be shared and loaded, so one measurement is ``rounds`` rounds, each timing the
bound, then every model (``warmup`` + ``runs`` forwards) in turn: a ratio is taken within a
round, and the report gives medians and the spread (min-max) over rounds. Every ratio is also
taken by the calling thread's CPU time (latency and GEMMs alike): at 1 thread that leaves out
the time the scheduler gives other processes, the part of a loaded machine's noise a ratio
within one round cannot cancel (shared caches and memory bandwidth still count).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from .api import Batch
from .profile import MIN_RUNS, MIN_WARMUP, summarise_latency, time_runs

aten = torch.ops.aten
SQUARE = (1024, 1024, 1024)
Shape = tuple[int, int, int]  # (rows m, inner k, columns n) of an [m, k] @ [k, n] product


class _GemmRecorder(TorchDispatchMode):
    """Records ``(m, k, n)`` of every ``linear`` / ``mm`` / ``addmm`` (bmm: per batch entry)."""

    def __init__(self) -> None:
        super().__init__()
        self.shapes: list[Shape] = []

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None
                           ) -> Any:
        if func is aten.linear.default:  # not decomposed under inference mode
            x, weight = args[0], args[1]
            self.shapes.append((int(x.numel() // x.shape[-1]), int(x.shape[-1]),
                                int(weight.shape[0])))
        elif func in (aten.mm.default, aten.addmm.default, aten.bmm.default):
            a, b = (args[1], args[2]) if func is aten.addmm.default else (args[0], args[1])
            self.shapes.append((int(a.shape[-2]), int(a.shape[-1]), int(b.shape[-1])))
        return func(*args, **(kwargs or {}))


def gemm_shapes(model: nn.Module, batch: Batch, top: int = 4) -> list[Shape]:
    """The ``top`` distinct GEMM shapes of one eval forward of ``model``, most FLOPs first."""
    recorder = _GemmRecorder()
    with torch.no_grad(), recorder:
        model.eval()(batch)
    distinct = sorted(set(recorder.shapes), key=lambda s: -s[0] * s[1] * s[2])
    return distinct[:top]


def gemm_flops_per_second(shape: Shape, device: torch.device | str = "cpu", warmup: int = 5,
                          repeats: int = 30) -> dict[str, float]:
    """Median throughput (FLOP/s, 2 per multiply-accumulate) of an fp32 ``[m, k] @ [k, n]``,
    by the wall clock (``wall``) and by the calling thread's CPU time (``cpu``)."""
    device = torch.device(device)
    m, k, n = shape
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(m, k, generator=generator).to(device)
    b = torch.randn(k, n, generator=generator).to(device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda *x: None)
    wall, cpu = [], []
    with torch.inference_mode():
        for i in range(warmup + repeats):
            sync(device)
            start, start_cpu = time.perf_counter(), time.thread_time()
            a @ b
            sync(device)
            if i >= warmup:
                wall.append(time.perf_counter() - start)
                cpu.append(max(time.thread_time() - start_cpu, 1e-9))
    flops = 2.0 * m * k * n
    return {"wall": flops / statistics.median(wall), "cpu": flops / statistics.median(cpu)}


def peak_flops_per_second(shapes: list[Shape], device: torch.device | str = "cpu"
                          ) -> dict[str, Any]:
    """The best median GEMM throughput (wall, cpu) over ``shapes`` and 1024^3, with each
    shape's wall-clock figure in GFLOP/s."""
    per_shape = {"x".join(map(str, s)): gemm_flops_per_second(s, device)
                 for s in dict.fromkeys([*shapes, SQUARE])}
    return {"wall": max(v["wall"] for v in per_shape.values()),
            "cpu": max(v["cpu"] for v in per_shape.values()),
            "per_shape_gflops": {k: v["wall"] / 1e9 for k, v in per_shape.items()}}


def spread(values: list[float]) -> dict[str, float]:
    """Median, min and max."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def latency_vs_bound(models: Mapping[str, nn.Module], batch: Batch, macs: int,
                     device: torch.device | str = "cpu", rounds: int = 5,
                     warmup: int = MIN_WARMUP, runs: int = MIN_RUNS) -> dict[str, Any]:
    """Interleaved latency of each of ``models`` on ``batch`` and the FLOP bound of ``macs``.

    Returns ``latency`` (name -> :func:`~aqabench.profile.summarise_latency` of every timed run
    of every round), ``ratio`` and ``ratio_cpu`` (name -> median/min/max over rounds of the
    round's median latency / the round's bound, by the wall clock and by thread CPU time) and
    ``flop_bound`` (ms and GFLOP/s: median/min/max over rounds; per shape; the threads).
    """
    if rounds < 1:
        raise ValueError("latency_vs_bound needs at least one round")
    shapes = gemm_shapes(next(iter(models.values())), batch)
    times: dict[str, dict[str, list[float]]] = {name: {"wall": [], "cpu": []}
                                                for name in models}
    ratios: dict[str, dict[str, list[float]]] = {name: {"wall": [], "cpu": []}
                                                 for name in models}
    bounds, peaks, per_shape = [], [], []
    for _ in range(rounds):
        peak = peak_flops_per_second(shapes, device)
        bound = {clock: 1000.0 * 2 * macs / peak[clock] for clock in ("wall", "cpu")}
        bounds.append(bound["wall"])
        peaks.append(peak["wall"] / 1e9)
        per_shape.append(peak["per_shape_gflops"])
        for name, model in models.items():
            round_times = time_runs(model, batch, device, warmup, runs)
            for clock in ("wall", "cpu"):
                times[name][clock] += round_times[clock]
                ratios[name][clock].append(statistics.median(round_times[clock]) / bound[clock])
    return {
        "latency": {name: {**summarise_latency(t, warmup, batch, device), "rounds": rounds}
                    for name, t in times.items()},
        "ratio": {name: spread(r["wall"]) for name, r in ratios.items()},
        "ratio_cpu": {name: spread(r["cpu"]) for name, r in ratios.items()},
        "flop_bound": {"ms": spread(bounds), "gflops": spread(peaks), "flops": 2 * macs,
                       "shapes_gflops": {k: statistics.median(p[k] for p in per_shape)
                                         for k in per_shape[0]},
                       "threads": torch.get_num_threads(), "rounds": rounds,
                       "rule": "2 x MACs / best median fp32 GEMM throughput over the model's "
                               "4 largest GEMM shapes and 1024^3, per round"},
    }
