"""Which CPU kernels did the arithmetic: the pins that make float results portable.

numpy's OpenBLAS, torch's own ATen kernels, MKL (torch's BLAS) and oneDNN (torch's convolutions)
each pick their kernels by CPU at start-up: AVX-512 on an AVX-512 Intel, AVX2 elsewhere, and MKL
a path of its own on AMD. Their roundings differ in the last bits, which training amplifies, so a
record made on one host is reproduced bit for bit on another only under the same kernels.
``.ci/run`` pins all four to AVX2 (docs/datasets.md, "Determinism and cost"); every record's
provenance says which were in force (:func:`kernels`), and the twins' cache is keyed by numpy's
(:func:`numpy_tag`), so a twin made under other kernels is never read back silently.

Thread counts change roundings too: OpenBLAS splits a large float32 product across its threads,
and a twin made by a two-thread process (a local ``aqabench run``) differed in the last bits
from one made by a one-thread Ray worker. The twins are therefore made under
:func:`one_blas_thread`, whatever the process's thread count.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Iterator
from contextlib import contextmanager

#: the environment variables that pin each library's kernels, as ``.ci/run`` sets them on x86-64
PINS = {
    "OPENBLAS_CORETYPE": "Haswell",  # numpy's OpenBLAS (the twins' float32 matmuls)
    "ATEN_CPU_CAPABILITY": "avx2",   # torch's vectorised ops
    "MKL_CBWR": "AVX2",              # torch's BLAS: MKL's conditional numerical reproducibility
    "ONEDNN_MAX_CPU_ISA": "AVX2",    # torch's oneDNN kernels (convolutions)
}


def numpy_simd() -> str:
    """numpy's own highest SIMD level found on this CPU (``X86_V3``, ``X86_V4``, ...), or ``?``."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as found
    except ImportError:  # numpy moved it: the tag degrades to the machine name
        return "?"
    levels = [name for name in ("X86_V4", "X86_V3", "X86_V2", "ASIMD", "VSX") if found.get(name)]
    return levels[0] if levels else "?"


def numpy_tag() -> str:
    """The twins' kernel tag: the OpenBLAS pin if set, else the CPU's level (``auto-X86_V4``)."""
    pinned = os.environ.get("OPENBLAS_CORETYPE")
    return f"blas-{pinned}" if pinned else f"blas-auto-{platform.machine()}-{numpy_simd()}"


def kernels() -> dict[str, str]:
    """The pins in force (``auto`` where unset) and the kernels torch says it dispatches to."""
    out = {name: os.environ.get(name, "auto") for name in PINS}
    try:
        import torch

        out["torch_cpu_capability"] = str(torch.backends.cpu.get_cpu_capability())
    except (ImportError, AttributeError):
        out["torch_cpu_capability"] = "?"
    out["numpy_simd"] = numpy_simd()
    return out


def torch_kernels_text(found: dict[str, str]) -> str:
    """``AVX2 (pinned: MKL_CBWR=AVX2, ...)`` or ``AVX512 (detected)``: torch's kernels in words,
    for captions of tables whose figures (latency) depend on them."""
    pins = [f"{k}={found[k]}" for k in PINS if k != "OPENBLAS_CORETYPE"
            and found.get(k, "auto") != "auto"]
    level = found.get("torch_cpu_capability", "?")
    return f"{level} (pinned: {', '.join(pins)})" if pins else f"{level} (detected)"


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """numpy's BLAS on one thread inside the block (threadpoolctl), as a Ray worker runs it."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
