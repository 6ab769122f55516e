"""Video -> clip features through a registered backbone, cached by content.

Decoding uses PyAV (the optional ``av`` package) and streams: frames are cut into
non-overlapping clips of ``clip_len`` frames and handed to ``backbone.extract`` a few clips at
a time, so memory stays bounded on long videos. A trailing remainder of at least half a clip is
padded by repeating its last frame; a shorter one is dropped (a video shorter than half a clip
still gives one padded clip). The result ``[clips, dim]`` float32 is cached under
``<cache>/features/`` keyed by the video's sha256, the backbone (name, weights, feature size),
the clip length and :data:`PIPELINE_VERSION`, so re-runs are instant. A video that cannot be
decoded, or has no frames, is a :class:`~aqabench.errors.DataError` naming it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .api import BackboneSpec
from .errors import DataError, UsageError
from .fileio import chmod_like_open

PIPELINE_VERSION = 1
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv")
CLIPS_PER_CALL = 4
Progress = Callable[[int, int | None], None]  # (clips done, clips expected or None)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_key(digest: str, spec: BackboneSpec, clip_len: int) -> str:
    ident = f"{PIPELINE_VERSION}|{spec.name}|{spec.weights}|{spec.feature_dim}|{clip_len}"
    return f"{digest[:32]}-{hashlib.sha256(ident.encode()).hexdigest()[:16]}"


def _av() -> Any:
    try:
        import av
    except ImportError as exc:
        raise UsageError("decoding video needs PyAV: pip install av  "
                         "(or: pip install 'aqabench[i3d]')") from exc
    return av


def _open(path: Path) -> tuple[Any, Any]:
    """(container, first video stream); any problem is a DataError naming ``path``."""
    av = _av()
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "no such video file")
    if path.stat().st_size == 0:
        raise DataError(path, "the video file is empty")
    try:
        container = av.open(str(path))
    except av.error.FFmpegError as exc:
        raise DataError(path, f"cannot open video ({exc.strerror or exc})") from exc
    if not container.streams.video:
        container.close()
        raise DataError(path, "no video stream")
    return container, container.streams.video[0]


def probe_video(path: Path) -> None:
    """Fail early (DataError) on a missing, empty or unreadable video."""
    container, _ = _open(path)
    container.close()


def decode_frames(path: Path) -> tuple[Iterator[np.ndarray], int | None]:
    """RGB frames ``[H, W, 3]`` uint8 of the first video stream, and the container's frame
    count when it states one. Decoding errors surface as DataError naming ``path``."""
    av = _av()
    container, stream = _open(path)
    expected = int(stream.frames) or None

    def frames() -> Iterator[np.ndarray]:
        count = 0
        try:
            for frame in container.decode(stream):
                count += 1
                yield frame.to_ndarray(format="rgb24")
        except av.error.FFmpegError as exc:
            raise DataError(path, f"cannot decode video frame {count} "
                                  f"({exc.strerror or exc})") from exc
        finally:
            container.close()
        if count == 0:
            raise DataError(path, "no video frames could be decoded")

    return frames(), expected


def clip_groups(frames: Iterator[np.ndarray], clip_len: int, clips: int = CLIPS_PER_CALL
                ) -> Iterator[np.ndarray]:
    """``[k * clip_len, H, W, 3]`` arrays of whole clips, the tail padded as described above."""
    buffer: list[np.ndarray] = []
    emitted = 0
    for frame in frames:
        buffer.append(frame)
        if len(buffer) == clip_len * clips:
            emitted += clips
            yield np.stack(buffer)
            buffer = []
    whole = len(buffer) // clip_len * clip_len
    tail = buffer[whole:]
    if tail and (2 * len(tail) >= clip_len or (emitted == 0 and whole == 0)):
        tail = tail + [tail[-1]] * (clip_len - len(tail))
    else:
        tail = []
    rest = buffer[:whole] + tail
    if rest:
        yield np.stack(rest)


def expected_clips(frames: int | None, clip_len: int) -> int | None:
    if not frames:
        return None
    whole, tail = divmod(frames, clip_len)
    return whole + int(2 * tail >= clip_len or whole == 0)


def extract_video(backbone: Any, spec: BackboneSpec, path: Path, clip_len: int,
                  cache_dir: Path | None, progress: Progress | None = None) -> np.ndarray:
    """``[clips, dim]`` float32 features of one video (from the cache when present)."""
    path = Path(path)
    probe_video(path)
    cached = None
    if cache_dir is not None:
        cached = cache_dir / "features" / f"{cache_key(file_sha256(path), spec, clip_len)}.npy"
        if cached.is_file():
            try:
                features = np.load(cached, allow_pickle=False)
                if progress is not None:
                    progress(len(features), len(features))
                return features
            except (OSError, ValueError):
                cached.unlink(missing_ok=True)
    frames, count = decode_frames(path)
    total = expected_clips(count, clip_len)
    done, parts = 0, []
    for group in clip_groups(frames, clip_len):
        out = backbone.extract(torch.from_numpy(group))
        parts.append(out.detach().float().cpu().numpy())
        done += len(out)
        if progress is not None:
            progress(done, max(total or 0, done) or None)
    features = np.concatenate(parts).astype(np.float32)
    if cached is not None:
        save_npy_atomic(features, cached)
    return features


def save_npy_atomic(array: np.ndarray, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".npy.tmp", dir=path.parent)
    try:
        chmod_like_open(fd)
        with os.fdopen(fd, "wb") as handle:
            np.save(handle, array, allow_pickle=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def list_videos(target: Path) -> list[Path]:
    """``target`` itself, or the video files directly inside a folder (sorted)."""
    if target.is_dir():
        videos = sorted(p for p in target.iterdir()
                        if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES)
        if not videos:
            raise DataError(target, f"no video files ({', '.join(VIDEO_SUFFIXES)}) in folder")
        stems = [p.stem for p in videos]
        clash = sorted({s for s in stems if stems.count(s) > 1})
        if clash:
            raise DataError(target, f"several videos would write {clash[0]}.npy")
        return videos
    if not target.exists():
        raise DataError(target, "no such file or folder")
    return [target]


def build_backbone(spec: BackboneSpec, device: str | torch.device, clip_len: int | None) -> Any:
    """The backbone object from its spec, set to ``clip_len`` frames per clip."""
    from .api import resolve_factory

    if spec.clip_len <= 0:
        raise UsageError(f"backbone {spec.name!r} reads stored features and cannot extract "
                         "from video; pass its .npy files to 'aqabench score' instead")
    clip_len = int(spec.clip_len if clip_len is None else clip_len)
    if clip_len <= 0:
        raise UsageError(f"--clip-len must be positive, got {clip_len}")
    backbone = resolve_factory(spec.factory)(device)
    backbone.clip_len = clip_len
    return backbone
