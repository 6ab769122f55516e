"""Sanity benchmark of the full synthetic twins, through the harness.

For every full twin subset it prints: the time to generate the twin (cache bypassed), the
ceiling (oracle SRCC), the ``ridge`` baseline's test SRCC (harness defaults), and the ridge's
SRCC when trained on shuffled training labels (mean of ``--shuffles`` permutations, signed
and absolute: a model that learns from shuffled labels must land near 0).

    python benchmarks/twins.py                       # every twin subset
    python benchmarks/twins.py --only rg-synth:Ball  # one
    python benchmarks/twins.py --stats               # clip statistics: real I3D vs each twin
    python benchmarks/twins.py --segments            # one video's segments vs separate videos

``--stats`` prints :func:`aqabench.feature_stats.feature_stats` of real I3D features of real
videos (``benchmarks/data``) beside each routine twin's, on matched samples (the twin's videos
cut to the real videos' clip counts, mean of 4 groups of 8), and the ratio twin / real.

``--segments`` asks how much of the between-video share is the video and how much the scene.
The real sample has two long fixed-camera videos (``vtest``: 25 clips of pedestrians passing
one street, ``box``: 14). Cut into contiguous segments (5 x 5 clips, 2 x 7), each behaves like a
set of videos from one camera and scene with other people in it; the script prints their
between-segment share beside the same split of one twin video (the twin's drift), of *separate*
twin videos (its per-video offset at the same layout), and the i.i.d.-noise floor of that
layout. No real footage here has several performers in one venue, so the share such AQA
videos would have lies between the one-video and the separate-videos figures.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from aqabench.config import fill_score_normalisation
from aqabench.plugins import get_registry
from aqabench.runner import (
    RunRequest,
    build_model,
    data_request,
    load_bundle,
    resolve_config,
    run,
)
from aqabench.train import fit, resolve_device, seed_everything
from aqabench_datasets import twin_cache, twins

#: the default twins first (the irregular-execution story since 2026-12-07; their candidate
#: names ``-irregular`` give the same bytes), then v5 and the other versions
SUBSETS = [("rg-synth", s) for s in ("Ball", "Clubs", "Hoop", "Ribbon")] + \
    [("fisv-synth", "TES"), ("fisv-synth", "PCS"), ("finediving-synth", None)] + \
    [("rg-synth-v5", s) for s in ("Ball", "Clubs", "Hoop", "Ribbon")] + \
    [("fisv-synth-v5", "TES"), ("fisv-synth-v5", "PCS")] + \
    [("rg-synth-roster", s) for s in ("Ball", "Clubs", "Hoop", "Ribbon")] + \
    [("fisv-synth-roster", "TES"), ("fisv-synth-roster", "PCS")] + \
    [("rg-synth-onevenue", s) for s in ("Ball", "Clubs", "Hoop", "Ribbon")]


def generation_seconds(name: str, subset: str | None) -> float:
    started = time.perf_counter()
    twin = twins.make_twin(name, subset, "full")
    for split in twin_cache.SPLITS:
        twin_cache.generate_split(twin, split)
    return time.perf_counter() - started


def shuffled_srcc(name: str, subset: str | None, seed: int) -> float:
    """Ridge trained on a permutation of the training labels, scored on the true test labels."""
    registry = get_registry()
    method, dataset = registry.method("ridge"), registry.dataset(name)
    request = RunRequest(method="ridge", dataset=name, subset=subset)
    config = resolve_config(method, dataset, subset, request)
    bundle = load_bundle(dataset, data_request(dataset, subset, None, "full"))
    perm = torch.from_numpy(np.random.default_rng(seed).permutation(len(bundle.train)))
    bundle.train.scores = bundle.train.scores[perm]
    fill_score_normalisation(config, bundle.info(name, subset))
    seed_everything(int(config["seed"]))
    model = build_model(method, config, bundle, name, subset)
    state = fit(model, bundle, bundle.info(name, subset), config, resolve_device("cpu"))
    assert state.final is not None
    return float(state.final.metrics["srcc"])


def print_stats(chosen: list[tuple[str, str | None]]) -> None:
    from fit_twin_backbone import real_videos

    from aqabench.feature_stats import KEYS, feature_stats
    from aqabench_datasets.twin_stats import matched_stats

    real_clips = real_videos()
    real = feature_stats(real_clips)
    lengths = [len(v) for v in real_clips]
    rows = {}
    for name, subset in chosen:
        if name != "finediving-synth":  # per-frame 368-d features: another backbone
            twin = twins.make_twin(name, subset, "full")
            rows[f"{name}:{subset}"] = matched_stats(twin, lengths, 4)
    print(f"{'statistic':<16}{'real I3D':>10}" + "".join(f"{k:>18}" for k in rows))
    for key in KEYS:
        cells = "".join(f"{v[key]:>10.3f} ({v[key] / real[key]:4.2f}x)" for v in rows.values())
        print(f"{key:<16}{real[key]:>10.3f}{cells}")


#: (real video, segment length): the real sample's fixed-camera videos and how they are cut
SEGMENTED = (("vtest", 5), ("box", 7))


def print_segments(chosen: list[tuple[str, str | None]], videos: int = 8) -> None:
    from fit_twin_backbone import real_sample

    from aqabench.feature_stats import between_share, noise_between_share, segments
    from aqabench_datasets.twin_stats import twin_videos

    real = real_sample()
    routines = [(n, s) for n, s in chosen if n != "finediving-synth"]
    twin = {c: twin_videos(twins.make_twin(c[0], c[1], "full"), videos) for c in routines}
    print(f"{'split':<30}{'real':>8}{'noise floor':>13}"
          + "".join(f"{f'{n}:{s}':>22}" for n, s in routines))
    for name, length in SEGMENTED:
        parts = segments(real[name], length)
        g = len(parts)
        floor = noise_between_share(g, length)
        one = [float(np.mean([between_share(segments(v, length)[:g]) for v in twin[c]]))
               for c in routines]
        apart = [float(np.mean([between_share([twin[c][(k + j) % videos][:length]
                                               for j in range(g)]) for k in range(videos)]))
                 for c in routines]
        print(f"{f'{name}: {g} x {length} clips, one video':<30}{between_share(parts):>8.3f}"
              f"{floor:>13.3f}" + "".join(f"{x:>22.3f}" for x in one))
        print(f"{f'{g} separate videos x {length}':<30}{'':>8}{floor:>13.3f}"
              + "".join(f"{x:>22.3f}" for x in apart))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", help="NAME[:SUBSET], repeatable")
    parser.add_argument("--shuffles", type=int, default=3)
    parser.add_argument("--stats", action="store_true", help="real I3D vs twin clip statistics")
    parser.add_argument("--segments", action="store_true",
                        help="between-segment share of one real video vs the twins'")
    args = parser.parse_args()
    chosen = SUBSETS
    if args.only:
        wanted = {tuple(o.split(":")) if ":" in o else (o, None) for o in args.only}
        chosen = [c for c in SUBSETS if c in wanted]
    if args.stats:
        print_stats(chosen)
        return
    if args.segments:
        print_segments(chosen)
        return
    print(f"{'twin':<26}{'gen s':>7}{'ceiling':>9}{'ridge':>8}{'shuf':>8}{'|shuf|':>8}")
    for name, subset in chosen:
        gen = generation_seconds(name, subset)
        record, _, _ = run(RunRequest(method="ridge", dataset=name, subset=subset,
                                      device="cpu"), get_registry())
        shuffled = [shuffled_srcc(name, subset, seed) for seed in range(args.shuffles)]
        label = f"{name}:{subset}" if subset else name
        print(f"{label:<26}{gen:>7.1f}{record['data']['meta']['ceiling']:>9.3f}"
              f"{record['final']['srcc']:>8.3f}{np.mean(shuffled):>8.3f}"
              f"{np.mean(np.abs(shuffled)):>8.3f}", flush=True)


if __name__ == "__main__":
    import os

    os.environ.setdefault("AQABENCH_CACHE", str(Path(tempfile.gettempdir()) / "aqabench-bench"))
    main()
