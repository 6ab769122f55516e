"""What a video backbone's clip features look like, apart from the quality story.

The twins draw every video's features in a ``rank``-dimensional latent space and emit them in
the backbone's ``dim`` dimensions; this module owns the part that has nothing to do with
quality — the nuisance — and the emission. Its knobs (:class:`Backbone`) are fitted to the
statistics of real I3D (Kinetics-400) features of real videos (``benchmarks/twins.py --real``,
docs/datasets.md), never to a method's score:

- a per-video offset (scene, venue, camera, athlete's look): the share of the variance that lies
  between videos; part of it can be shared with other videos (the same event's venue, the same
  athlete's look: :mod:`twin_roster`);
- a stationary AR(1) drift within the video (camera motion, pose drift) with coefficient
  ``phi``: how fast a video's clips decorrelate;
- white noise per clip;
- both the offset and the drift have a power-law spectrum ``λ_i ∝ i^-decay`` along their own
  random orthonormal bases: backbone features keep most of their variance in a few
  directions (the effective rank);
- emission: the latent is lifted to ``dim`` by a fixed random orthonormal map (scaled so an
  output dimension keeps a latent dimension's mean variance), an isotropic floor is added in
  all ``dim`` dimensions, then the features are scaled and shifted by a per-dimension mean
  (pooled ReLU features have a positive mean that varies by dimension).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Backbone:
    dim: int = 1024
    rank: int = 64
    decay: float = 1.0  # power-law exponent of the offset / drift spectra
    offset: float = 1.0  # std of the per-video offset (latent units, spectrum mean 1)
    drift: float = 1.0  # std of the within-video AR(1) drift
    phi: float = 0.5  # AR(1) coefficient of the drift, clip to clip
    noise: float = 0.5  # white latent noise per clip
    floor: float = 0.1  # isotropic noise after the lift, in all ``dim`` dimensions
    scale: float = 1.0  # emitted features = mean + scale * (lifted latent + floor)
    mean: float = 0.0  # mean of the per-dimension means
    mean_spread: float = 0.0  # spread of the per-dimension means


class Nuisance:
    """The fixed world of one twin's backbone (bases, spectra, lift, mean), drawn from ``rng``."""

    def __init__(self, backbone: Backbone, rng: np.random.Generator) -> None:
        b = self.backbone = backbone
        r = b.rank
        spectrum = np.arange(1, r + 1, dtype=np.float64) ** -b.decay
        root = np.sqrt(spectrum / spectrum.mean())
        self.offset_map = (root[:, None] * _orthonormal(rng, r, r)).astype(np.float32)
        self.drift_map = (root[:, None] * _orthonormal(rng, r, r)).astype(np.float32)
        self.lift = None
        if b.dim != r:
            self.lift = (_orthonormal(rng, r, b.dim) * np.sqrt(b.dim / r)).astype(np.float32)
        self.mean = (b.mean + b.mean_spread * rng.standard_normal(b.dim)).astype(np.float32)

    def latent(self, rng: np.random.Generator, length: int,
               shared: tuple[np.ndarray, float] | None = None) -> np.ndarray:
        """One video's nuisance ``[length, rank]`` float32. ``shared``: a standard-normal part
        of the offset that other videos share (its event's and athlete's looks, combined) and
        the share of the offset's variance that is the video's own."""
        b = self.backbone
        r = b.rank
        out = rng.standard_normal((length, r), dtype=np.float32) * np.float32(b.noise)
        offset = rng.standard_normal(r, dtype=np.float32)
        if shared is not None:
            common, own = shared
            offset = np.float32(np.sqrt(own)) * offset + common
        out += (b.offset * offset) @ self.offset_map
        shocks = rng.standard_normal((length, r), dtype=np.float32)
        drift = np.empty_like(shocks)
        drift[0] = shocks[0]
        keep, fresh = np.float32(b.phi), np.float32(np.sqrt(1 - b.phi**2))
        for t in range(1, length):  # stationary AR(1): unit variance at every clip
            drift[t] = keep * drift[t - 1] + fresh * shocks[t]
        out += (b.drift * drift) @ self.drift_map
        return out

    def emit(self, latent: np.ndarray, rng: np.random.Generator, out: np.ndarray) -> None:
        """Write the emitted features of ``latent`` ``[length, rank]`` into ``out`` ``[length,
        dim]``."""
        b = self.backbone
        if self.lift is None:
            out[:] = latent
        else:
            out[:] = rng.standard_normal(out.shape, dtype=np.float32)
            out *= np.float32(b.floor)
            out += latent @ self.lift
        out *= np.float32(b.scale)
        out += self.mean


def _orthonormal(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    """``rows`` orthonormal vectors of length ``cols`` (rows ≤ cols)."""
    q, _ = np.linalg.qr(rng.standard_normal((cols, rows)))
    return q.T
