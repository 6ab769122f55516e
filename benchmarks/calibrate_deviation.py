"""The irregular candidate's deviation size, against ONE published same-backbone margin.

Built once with ``deviation_amp`` 1 (the deviations' power equal to v5's linear execution
signal, no amplitude chosen), the irregular candidate leaves its execution where nothing can
read it at the benchmark's sizes: ridge on mean *and* per-dimension std of the clips reaches no
more than on the mean (``benchmarks/twin_pooling_limit.py --irregular --pool mean+std``). How
large the deviations are is then a second free amplitude, and this sets it on a second published
figure — declared, so that figure validates nothing afterwards: MS-LSTM on C3D features, Fis-V
TES 0.650, where C3D+SVR on the same features has 0.400 (CoFInAl Tab. 1). For each
``--amp``, on the twin's own populations (never the benchmark's split):

1. ``gain`` and ``presentation_amp`` are recalibrated so that ``ridge`` lands on C3D+SVR's TES
   and PCS (:func:`calibrate_twins.fisv_amplitudes`, as for every twin);
2. MS-LSTM (100 epochs, its validity-suite protocol) and ridge train through the harness on the
   stream of ``benchmarks/twin_margin.py`` (``--train`` / ``--test`` videos), seed 0, one thread.

One JSON line per amplitude is appended to ``--out``; amplitudes already there are skipped. The
amplitude where MS-LSTM crosses 0.650 (log-linear between the bracketing rows) is printed by
``--report``, with the deviations' size there in feature units (amp times the recalibrated
gain); the candidate adopts that size (``twin_irregular.DEVIATION_SIZE``, the same on every
subset) and every other method is then run without further tuning (``validity-irregular``).

    python benchmarks/calibrate_deviation.py --amp 4 16
    python benchmarks/calibrate_deviation.py --report
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from calibrate_twins import Population, fisv_amplitudes
from twin_margin import bundle_of, done, final_srcc, resume

from aqabench_datasets.twin_irregular import FisVIrregularTwin

OUT = Path(__file__).parent / "results" / "twin-deviation" / "fisv-tes.jsonl"
TARGET = 0.650  # MS-LSTM on C3D, Fis-V TES (CoFInAl Tab. 1)


def twin_at(subset: str, **story: float) -> FisVIrregularTwin:
    twin = FisVIrregularTwin(subset, "full")
    twin.story = replace(twin.story, **story)
    return twin


def run(amp: float, train: int, test: int, replicates: int) -> dict[str, Any]:
    tes, pcs = (twin_at(subset, deviation_size=0.0, deviation_amp=amp)
                for subset in ("TES", "PCS"))
    pops = [Population([tes, pcs], r, (400, 400)) for r in range(replicates)]
    gain, pa, ridge_tes, ridge_pcs = fisv_amplitudes(pops, tes.story.presentation_amp, tes.name)
    bundle = bundle_of(twin_at("TES", deviation_size=0.0, deviation_amp=amp, gain=gain,
                               presentation_amp=pa),
                       train, test)
    row: dict[str, Any] = {"amp": amp, "gain": round(gain, 4), "presentation_amp": round(pa, 4),
                           "ridge_expected_tes": ridge_tes, "ridge_expected_pcs": ridge_pcs,
                           "train": train, "test": test}
    for method, epochs in (("ridge", None), ("mslstm", 100)):
        final, best = final_srcc(method, bundle, epochs)
        row[method] = {"final": final, "best": best}
    return row


def size_of(row: dict[str, Any]) -> float:
    """A row's deviations in feature units (the twin's ``deviation_size``): amp times gain."""
    return float(row["amp"] * row["gain"])


def crossing(rows: list[dict[str, Any]],
             scale: Callable[[dict[str, Any]], float] = lambda r: float(r["amp"])
             ) -> float | None:
    """Where (on ``scale``: the amplitude, or :func:`size_of`) MS-LSTM's final SRCC crosses
    TARGET (log-linear), if bracketed."""
    rows = sorted(rows, key=scale)
    for lo, hi in zip(rows, rows[1:]):
        a, b = lo["mslstm"]["final"], hi["mslstm"]["final"]
        if (a - TARGET) * (b - TARGET) <= 0 and a != b:
            t = (TARGET - a) / (b - a)
            return float(np.exp((1 - t) * np.log(scale(lo)) + t * np.log(scale(hi))))
    return None


def report(rows: list[dict[str, Any]]) -> None:
    print("| deviation_amp | gain | size (amp × gain) | presentation_amp | ridge "
          "| MS-LSTM (100 ep) | margin |")
    print("|---|---|---|---|---|---|---|")
    for r in sorted(rows, key=lambda r: r["amp"]):
        print(f"| {r['amp']:g} | {r['gain']:.3f} | {size_of(r):.2f} | "
              f"{r['presentation_amp']:.3f} | "
              f"{r['ridge']['final']:.3f} | {r['mslstm']['final']:.3f} | "
              f"{r['mslstm']['final'] - r['ridge']['final']:+.3f} |")
    amp, size = crossing(rows), crossing(rows, size_of)
    print(f"MS-LSTM crosses {TARGET} at deviation_amp "
          + (f"{amp:.2f}, size {size:.2f}" if amp is not None and size is not None
             else "(not bracketed)"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--amp", type=float, nargs="+", default=[])
    parser.add_argument("--train", type=int, default=400)
    parser.add_argument("--test", type=int, default=400)
    parser.add_argument("--replicates", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--report", action="store_true", help="print what finished and stop")
    args = parser.parse_args()
    if args.report:
        report(done(args.out))
        return
    torch.set_num_threads(1)
    resume(args.out, [{"amp": amp, "train": args.train, "test": args.test} for amp in args.amp],
           lambda key: run(key["amp"], args.train, args.test, args.replicates))


if __name__ == "__main__":
    main()
