"""What every real-data loader shares: the root, per-video ``.npy`` features, padding, checks.

Loaders raise :class:`~aqabench.errors.DataError` (file + problem, one line) at the first
problem; ``check`` functions run the same readers under :class:`Problems` and list them all.
Features go straight from each file into one preallocated padded array (shapes are read
from the ``.npy`` headers first), so a split costs one copy of its features in memory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch

from aqabench.api import DataRequest, FeatureSet
from aqabench.errors import DataError, UsageError

T = TypeVar("T")


def data_root(request: DataRequest, dataset: str) -> Path:
    if request.root is None:
        raise UsageError(f"dataset {dataset!r} reads real data: pass --data-root DIR")
    root = Path(request.root)
    try:
        found = root.is_dir()
    except OSError as exc:
        raise DataError(root, f"cannot read the data root ({exc.strerror or exc})") from None
    if not found:
        raise DataError(root, "data root does not exist or is not a folder")
    return root


def require_file(path: Path, what: str) -> Path:
    if not is_file(path):
        raise DataError(path, f"{what} is missing")
    return path


#: Largest |value| a label may hold: scores are trained in float32 (max ~3.4e38) and squared
#: in the losses, so anything near float32's range is nonsense (real AQA scores are < 200).
MAX_ABS_LABEL = 1e9


def is_file(path: Path) -> bool:
    """``path.is_file()``, with an unreadable parent (no search permission) a DataError."""
    try:
        return path.is_file()
    except OSError as exc:
        raise DataError(path, f"cannot read ({exc.strerror or exc})") from None


def npy_header(path: Path) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype from a ``.npy`` header, refusing shapes no file can hold (negative,
    too large for the file's size) before numpy maps anything."""
    try:
        with path.open("rb") as handle:
            major, _ = np.lib.format.read_magic(handle)
            read = np.lib.format.read_array_header_2_0 if major >= 2 \
                else np.lib.format.read_array_header_1_0
            shape, _, dtype = read(handle, max_header_size=10_000)
            offset = handle.tell()
    except OSError as exc:
        raise DataError(path, f"not a readable .npy file ({exc.strerror or exc})") from None
    except (ValueError, OverflowError, TypeError, SyntaxError, EOFError) as exc:
        raise DataError(path, f"not a readable .npy file ({exc})") from None
    if any(not isinstance(n, int) or n < 0 for n in shape):
        raise DataError(path, f"the .npy header declares an impossible shape {shape}")
    if dtype.hasobject:
        raise DataError(path, "not a numeric .npy array (ragged/object array)")
    if int(np.prod(shape, dtype=object)) * dtype.itemsize > path.stat().st_size - offset:
        raise DataError(path, f"the .npy header declares shape {shape}, more data than the "
                              "file holds (truncated?)")
    return shape, dtype


def feature_shape(path: Path, dim: int | None) -> tuple[int, int]:
    """``(clips, dim)`` of a feature file from its header, with every shape check."""
    if not is_file(path):
        raise DataError(path, "feature file is missing")
    shape, dtype = npy_header(path)
    if dtype.kind not in "fiu":
        raise DataError(path, f"expected a float array, got dtype {dtype}")
    if len(shape) != 2:
        raise DataError(path, f"expected a 2-d array [clips, dim], got shape {shape}")
    if shape[0] == 0 or shape[1] == 0:
        raise DataError(path, f"empty feature array (shape {shape})")
    if dim is not None and shape[1] != dim:
        raise DataError(path, f"wrong feature dim: expected {dim}, got {shape[1]}")
    return int(shape[0]), int(shape[1])


def read_features_into(path: Path, out: np.ndarray) -> None:
    """Copy the file's ``[clips, dim]`` array into ``out`` (float32), rejecting NaN/inf."""
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
        out[:] = array
    except OSError as exc:
        raise DataError(path, f"not a readable .npy file ({exc.strerror or exc})") from None
    except (ValueError, OverflowError) as exc:
        raise DataError(path, f"not a readable .npy file ({exc})") from None
    bad = ~np.isfinite(out)
    if bad.any():
        clip = int(np.argwhere(bad)[0][0])
        raise DataError(path, f"features contain NaN or inf (first at clip {clip})")


def common_dim(dims: Sequence[int]) -> int:
    """The feature dim most files have (the first one's on a tie): the odd files are named."""
    return Counter(dims).most_common(1)[0][0]


def padded_features(paths: Sequence[Path], dim: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Read every file into one zero-padded ``[N, T_max, D]`` float32 array. ``dim=None``
    accepts any dim the files share."""
    shapes = [feature_shape(p, dim) for p in paths]
    common = common_dim([d for _, d in shapes])
    for path, (_, d) in zip(paths, shapes, strict=True):
        if d != common:
            raise DataError(path, f"wrong feature dim: expected {common}, got {d} "
                                  "(the other files' dim)")
    lengths = np.array([n for n, _ in shapes], dtype=np.int64)
    features = np.zeros((len(paths), int(lengths.max()), common), dtype=np.float32)
    for i, path in enumerate(paths):
        read_features_into(path, features[i, : lengths[i]])
    return features, lengths


def check_unique(ids: Sequence[str], where: Path) -> None:
    seen: set[str] = set()
    for vid in ids:
        if vid in seen:
            raise DataError(where, f"duplicate video id {vid!r}")
        seen.add(vid)


def feature_set(ids: Sequence[str], paths: Sequence[Path], scores: Sequence[float],
                extras: dict[str, torch.Tensor], dim: int | None, where: Path,
                split: str) -> FeatureSet:
    if not ids:
        raise DataError(where, f"the {split} split is empty")
    features, lengths = padded_features(paths, dim)
    return FeatureSet(ids=tuple(ids), features=torch.from_numpy(features),
                      lengths=torch.from_numpy(lengths),
                      scores=torch.tensor(list(scores), dtype=torch.float32), extras=extras)


def parse_number(text: str, where: Path, line: int, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DataError(where, f"line {line}: {column} {text!r} is not a number") from None
    if not np.isfinite(value):
        raise DataError(where, f"line {line}: {column} {text!r} is not finite")
    if abs(value) > MAX_ABS_LABEL:
        raise DataError(where, f"line {line}: {column} {text!r} is out of range "
                               f"(|value| > {MAX_ABS_LABEL:g})")
    return value


class Problems:
    """Collects the DataErrors of a ``check`` run instead of stopping at the first."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def attempt(self, fn: Callable[..., T], *args: Any) -> T | None:
        try:
            return fn(*args)
        except (DataError, UsageError) as exc:
            self.items.append(str(exc))
            return None

    def check_features(self, paths: Sequence[Path], dim: int | None) -> None:
        shapes = {path: self.attempt(feature_shape, path, dim) for path in paths}
        found = [shape for shape in shapes.values() if shape is not None]
        common = dim if dim is not None or not found else common_dim([d for _, d in found])
        for path, shape in shapes.items():
            if shape is None:
                continue
            if shape[1] != common:
                self.items.append(f"{path}: wrong feature dim: expected {common}, "
                                  f"got {shape[1]} (the other files' dim)")
                continue
            out = np.zeros(shape, dtype=np.float32)
            self.attempt(read_features_into, path, out)
