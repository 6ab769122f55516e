"""Bounds on what a data pickle may build, for :mod:`aqabench.safe_pickle`.

The size of an unpickled object is measured as its readers see it: a list holding the same
inner list ten times counts that list ten times. :func:`check_size` computes it with one
memoised walk over the *distinct* objects (so a "billion laughs" pickle of shared references
is measured in microseconds, not expanded), refusing cycles and nesting beyond
``Limits.depth``. :func:`guarded` wraps numpy's array constructors so a header declaring a
huge shape is refused before anything is allocated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import DataError

#: Container types a data pickle may build (plus numpy arrays and scalars, strings, numbers).
CONTAINERS = (list, tuple, set, frozenset, dict)


@dataclass(frozen=True)
class Limits:
    """The most a data pickle may build. The real FineDiving annotation file (3000 samples,
    one label array each) is ~40k objects, depth 4 and ~3 MB: the defaults leave 50× room."""

    objects: int = 2_000_000  # every reference counted, shared or not
    depth: int = 32  # nesting of containers
    nbytes: int = 1 << 30  # strings, bytes and array data, every reference counted


def _refuse(source: object, problem: str) -> DataError:
    return DataError(source, f"pickle refused: {problem} (a data file may not build more; "
                             "see aqabench.pickle_limits)")


def _declared_bytes(shape: Any, dtype: Any) -> int:
    dims = shape if isinstance(shape, (tuple, list)) else (shape,)
    count = 1
    for n in dims:
        count *= int(n)
    return count * np.dtype(dtype).itemsize


class GuardedConstructor:
    """A numpy constructor that checks the declared shape first. ``np.ndarray`` passed on to
    ``_reconstruct`` (as every array pickle does) is handed over as the real type."""

    def __init__(self, make: Callable[..., Any], shape_at: int, dtype_at: int, limits: Limits,
                 source: object) -> None:
        self.make, self.shape_at, self.dtype_at = make, shape_at, dtype_at
        self.limits, self.source = limits, source

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        args = tuple(a.make if isinstance(a, GuardedConstructor) else a for a in args)
        return _checked_array(self.make, self.shape_at, self.dtype_at, self.limits,
                              self.source, *args, **kwargs)


def guarded(target: Any, limits: Limits, source: object) -> Any:
    """``target`` itself, or for numpy's shape-taking constructors a wrapper that refuses a
    declared shape that is negative or over ``limits.nbytes`` before calling it."""
    if target is np.ndarray:
        return GuardedConstructor(target, 0, 1, limits, source)
    if getattr(target, "__name__", "") == "_reconstruct":
        return GuardedConstructor(target, 1, 2, limits, source)
    return target


def _checked_array(make: Callable[..., Any], shape_at: int, dtype_at: int, limits: Limits,
                   source: object, *args: Any, **kwargs: Any) -> Any:
    try:
        shape = args[shape_at] if len(args) > shape_at else kwargs.get("shape", ())
        dtype = args[dtype_at] if len(args) > dtype_at else kwargs.get("dtype", float)
        declared = _declared_bytes(shape, dtype)
    except (TypeError, ValueError, OverflowError) as exc:
        raise _refuse(source, f"array with an unreadable shape or dtype ({exc})") from None
    if declared < 0 or declared > limits.nbytes:
        raise _refuse(source, f"array of shape {shape} declares {declared} bytes")
    return make(*args, **kwargs)


def _own_size(obj: Any) -> tuple[int, list[Any]]:
    """(bytes held directly, children) of one object."""
    if isinstance(obj, dict):
        return 0, [*obj.keys(), *obj.values()]
    if isinstance(obj, CONTAINERS):
        return 0, list(obj)
    if isinstance(obj, np.ndarray):
        return (0, list(obj.reshape(-1))) if obj.dtype.hasobject else (int(obj.nbytes), [])
    if isinstance(obj, (str, bytes, bytearray)):
        return len(obj), []
    return 0, []


def check_size(root: Any, limits: Limits, source: object) -> Any:
    """``root`` if its expanded size is within ``limits``; else a DataError naming ``source``."""
    sizes: dict[int, tuple[int, int]] = {}  # id -> (objects, bytes) of the expanded subtree
    active: set[int] = set()
    keep: list[Any] = []  # ids stay valid while we hold the objects

    def visit(obj: Any, depth: int) -> tuple[int, int]:
        key = id(obj)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise _refuse(source, "the pickle's objects refer to themselves (a cycle)")
        if depth > limits.depth:
            raise _refuse(source, f"nesting deeper than {limits.depth} levels")
        nbytes, children = _own_size(obj)
        objects = 1
        active.add(key)
        for child in children:
            count, size = visit(child, depth + 1)
            objects += count
            nbytes += size
            if objects > limits.objects:
                raise _refuse(source, f"more than {limits.objects} objects once shared "
                                      "references are counted")
            if nbytes > limits.nbytes:
                raise _refuse(source, f"more than {limits.nbytes} bytes once shared "
                                      "references are counted")
        active.discard(key)
        sizes[key] = (objects, nbytes)
        keep.append(obj)
        return objects, nbytes

    total, nbytes = visit(root, 0)
    if total > limits.objects or nbytes > limits.nbytes:
        raise _refuse(source, f"{total} objects, {nbytes} bytes")
    return root
