"""Shared machinery of the synthetic twins: per-video seeding, generation, caching.

A twin is an object with ``name``, ``subset``, ``size``, ``dim``, ``counts`` (train, test) and
two methods, both deterministic from their seeded generator:

- ``latent(rng, split, index) -> Latent``: the video's length, scores and extras (scalars
  only: cheap, so ``info`` can report the ceiling without making any feature; ``split`` and
  ``index`` place the video in its population, for twins whose videos share an athlete);
- ``fill(latent, rng, out)``: write the ``[length, dim]`` float32 features into ``out``.

Every video gets two generators seeded from ``(dataset, stream, size, split, index)`` (one for
latents, one for features; ``stream`` is the subset, or nothing where all subsets score the
same videos, as Fis-V's TES and PCS do), so any video can be made alone and the bytes do not
depend on the order of generation. A split is built into one preallocated padded array (no
other copy), cached under ``cache_dir/twins/<key>/`` as ``<split>.npy`` + ``meta.json``
written to a temporary folder and renamed; a cache that fails to load, disagrees with its
json or fails its checksum (sha256 of the arrays and the json, stored at write: a flipped byte,
an edited score or a NaN of the same size is caught) is regenerated. Temporary folders left by
a writer that was killed (SIGKILL, power loss) are swept by :mod:`.twin_sweep`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch

from aqabench import kernels, metrics
from aqabench.api import DataBundle, FeatureSet

from .twin_sweep import sweep_stale, temp_prefix

#: Bumped whenever a twin's bytes change; part of the cache key.
GENERATOR_VERSION = 5
SPLITS = ("train", "test")


def derive_seed(*parts: object) -> int:
    """A 63-bit seed from the parts' text (stable across machines and Python versions)."""
    digest = hashlib.sha256("/".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def rng_for(*parts: object) -> np.random.Generator:
    return np.random.default_rng(derive_seed(*parts))


@dataclass
class Latent:
    """One video's scalars: length, observed and noise-free score, extras."""

    length: int
    score: float
    clean: float
    extras: dict[str, Any] = field(default_factory=dict)
    private: dict[str, Any] = field(default_factory=dict)  # what ``fill`` needs, never exposed


class Twin(Protocol):
    name: str
    subset: str | None
    stream: str | None  # seeds the videos: the subset, or None where subsets share videos
    size: str
    dim: int
    counts: tuple[int, int]
    extra_dtypes: dict[str, torch.dtype]

    def latent(self, rng: np.random.Generator, split: str, index: int) -> Latent: ...

    def fill(self, latent: Latent, rng: np.random.Generator, out: np.ndarray) -> None: ...

    def video_id(self, split: str, index: int) -> str: ...


def video_rng(twin: Twin, split: str, index: int, part: str) -> np.random.Generator:
    """The generator of one video's ``part`` ("latent" or "features")."""
    return rng_for(twin.name, twin.stream, twin.size, split, index, GENERATOR_VERSION, part)


def split_latents(twin: Twin, split: str, count: int | None = None) -> list[Latent]:
    """The latents of ``split``'s first ``count`` videos (default: the whole split)."""
    if count is None:
        count = twin.counts[SPLITS.index(split)]
    return [twin.latent(video_rng(twin, split, i, "latent"), split, i) for i in range(count)]


def fill_videos(twin: Twin, split: str, latents: list[Latent], outs: list[np.ndarray]) -> None:
    """Write video ``i``'s features into ``outs[i]`` (``[length, dim]``), BLAS on one thread:
    the bytes must not depend on the process's thread count (:mod:`aqabench.kernels`)."""
    with kernels.one_blas_thread():
        for i, (lat, out) in enumerate(zip(latents, outs, strict=True)):
            twin.fill(lat, video_rng(twin, split, i, "features"), out)


def ceiling(twin: Twin) -> float:
    """Oracle SRCC on the test split: noise-free vs observed scores (latents only: cheap)."""
    test = split_latents(twin, "test")
    return metrics.srcc([v.clean for v in test], [v.score for v in test])


@dataclass
class SplitArrays:
    ids: list[str]
    features: np.ndarray  # [N, T_max, D] float32, zero padded
    lengths: np.ndarray
    scores: np.ndarray
    clean: np.ndarray
    extras: dict[str, np.ndarray]

    def header(self) -> dict[str, Any]:
        return {"ids": self.ids, "shape": list(self.features.shape),
                "lengths": self.lengths.tolist(), "scores": self.scores.tolist(),
                "clean": self.clean.tolist(),
                "extras": {k: v.tolist() for k, v in self.extras.items()}}


def generate_split(twin: Twin, split: str) -> SplitArrays:
    """Make a split video by video straight into its padded array (:func:`fill_videos`)."""
    latents = split_latents(twin, split)
    lengths = np.array([v.length for v in latents], dtype=np.int64)
    features = np.zeros((len(latents), int(lengths.max()), twin.dim), dtype=np.float32)
    fill_videos(twin, split, latents, [features[i, : lat.length] for i, lat in enumerate(latents)])
    extras = {key: np.asarray([v.extras[key] for v in latents]) for key in twin.extra_dtypes}
    return SplitArrays(
        ids=[twin.video_id(split, i) for i in range(len(latents))],
        features=features, lengths=lengths,
        scores=np.array([v.score for v in latents], dtype=np.float64),
        clean=np.array([v.clean for v in latents], dtype=np.float64),
        extras=extras,
    )


def cache_key(twin: Twin) -> str:
    """``<name>-<subset>-<size>-v<version>-<story digest>-<kernels>``: a changed knob never reads
    a stale cache, even where the version was not bumped, and neither does a twin made under
    other OpenBLAS kernels (their float32 roundings differ: :mod:`aqabench.kernels`)."""
    story = hashlib.sha256(repr(getattr(twin, "story", None)).encode()).hexdigest()[:8]
    return (f"{twin.name}-{twin.subset or 'all'}-{twin.size}-v{GENERATOR_VERSION}-{story}"
            f"-{kernels.numpy_tag()}")


def checksum(headers: dict[str, Any], features: dict[str, np.ndarray]) -> str:
    """sha256 of every split's feature bytes and of the json headers (scores, ids, extras)."""
    digest = hashlib.sha256()
    for split in SPLITS:
        digest.update(np.ascontiguousarray(features[split]).data)
        digest.update(json.dumps(headers[split], sort_keys=True).encode())
    return digest.hexdigest()


def _load_cached(folder: Path) -> dict[str, SplitArrays] | None:
    try:
        header = json.loads((folder / "meta.json").read_text())
        out = {}
        for split in SPLITS:
            part = header[split]
            features = np.load(folder / f"{split}.npy", allow_pickle=False)
            if list(features.shape) != part["shape"] or features.dtype != np.float32:
                return None
            out[split] = SplitArrays(
                ids=list(part["ids"]), features=features,
                lengths=np.asarray(part["lengths"], dtype=np.int64),
                scores=np.asarray(part["scores"], dtype=np.float64),
                clean=np.asarray(part["clean"], dtype=np.float64),
                extras={k: np.asarray(v) for k, v in part["extras"].items()},
            )
        stored = header.get("checksum")
        if stored != checksum(header, {s: a.features for s, a in out.items()}):
            return None  # same-size corruption (or a cache written before checksums)
        return out
    except (OSError, ValueError, KeyError, TypeError, EOFError, AttributeError):
        return None


def _store(folder: Path, splits: dict[str, SplitArrays]) -> None:
    """Write to a temporary sibling folder, then rename it into place (atomic)."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        sweep_stale(folder.parent)
        tmp = Path(tempfile.mkdtemp(prefix=temp_prefix(folder.name), dir=folder.parent))
    except OSError:
        return  # an unwritable cache: the twin is still returned, just not cached
    try:
        for split, arrays in splits.items():
            np.save(tmp / f"{split}.npy", arrays.features, allow_pickle=False)
        headers: dict[str, Any] = {s: a.header() for s, a in splits.items()}
        headers["checksum"] = checksum(headers, {s: a.features for s, a in splits.items()})
        (tmp / "meta.json").write_text(json.dumps(headers))
        os.chmod(tmp, 0o755)
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
    except BaseException as exc:  # Ctrl-C mid-write too: never leave the temp folder behind
        shutil.rmtree(tmp, ignore_errors=True)
        if not isinstance(exc, OSError):  # OSError: another process won the race, no space
            raise


def twin_splits(twin: Twin, cache_dir: Path | None) -> dict[str, SplitArrays]:
    """Both splits, from the cache when it is sound, else generated (and cached)."""
    folder = Path(cache_dir) / "twins" / cache_key(twin) if cache_dir is not None else None
    if folder is not None and folder.is_dir():
        cached = _load_cached(folder)
        if cached is not None and all(set(twin.extra_dtypes) <= set(cached[s].extras)
                                      for s in SPLITS):
            return cached  # (a cache written before an extra was added is regenerated)
    splits = {split: generate_split(twin, split) for split in SPLITS}
    if folder is not None:
        _store(folder, splits)
    return splits


def to_featureset(arrays: SplitArrays, dtypes: dict[str, torch.dtype]) -> FeatureSet:
    return FeatureSet(
        ids=tuple(arrays.ids),
        features=torch.from_numpy(arrays.features),  # shares memory: no copy
        lengths=torch.from_numpy(arrays.lengths),
        scores=torch.from_numpy(arrays.scores.astype(np.float32)),
        extras={k: torch.as_tensor(arrays.extras[k], dtype=dtypes[k]) for k in dtypes},
    )


def load_twin(twin: Twin, cache_dir: Path | None, meta: dict[str, Any]) -> DataBundle:
    splits = twin_splits(twin, cache_dir)
    test = splits["test"]
    meta = {"ceiling": metrics.srcc(test.clean, test.scores),
            "generator": f"{twin.name} v{GENERATOR_VERSION}", "size": twin.size, **meta}
    return DataBundle(
        train=to_featureset(splits["train"], twin.extra_dtypes),
        test=to_featureset(test, twin.extra_dtypes),
        meta=meta, backbone="synthetic", split_id=f"synthetic-{twin.size}",
    )


def segment_bounds(weights: Sequence[float], length: int) -> np.ndarray:
    """Cut ``range(length)`` into ``len(weights)`` non-empty consecutive segments ∝ weights."""
    w = np.asarray(weights, dtype=np.float64)
    n = len(w)
    spare = length - n  # every segment gets one clip, the rest shared by weight
    cuts = np.floor(np.cumsum(w) / w.sum() * spare + 1e-9).astype(np.int64)
    ends = cuts + np.arange(1, n + 1)
    ends[-1] = length
    return np.concatenate([[0], ends])
