"""Calibrate the diving twin's execution signal on ONE published baseline: USDL w/o DN.

FineDiving has no published linear baseline (the RG / Fis-V anchor, C3D+SVR, has no FineDiving
row). Its simplest published row is USDL without dive numbers (TSA / HP-MCoRe tables, test SRCC
0.8302): a model of the clip-averaged features, with no stages, exemplars or dive numbers.
aqabench's ``usdl`` is that model on the twin's frozen features, at its default (the official)
protocol, trained through the harness. The twin's one free amplitude, ``quality_amp`` (the
stage-wise execution signal), is set so that USDL's expected test SRCC equals 0.8302; the
expectation is taken over ``--replicates`` calibration populations (2,251 training and
``--test`` test clips each) drawn from streams of their own, so the benchmark's own clips are
never used. No other method is run.

Exact and cheap, as ``calibrate_twins.py``: a clip's features are affine in ``quality_amp``
(same draws, the signal scaled) and USDL only sees their mean over frames, so each clip's pooled
features are made at amplitudes 0 and 1 and combined; USDL then trains on one-frame "clips".

    python benchmarks/calibrate_diving.py
    python benchmarks/calibrate_diving.py --at 0.08 --at 0.5   # USDL's figure at given amplitudes
    python benchmarks/calibrate_diving.py --events             # the candidate with events
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np
import torch
from calibrate_twins import final_srcc, solve

from aqabench.api import DataBundle, FeatureSet
from aqabench_datasets import twin_cache
from aqabench_datasets.twin_diving import DivingTwin
from aqabench_datasets.twin_diving_events import DivingEventsTwin
from aqabench_datasets.twin_stats import twin_videos

PUBLISHED = 0.8302  # USDL w/o DN on FineDiving (reference/methods/mcore.md, section 12)
DATASET, METHOD = "finediving-synth", "usdl"


class Population:
    """One replicate's pooled features as ``base + amp * signal``, with its labels."""

    def __init__(self, replicate: int, counts: tuple[int, int], size: str = "full",
                 events: bool = False) -> None:
        twin = DivingEventsTwin(size) if events else DivingTwin(size)
        twin.stream = f"calibration:{replicate}"
        self.parts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.labels: dict[str, dict[str, np.ndarray]] = {}
        saved = twin.story
        for split, count in zip(twin_cache.SPLITS, counts, strict=True):
            pooled = []
            for amp in (0.0, 1.0):
                twin.story = replace(saved, quality_amp=amp)
                pooled.append(np.stack([v.mean(0) for v in twin_videos(twin, count, split)]))
            twin.story = saved
            self.parts[split] = (pooled[0], pooled[1] - pooled[0])
            lats = twin_cache.split_latents(twin, split, count)
            self.labels[split] = {"score": np.array([v.score for v in lats]),
                                  "judge_scores": np.array([v.extras["judge_scores"]
                                                            for v in lats])}

    def bundle(self, amp: float) -> DataBundle:
        sets = {}
        for split, (base, signal) in self.parts.items():
            x = base + amp * signal
            labels = self.labels[split]
            sets[split] = FeatureSet(
                ids=tuple(str(i) for i in range(len(x))),
                features=torch.from_numpy(x[:, None, :].astype(np.float32)),
                lengths=torch.ones(len(x), dtype=torch.long),
                scores=torch.from_numpy(labels["score"].astype(np.float32)),
                extras={"judge_scores": torch.from_numpy(
                    labels["judge_scores"].astype(np.float32))})
        return DataBundle(train=sets["train"], test=sets["test"], backbone="synthetic")


def usdl_srcc(bundle: DataBundle, dataset: str = DATASET) -> float:
    return final_srcc(METHOD, dataset, None, bundle)


def expected(pops: list[Population], amp: float, dataset: str = DATASET) -> float:
    got = float(np.mean([usdl_srcc(p.bundle(amp), dataset) for p in pops]))
    print(f"  quality_amp={amp:.4f}: USDL {got:.3f}", flush=True)
    return got


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--test", type=int, default=749)
    parser.add_argument("--replicates", type=int, default=1)
    parser.add_argument("--events", action="store_true",
                        help="the candidate finediving-synth-events instead of the default")
    parser.add_argument("--at", type=float, action="append",
                        help="only print USDL's figure at this quality_amp (repeatable)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    name = "finediving-synth-events" if args.events else DATASET
    pops = [Population(r, (DivingTwin("full").counts[0], args.test), events=args.events)
            for r in range(args.replicates)]
    if args.at:
        for amp in args.at:
            expected(pops, amp, name)
        return
    amp = solve(lambda a: expected(pops, a, name), PUBLISHED, 0.02, 20)
    print(f"{name} quality_amp={amp:.3f}  USDL {expected(pops, amp, name):.3f} "
          f"(published {PUBLISHED})", flush=True)


if __name__ == "__main__":
    main()
