"""Speed and memory of the harness against its targets (issue: performance).

For GDLT and CoFInAl on the RG and Fis-V twins it measures, in one process on one machine:

- train epoch through the harness (sampling + forward + backward + step) vs the pure-compute
  floor of the same model: the same batches pre-built in memory, only forward/backward/step;
- the test pass (every test video, full length, inference mode);
- batch-1 latency at 72 clips vs the FLOP bound = paper-convention FLOPs (2 x MACs) divided by
  the matrix-multiply throughput measured on the spot;
- peak RSS of a whole `aqabench run` on each twin (a child process, 1 epoch);
- optionally (``--suite``) the wall time of the `ci` leaderboard suite.

Each timing is repeated; medians and spreads are printed as a table and written as JSON.
Usage: ``python benchmarks/perf.py [--repeats 3] [--suite] [--json perf.json]``
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from tabulate import tabulate

from aqabench.config import fill_score_normalisation
from aqabench.plugins import get_registry
from aqabench.profile import example_batch, measure_latency, profile_macs
from aqabench.runner import (
    RunRequest,
    build_model,
    data_request,
    load_bundle,
    resolve_config,
)
from aqabench.sampling import train_batches
from aqabench.train import TrainState, evaluate, make_optimizer, seed_everything, train_one_epoch

CASES = [("gdlt", "rg-synth", "Ball"), ("gdlt", "fisv-synth", "TES"),
         ("cofinal", "rg-synth", "Ball"), ("cofinal", "fisv-synth", "TES")]
TARGETS = {"epoch_ratio": 1.1, "latency_ratio": 2.0, "rss_rg_gib": 0.7, "rss_fisv_gib": 1.5,
           "suite_min": 30.0}  # the ci suite at 3 seeds where cheap (aqabench/suites/ci.json)


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def matmul_flops_per_second(size: int = 1024, repeats: int = 20) -> float:
    a, b = torch.randn(size, size), torch.randn(size, size)
    for _ in range(3):
        a @ b
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * size**3 / statistics.median(times)


def prepare(method: str, dataset: str, subset: str) -> tuple[Any, ...]:
    registry = get_registry()
    m, d = registry.method(method), registry.dataset(dataset)
    config = resolve_config(m, d, subset, RunRequest(method=method, dataset=dataset))
    bundle = load_bundle(d, data_request(d, subset, None, "full"))
    fill_score_normalisation(config, bundle.info(dataset, subset))
    seed_everything(0)
    model = build_model(m, config, bundle, dataset, subset)
    return m, config, bundle, model


def time_epochs(method: str, dataset: str, subset: str, repeats: int) -> dict[str, Any]:
    m, config, bundle, model = prepare(method, dataset, subset)
    device = torch.device("cpu")
    state = TrainState(model=model, config=config, info=bundle.info(dataset, subset),
                       device=device)
    optimizer = make_optimizer(model, config)
    generator = torch.Generator().manual_seed(0)
    train_one_epoch(state, bundle.train, optimizer, generator, None, 0)  # warm-up
    harness, floor, test = [], [], []
    for _ in range(repeats):
        start = time.perf_counter()
        train_one_epoch(state, bundle.train, optimizer, generator, None, 0)
        harness.append(time.perf_counter() - start)
        batches = list(train_batches(bundle.train, config, generator))  # built outside the clock
        model.train()
        start = time.perf_counter()
        for batch in batches:
            loss = model.loss(model(batch), batch)["loss"]
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        floor.append(time.perf_counter() - start)
        start = time.perf_counter()
        evaluate(model, bundle.test, config, device)
        test.append(time.perf_counter() - start)
    ratio = [h / f for h, f in zip(harness, floor)]
    return {"harness_epoch_s": spread(harness), "floor_epoch_s": spread(floor),
            "epoch_ratio": spread(ratio), "test_pass_s": spread(test)}


def time_latency(method: str, dataset: str, subset: str, clips: int, peak: float
                 ) -> dict[str, Any]:
    m, config, bundle, model = prepare(method, dataset, subset)
    batch = example_batch(bundle.info(dataset, subset), clips, m.needs)
    macs = profile_macs(model, batch)["macs"]
    latency = measure_latency(model, batch)
    bound_ms = 1000.0 * 2 * macs / peak
    return {"latency_ms": latency["median_ms"], "latency_q1_ms": latency["q1_ms"],
            "latency_q3_ms": latency["q3_ms"], "flop_bound_ms": bound_ms,
            "latency_ratio": latency["median_ms"] / bound_ms, "macs_g": macs / 1e9}


def peak_rss_gib(method: str, dataset: str, subset: str) -> float:
    """Peak RSS of a whole 1-epoch `aqabench run` in a child process.

    Read from the child's own ``VmHWM`` (per address space, reset by exec): ``ru_maxrss`` is
    preserved across fork + exec on Linux and would report this (large) parent's peak."""
    with tempfile.TemporaryDirectory() as out:
        code = (f"import re, sys; from aqabench.cli import main; "
                f"rc = main(['run', '--method', '{method}', '--dataset', '{dataset}', "
                f"'--subset', '{subset}', '--epochs', '1', '--out', {out!r}]); "
                f"hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()); "
                f"print(hwm.group(1)); sys.exit(rc)")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True)
    return int(done.stdout.strip().splitlines()[-1]) / 2**20  # KiB -> GiB


def suite_minutes() -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "aqabench.cli", "bench", "--suite", "ci",
                        "--force", "--out", out], check=True, capture_output=True)
    return (time.perf_counter() - start) / 60


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--clips", type=int, default=72)
    parser.add_argument("--suite", action="store_true", help="also time the ci suite")
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    peak = matmul_flops_per_second()
    results: dict[str, Any] = {"matmul_gflops": peak / 1e9, "threads": torch.get_num_threads(),
                               "targets": TARGETS, "cases": {}}
    rows = []
    for method, dataset, subset in CASES:
        label = f"{method} {dataset}/{subset}"
        case = {**time_epochs(method, dataset, subset, args.repeats),
                **time_latency(method, dataset, subset, args.clips, peak)}
        results["cases"][label] = case
        rows.append([label, f"{case['harness_epoch_s']['median']:.2f}",
                     f"{case['floor_epoch_s']['median']:.2f}",
                     f"{case['epoch_ratio']['median']:.2f} "
                     f"[{case['epoch_ratio']['min']:.2f}-{case['epoch_ratio']['max']:.2f}] / "
                     f"{TARGETS['epoch_ratio']}",
                     f"{case['test_pass_s']['median']:.2f}",
                     f"{case['latency_ms']:.1f} (IQR {case['latency_q1_ms']:.1f}-"
                     f"{case['latency_q3_ms']:.1f})",
                     f"{case['flop_bound_ms']:.2f}",
                     f"{case['latency_ratio']:.2f} / {TARGETS['latency_ratio']}"])
        print(f"measured {label}", file=sys.stderr)
    print(f"matrix-multiply throughput: {peak / 1e9:.1f} GFLOP/s on "
          f"{torch.get_num_threads()} threads")
    print(tabulate(rows, headers=["case", "harness epoch s", "floor epoch s",
                                  "ratio / target", "test pass s", "latency ms @72",
                                  "FLOP bound ms", "ratio / target"]))
    rss = {"rg": peak_rss_gib("gdlt", "rg-synth", "Ball"),
           "fisv": peak_rss_gib("cofinal", "fisv-synth", "TES")}
    results["peak_rss_gib"] = rss
    print(f"peak RSS, 1-epoch run: RG twin {rss['rg']:.2f} GiB / {TARGETS['rss_rg_gib']}; "
          f"Fis-V twin {rss['fisv']:.2f} GiB / {TARGETS['rss_fisv_gib']}")
    if args.suite:
        results["ci_suite_min"] = suite_minutes()
        print(f"ci suite wall time: {results['ci_suite_min']:.1f} min / "
              f"{TARGETS['suite_min']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.exit(main())
