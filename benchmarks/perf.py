"""Speed and memory of the harness against its targets (issue: performance).

For GDLT and CoFInAl on the RG and Fis-V twins it measures, in one process on one machine:

- train epoch through the harness (sampling + forward + backward + step) vs the pure-compute
  floor of the same model: the same batches pre-built in memory, only forward/backward/step;
- the test pass (every test video, full length, inference mode);
- batch-1 latency at 72 clips, of the training graph and of the prepared model
  (``AQAModel.prepare_inference``), vs the FLOP bound = paper-convention FLOPs (2 x MACs) over
  the peak GEMM throughput measured on the spot, interleaved in rounds (aqabench.speed), at
  ``--threads`` (1: the bound is single-thread); ratios by wall clock and by thread CPU time;
- peak RSS of a whole `aqabench run` on each twin (a child process, 1 epoch);
- optionally (``--suite``) the wall time of the `ci` leaderboard suite.

Each timing is repeated; medians and spreads are printed as a table and written as JSON.
Usage: ``python benchmarks/perf.py [--repeats 3] [--rounds 7] [--threads 1] [--latency-only]
[--suite] [--json perf.json]``
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from tabulate import tabulate

from aqabench.config import fill_score_normalisation
from aqabench.inference import prepare as prepare_inference
from aqabench.plugins import get_registry
from aqabench.profile import count_macs, example_batch, profile_macs
from aqabench.runner import (
    RunRequest,
    build_model,
    data_request,
    load_bundle,
    resolve_config,
)
from aqabench.sampling import train_batches
from aqabench.speed import latency_vs_bound, spread
from aqabench.train import TrainState, evaluate, make_optimizer, seed_everything, train_one_epoch

CASES = [("gdlt", "rg-synth", "Ball"), ("gdlt", "fisv-synth", "TES"),
         ("cofinal", "rg-synth", "Ball"), ("cofinal", "fisv-synth", "TES")]
#: Batch-1 latency cases: (label, method, dataset, subset, config overrides).
LATENCY_CASES = [("gdlt", "gdlt", "rg-synth", "Ball", {}),
                 ("cofinal (paper)", "cofinal", "rg-synth", "Ball", {}),
                 ("cofinal (code)", "cofinal", "rg-synth", "Ball", {"variant": "code"})]
TARGETS = {"epoch_ratio": 1.1, "latency_ratio": 2.0, "rss_rg_gib": 0.7, "rss_fisv_gib": 1.5,
           "suite_min": 30.0}  # the ci suite at 3 seeds where cheap (aqabench/suites/ci.json)


def prepare(method: str, dataset: str, subset: str, overrides: dict[str, Any] | None = None
            ) -> tuple[Any, ...]:
    registry = get_registry()
    m, d = registry.method(method), registry.dataset(dataset)
    config = resolve_config(m, d, subset, RunRequest(method=method, dataset=dataset,
                                                     overrides=dict(overrides or {})))
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


def time_latency(method: str, dataset: str, subset: str, overrides: dict[str, Any], clips: int,
                 rounds: int, threads: int) -> dict[str, Any]:
    """Training graph and prepared model against the FLOP bound, interleaved (aqabench.speed)."""
    m, config, bundle, model = prepare(method, dataset, subset, overrides)
    batch = example_batch(bundle.info(dataset, subset), clips, m.needs)
    macs = profile_macs(model, batch)["macs"]
    fast = prepare_inference(model)
    with torch.no_grad():
        fast_macs = sum(count_macs(fast, lambda: fast(batch)).values())
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        timed = latency_vs_bound({"training": model, "prepared": fast}, batch, macs,
                                 rounds=rounds)
    finally:
        torch.set_num_threads(before)
    return {"macs_g": macs / 1e9, "prepared_macs_g": fast_macs / 1e9, **timed}


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


def ratio_cell(ratio: dict[str, float]) -> str:
    return f"{ratio['median']:.2f} [{ratio['min']:.2f}-{ratio['max']:.2f}]"


def latency_table(args: argparse.Namespace, results: dict[str, Any]) -> None:
    """Batch-1 latency of each LATENCY_CASE, training graph and prepared, against the bound."""
    rows = []
    for label, method, dataset, subset, overrides in LATENCY_CASES:
        case = time_latency(method, dataset, subset, overrides, args.clips, args.rounds,
                            args.threads)
        results["latency"][label] = case
        lat, bound = case["latency"], case["flop_bound"]
        rows.append([label, f"{case['macs_g']:.4f} / {case['prepared_macs_g']:.4f}",
                     f"{bound['ms']['median']:.2f} ({bound['gflops']['median']:.0f} GFLOP/s)",
                     f"{lat['training']['median_ms']:.2f} / {lat['prepared']['median_ms']:.2f}",
                     f"{ratio_cell(case['ratio']['training'])} / "
                     f"{ratio_cell(case['ratio']['prepared'])}",
                     f"{ratio_cell(case['ratio_cpu']['training'])} / "
                     f"{ratio_cell(case['ratio_cpu']['prepared'])}"])
        print(f"measured latency {label}", file=sys.stderr)
    print(f"batch-1 latency at {args.clips} clips, {args.threads} thread(s), {args.rounds} "
          f"interleaved rounds; ratio = latency / FLOP bound, median [min-max] over rounds, "
          f"target {TARGETS['latency_ratio']}")
    print(tabulate(rows, headers=["case", "G MACs train/prep", "FLOP bound ms",
                                  "latency ms train / prep", "ratio (wall) train / prep",
                                  "ratio (thread CPU) train / prep"]))


def epoch_table(args: argparse.Namespace, results: dict[str, Any]) -> None:
    """Harness epoch vs compute floor and the test pass of each CASE."""
    rows = []
    for method, dataset, subset in CASES:
        label = f"{method} {dataset}/{subset}"
        case = time_epochs(method, dataset, subset, args.repeats)
        results["cases"][label] = case
        rows.append([label, f"{case['harness_epoch_s']['median']:.2f}",
                     f"{case['floor_epoch_s']['median']:.2f}",
                     f"{case['epoch_ratio']['median']:.2f} "
                     f"[{case['epoch_ratio']['min']:.2f}-{case['epoch_ratio']['max']:.2f}] / "
                     f"{TARGETS['epoch_ratio']}",
                     f"{case['test_pass_s']['median']:.2f}"])
        print(f"measured {label}", file=sys.stderr)
    print(tabulate(rows, headers=["case", "harness epoch s", "floor epoch s",
                                  "ratio / target", "test pass s"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--clips", type=int, default=72)
    parser.add_argument("--rounds", type=int, default=7, help="interleaved latency rounds")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for latency")
    parser.add_argument("--latency-only", action="store_true",
                        help="only the latency table (no epochs, RSS or suite)")
    parser.add_argument("--suite", action="store_true", help="also time the ci suite")
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    results: dict[str, Any] = {"threads": torch.get_num_threads(), "targets": TARGETS,
                               "cases": {}, "latency": {}}
    latency_table(args, results)
    if not args.latency_only:
        epoch_table(args, results)
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
