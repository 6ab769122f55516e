"""How high can the twin validity τ go? Its noise bands, drawn from the records' own noise.

A twin's pooled τ (:mod:`aqabench.validity`) is read from cells whose SRCC carries two noises:
test-set sampling (RG has 50 test videos, Fis-V 100) and training seeds. So even a twin whose
methods' true SRCCs were exactly the published ones would not show τ = 1, and a twin in which
the methods did not differ at all would not show exactly 0. This module draws both bands with
the noise the records themselves show, so that a measured τ can be read against them:

- **perfect**: every cell's true value is its published VST SRCC (CoFInAl Tab. 1);
- **null**: every cell of a subset has the same true value;
- **perfect, noisy reference**: as perfect, but each published figure is itself one run on one
  test set (single seed), drawn with the same noise: the order a perfect twin could show
  against the order the papers could print.

Each draw adds, in Fisher's z (where the sampling spread of a correlation barely depends on its
level, so noise measured at the twin's SRCCs transfers to the published ones):

- test-set sampling: one bootstrap resample of the subset's test videos, shared by every
  method and seed of the subset (so the correlation between methods' errors is kept); a cell's
  deviation is the mean over its seeds of ``z(SRCC on the resample)`` minus its mean over the
  resamples (centred, since the bootstrap's bias depends on the SRCC's level),
  scaled by ``1 / √test_factor`` to ask what ``test_factor`` times as many test videos would give;
- training seeds: ``N(0, s² / k)``, with ``s`` the pooled within-cell std of the seeds' z over
  every cell that has two or more seeds (none: test sampling only, and the line says so) and
  ``k`` the cell's seed count (or ``seeds``, when given).

τ is then the same pooled sign agreement over within-subset pairs as the validity report's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import stats
from .compare import aligned
from .errors import UsageError
from .validity import (
    METHODS,
    Key,
    cell_mean,
    covered,
    pooled_tau,
    published,
    seed_values,
    twin_records,
)

#: draws per band; the seed makes every band the same on every machine
DRAWS = 2000
SEED = 0
#: the level the issue asks a twin to reach
TARGET = 0.5


def _z(values: np.ndarray) -> np.ndarray:
    return np.arctanh(np.clip(values, -0.999999, 0.999999))


@dataclass(frozen=True)
class Band:
    """The pooled τ of many draws of one hypothesis."""

    draws: np.ndarray

    @property
    def mean(self) -> float:
        return float(self.draws.mean())

    def quantile(self, q: float) -> float:
        return float(np.quantile(self.draws, q))

    def share_at_least(self, value: float) -> float:
        return float(np.mean(self.draws >= value - 1e-12))


@dataclass(frozen=True)
class Power:
    observed: float
    pairs: int
    perfect: Band
    null: Band
    noisy_reference: Band
    seed_std: float | None  # std of a seed's z (pooled or given); None: not known
    test_factor: float
    seeds: int | None


def _aligned_predictions(first: dict[str, Any], runs: list[dict[str, Any]], protocol: str
                         ) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """(predictions, labels) of each seed's record on ``first``'s videos, in its order; None
    when a record lacks them or was tested on other videos (:func:`aqabench.compare.aligned`
    decides, as for the validity report's paired tests)."""
    out = []
    for record in runs:
        try:
            _, pred, truth = aligned(first, record, protocol, "validity bands")
        except UsageError:
            return None
        out.append((pred, truth))
    return out


def _seed_std(chosen: dict[Key, list[dict[str, Any]]], protocol: str) -> float | None:
    """Pooled within-cell std of z(SRCC) over the paper-method cells with ≥ 2 seeds."""
    squares, dof = 0.0, 0
    for (label, _subset, setting), runs in chosen.items():
        if label not in METHODS.values() or setting is not None or len(runs) < 2:
            continue
        z = _z(np.array(seed_values(runs, protocol)))
        squares += float(((z - z.mean()) ** 2).sum())
        dof += len(z) - 1
    return float(np.sqrt(squares / dof)) if dof else None


def _subset_noise(cells: list[list[tuple[np.ndarray, np.ndarray]]], rng: np.random.Generator,
                  draws: int) -> np.ndarray:
    """[draws, methods] test-sampling deviations in z of each cell's seed mean."""
    n = cells[0][0][1].size
    index = rng.integers(0, n, size=(draws, n))
    out = np.zeros((draws, len(cells)))
    for m, seeds in enumerate(cells):
        for pred, truth in seeds:  # centred on the resamples' mean: the bootstrap's bias
            z = _z(stats._srcc_along(pred[index], truth[index], axis=-1))  # differs by level
            out[:, m] += z - z.mean()
        out[:, m] /= len(seeds)
    return out


def power(records: list[dict[str, Any]], protocol: str = "final", test_factor: float = 1.0,
          seeds: int | None = None, seed_std: float | None = None, draws: int = DRAWS,
          seed: int = SEED, cofinal: str = "paper") -> Power | None:
    """The perfect, noisy-reference and null bands of the pooled τ against the VST rows for
    these records (None when no subset has two paper methods with test predictions);
    ``seed_std`` (z) replaces the seed noise the records show, e.g. for records of one seed;
    ``cofinal``: the CoFInAl variant in its rows (:func:`aqabench.validity.labels`)."""
    tab1 = published("VST")
    chosen = twin_records(records, protocol, cofinal)
    scores = {key: cell_mean(runs, protocol) for key, runs in chosen.items()}
    seed_std = _seed_std(chosen, protocol) if seed_std is None else seed_std
    rng = np.random.default_rng(seed)
    perfect_d, null_d, noisy_d, observed_pairs = [], [], [], []
    for subset in covered(scores):
        names = [m for m in METHODS.values()
                 if (m, subset, None) in chosen and (m, subset) in tab1]
        if len(names) < 2:
            continue
        first = chosen[(names[0], subset, None)][0]
        cells_of = [(m, _aligned_predictions(first, chosen[(m, subset, None)], protocol))
                    for m in names]
        kept = [(m, cell) for m, cell in cells_of if cell is not None]  # the first's videos
        if len(kept) < 2:
            continue
        names, cells = [m for m, _ in kept], [cell for _, cell in kept]
        noise = _subset_noise(cells, rng, draws) / np.sqrt(test_factor)
        if seed_std is not None:
            k = np.array([seeds or len(chosen[(m, subset, None)]) for m in names])
            noise = noise + rng.normal(0.0, 1.0, noise.shape) * seed_std / np.sqrt(k)
        # a published figure is one run: one seed's test sampling, one seed's training noise
        reference = _subset_noise([cell[:1] for cell in cells], rng, draws)
        if seed_std is not None:
            reference = reference + rng.normal(0.0, seed_std, reference.shape)
        truth = _z(np.array([tab1[(m, subset)] for m in names]))
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                r = truth[i] - truth[j]
                twin = r + noise[:, i] - noise[:, j]
                perfect_d.append((twin, r))
                null_d.append((noise[:, i] - noise[:, j], r))
                noisy_d.append((twin, r + reference[:, i] - reference[:, j]))
                observed_pairs.append((scores[(names[i], subset, None)]
                                       - scores[(names[j], subset, None)], r))
    if not observed_pairs:
        return None

    def band(pairs: list[tuple[np.ndarray, Any]]) -> Band:
        signs = np.stack([np.sign(d) * np.sign(r) for d, r in pairs])  # [pairs, draws]
        return Band(signs.mean(axis=0))

    return Power(pooled_tau(observed_pairs), len(observed_pairs), band(perfect_d),
                 band(null_d), band(noisy_d), seed_std, test_factor, seeds)


def describe(p: Power) -> list[str]:
    """Markdown bullets: the observed τ against the three bands."""
    size = "the records' test videos" if p.test_factor == 1 else \
        f"{p.test_factor:g}× the records' test videos"
    seeds = "each cell's seeds" if p.seeds is None else f"{p.seeds} seeds a cell"
    noise = (f"seed std {p.seed_std:.3f} in z"
             if p.seed_std is not None else "test sampling only: no cell has two seeds, "
             "so the bands are narrower than the truth")
    at_most = 100 * float(np.mean(p.noisy_reference.draws <= p.observed + 1e-12))

    def spread(b: Band) -> str:
        return f"{b.mean:.2f} (90 % of draws {b.quantile(0.05):.2f} to {b.quantile(0.95):.2f})"

    return [
        f"- What the noise allows over these {p.pairs} pairs ({size}, {seeds}; {noise}; "
        f"{len(p.null.draws)} draws, `aqabench.validity_power`):",
        f"  - a perfect twin (true SRCCs = the published VST ones): τ {spread(p.perfect)}, "
        f"≥ {TARGET} in {100 * p.perfect.share_at_least(TARGET):.0f} %;",
        f"  - the same against published figures that carry the same noise (one run on one "
        f"test set each): τ {spread(p.noisy_reference)}, ≥ {TARGET} in "
        f"{100 * p.noisy_reference.share_at_least(TARGET):.0f} %, at most the observed "
        f"{p.observed:.2f} in {at_most:.0f} %;",
        f"  - a chance twin (no true differences): τ {spread(p.null)}, at least the observed "
        f"in {100 * p.null.share_at_least(p.observed):.0f} %.",
    ]
