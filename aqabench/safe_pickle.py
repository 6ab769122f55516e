"""A restricted unpickler for annotation files from data folders (FineDiving, MTL-AQA, LOGO).

``pickle.load`` runs any callable a file names, so a pickle from a download is code. This
unpickler resolves only the globals plain annotation pickles need — numpy's array, dtype and
scalar reconstructors, ``set``/``frozenset``/``OrderedDict`` and ``_codecs.encode`` (how
Python 2 pickles spell bytes) — and refuses everything else *before* calling it. Every failure
(a forbidden global, a truncated or corrupt stream, a missing file) is a
:class:`~aqabench.errors.DataError` naming the file.

Shared references make a tiny pickle stand for a huge tree (a ~230-byte "billion laughs" file
of lists of lists of the same list): harmless to unpickle, but hashing, ``repr`` or
``np.asarray`` of it never ends. So what a pickle builds is bounded *as the readers will see
it* (every shared reference counted each time it is reached) by :class:`Limits` — objects,
nesting depth, bytes of strings and arrays — and an array constructor that declares more
bytes than the budget is refused before it allocates. Beyond a bound the file is refused
(milliseconds: the walk visits each distinct object once).
"""

from __future__ import annotations

import importlib
import io
import pickle
from pathlib import Path
from typing import Any

from .errors import DataError
from .pickle_limits import Limits, check_size, guarded

#: (module, name) pairs a data pickle may refer to. ``numpy.core`` is numpy 1's spelling of
#: ``numpy._core``; both are accepted and resolved to whichever this numpy provides.
ALLOWED: frozenset[tuple[str, str]] = frozenset({
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("collections", "OrderedDict"),
    ("_codecs", "encode"),
})
ALIASES = {"numpy.core.multiarray": "numpy._core.multiarray",
           "numpy.core.numeric": "numpy._core.numeric",
           "__builtin__": "builtins", "copy_reg": "copyreg"}


def _import(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:  # numpy 1.x has numpy.core, not numpy._core
        return importlib.import_module(module.replace("numpy._core", "numpy.core"))


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles plain containers, numbers, strings and numpy arrays; nothing else."""

    def __init__(self, file: Any, source: object, limits: Limits | None = None) -> None:
        super().__init__(file, encoding="latin1")  # Python 2 pickles hold numpy data as str
        self.source = source
        self.limits = limits or Limits()

    def find_class(self, module: str, name: str) -> Any:
        canonical = ALIASES.get(module, module)
        if (canonical, name) not in ALLOWED:
            raise DataError(self.source, f"pickle refers to {module}.{name}, which a data file "
                                         "may not use (only containers and numpy arrays)")
        return guarded(getattr(_import(canonical), name), self.limits, self.source)

    def persistent_load(self, pid: Any) -> Any:
        raise DataError(self.source, "pickle uses persistent ids, which a data file may not use")


def loads(data: bytes, source: object = "<bytes>", limits: Limits | None = None) -> Any:
    """Unpickle ``data`` with :class:`RestrictedUnpickler`; ``source`` names it in errors.
    The result is refused if it exceeds ``limits`` (default :class:`Limits`)."""
    limits = limits or Limits()
    try:
        return check_size(RestrictedUnpickler(io.BytesIO(data), source, limits).load(),
                          limits, source)
    except DataError:
        raise
    except EOFError:
        raise DataError(source, "truncated pickle (ended before its STOP opcode)") from None
    except (pickle.UnpicklingError, ValueError, TypeError, KeyError, IndexError,
            AttributeError, UnicodeDecodeError, MemoryError, OverflowError,
            RecursionError) as exc:
        if "truncated" in str(exc):
            raise DataError(source, "truncated pickle (ended before its STOP opcode)") from None
        raise DataError(source, f"corrupt pickle ({type(exc).__name__}: {exc})") from None


def load(path: str | Path) -> Any:
    """Read and unpickle the file at ``path`` safely (see :func:`loads`)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError(path, "file not found") from None
    except OSError as exc:
        raise DataError(path, f"cannot read ({exc.strerror or exc})") from None
    if not data:
        raise DataError(path, "empty file, expected a pickle")
    return loads(data, path)
