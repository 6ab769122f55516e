"""``aqabench extract``: video(s) -> ``<name>.npy`` clip features ``[clips, dim]``.

Every video is decoded and cut into non-overlapping clips (see :mod:`aqabench.extraction`);
results are cached by content, so a re-run is instant. Nothing is written unless every video
succeeds: a corrupt or empty video is a one-line error naming it (exit 2).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import console
from ..errors import AqabenchError
from ..outputs import writable_dir, write_failed
from ..plugins import get_registry

if TYPE_CHECKING:  # numpy, torch and the harness load when the command runs, not for --help
    import numpy as np


def add_parser(sub: Any) -> None:
    p = sub.add_parser("extract", help="extract clip features from a video or a folder of videos",
                       description=__doc__)
    p.add_argument("video", type=Path, metavar="VIDEO_OR_DIR",
                   help="a video file, or a folder whose video files are all extracted")
    p.add_argument("--backbone", default="i3d", help="backbone plugin (see 'aqabench list')")
    p.add_argument("--out", type=Path, required=True, help="folder for the <name>.npy files")
    p.add_argument("--clip-len", type=int, help="frames per clip (default: the backbone's)")
    p.add_argument("--device", default="auto", help="auto (cuda if present), cpu, cuda, cuda:1")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    p.set_defaults(func=main)


def extract_many(videos: list[Path], backbone_name: str, clip_len: int | None, device: str,
                 cache: bool) -> dict[Path, np.ndarray]:
    """Features of every video, with a progress bar per video on stderr."""
    from ..extraction import build_backbone, extract_video, probe_video
    from ..runner import default_cache_dir
    from ..train import resolve_device

    spec = get_registry().backbone(backbone_name)
    for video in videos:  # a bad video fails before any work is done
        probe_video(video)
    backbone = build_backbone(spec, resolve_device(device), clip_len)
    cache_dir = default_cache_dir() if cache else None
    results: dict[Path, np.ndarray] = {}
    with console.progress() as bar:
        for video in videos:
            task = bar.add_task(video.name, total=None, status=spec.name)

            def update(done: int, total: int | None, task: Any = task) -> None:
                bar.update(task, completed=done, total=total, status="clips")

            try:
                results[video] = extract_video(backbone, spec, video, backbone.clip_len,
                                               cache_dir, update)
            except AqabenchError:
                bar.remove_task(task)
                raise
    return results


def main(args: argparse.Namespace) -> int:
    from ..extraction import list_videos, save_npy_atomic

    videos = list_videos(args.video)
    writable_dir(args.out)  # before any video is decoded
    results = extract_many(videos, args.backbone, args.clip_len, args.device, not args.no_cache)
    for video, features in results.items():
        try:
            path = save_npy_atomic(features, args.out / f"{video.stem}.npy")
        except OSError as exc:
            raise write_failed(args.out, exc, "cannot write the features") from None
        console.out.print(f"{path}  [{features.shape[0]}, {features.shape[1]}]")
    return 0
