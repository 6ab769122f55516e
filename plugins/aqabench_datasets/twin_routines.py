"""The v5 twins of the long-routine sets: ``rg-synth-v5`` (Rhythmic Gymnastics) and
``fisv-synth-v5`` (Fis-V), the defaults until 2026-12-07 (named ``rg-synth`` / ``fisv-synth``
then, and seeded by those names still, so their bytes have not changed), and the base of every
other routine twin (:mod:`twin_irregular`, the defaults now; :mod:`twin_competitions`;
:mod:`twin_venue`).

Generative story (one video, everything drawn from the video's own seeded generator):

1. Latents. A skill ``s ~ N(0, 1)``; ``P`` elements (RG 9, Fis-V 7, the short program's
   element count; fixed, so the share of element clips says nothing about the score) whose
   types ``k_p`` are drawn with ``p(k) ∝ exp(β·s·b̃_k)`` (``b_k`` the type's base value;
   skilled athletes choose harder elements: ``β = 0.5`` brings corr(D, E) to 0.74, the real
   sets' 0.68-0.79, from 0.71 at ``β = 0``), a difficulty grade per element
   ``g_p = ρ·s + √(1-ρ²)·ε'_p`` (the element's value within its type); an execution quality
   per element ``q_p = ρ·s + √(1-ρ²)·ε_p``; a presentation latent ``r = ρ_r·s + √(1-ρ_r²)·ε``.
   The elements alternate with ``P + 1`` linking segments; segment lengths are Gamma-distributed
   and cover the sequence (68-77 clips for RG, 124-140 for Fis-V).
2. Scores, judge-like. RG: difficulty ``D`` from ``Σ (0.3 b_k + 0.7 (2 + 0.6 g_p))``,
   execution ``E`` from the mean quality and ``r``, a penalty of 0.3 per element executed badly
   (``q_p`` under a threshold set so the real share of penalised routines comes out),
   ``Total = D + E − P``. Fis-V: ``TES`` from ``Σ (d_p + 0.5·q_p)`` (``d_p`` the element's
   difficulty as for RG) where a fall (``q_p`` under a threshold: 24% of programmes have one)
   halves the element's value and adds a deduction; ``PCS`` from ``r`` and the mean quality.
   The raw quantities are standardised with constants estimated once from 2000 latent draws
   and mapped to the real means / stds / ranges (``SYNTHETIC.md``). Judge noise is added to
   each observed column; the noise-free column is the oracle, whose SRCC on the test split is
   the ceiling (``meta["ceiling"]``).
3. Clip features (v5), drawn in ``rank`` = 64 latent dimensions and emitted as 1024-d features
   (like VST / I3D) by :mod:`twin_nuisance`, whose nuisance — a per-video offset, an AR(1)
   drift, white noise, power-law spectra, a lift with an isotropic floor, a per-dimension
   mean — is fitted to real I3D features of real videos (``benchmarks/fit_twin_backbone.py``).
   On top, the routine's content, every amplitude times the calibrated ``gain``: each segment's
   type embedding (what the element is: a recognition backbone's strongest signal; links share
   one), the element's execution ``q_p`` and grade ``g_p`` along directions of the element
   type's own (a good jump does not look like a good spin), the presentation ``r`` in every
   clip (artistry and skating skills are visible throughout), and a fault (a fall, a dropped
   apparatus: the elements whose quality makes them penalised or deducted) in the element's last
   clip. Every signal is linear in the clip features, nothing cancels by construction (v4's
   paired types, whose opposite directions cancelled under pooling, are gone): pooling reads the
   routine with every element's signal mixed with every other's and with the nuisance, a model
   that knows which clips are which element reads each along its own direction.
4. Calibration: ``gain`` per subset is the one free amplitude (Fis-V: ``gain`` and
   ``presentation_amp``), set so that the ``ridge`` baseline lands on the published linear
   baseline (C3D+SVR, CoFInAl Tab. 1) on a calibration population of its own
   (``benchmarks/calibrate_twins.py``). The paper methods are then run without further tuning
   (``benchmarks/twin_validity.py``).

Knobs: :class:`Story` (the tiny size uses short sequences, ``dim`` 64 and a stronger signal so
few epochs suffice).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from .twin_cache import GENERATOR_VERSION, Latent, derive_seed, rng_for, segment_bounds
from .twin_nuisance import Backbone, Nuisance
from .twin_roster import Roster

#: The backbone the routine twins imitate: 1024-d clip features of 32 frames (VST / I3D). The
#: nuisance knobs are fitted to real I3D features of real videos (``benchmarks/twins.py --real``,
#: docs/datasets.md), not to any method's score.
ROUTINE_BACKBONE = Backbone(dim=1024, rank=64, decay=1.49, offset=1.83, drift=1.53, phi=0.506,
                            noise=0.606, floor=0.993, scale=0.0531, mean=0.183,
                            mean_spread=0.0690)


@dataclass(frozen=True)
class Story:
    counts: tuple[int, int]
    lengths: tuple[int, int]  # inclusive range of clips per video
    elements: tuple[int, int]  # inclusive range of elements per video
    backbone: Backbone = ROUTINE_BACKBONE
    types: int = 12
    beta: float = 0.0  # skill -> element type choice (skilled athletes choose harder elements)
    rho: float = 0.6  # skill -> execution quality
    rho_r: float = 0.8  # skill -> presentation
    gain: float = 1.0  # multiplies every amplitude below: the story's strength against the
    #: nuisance (the calibrated knob)
    type_scale: float = 1.0  # what the element is: a recognition backbone's strongest signal
    quality_amp: float = 1.0  # execution, along the element type's own direction
    grade_amp: float = 1.0  # within-type difficulty grade, along the type's own direction
    grade_share: float = 0.7  # share of an element's difficulty set by its grade, not its type
    presentation_amp: float = 0.25  # presentation / skating skills, in every clip
    fault_amp: float = 1.0  # a fault (fall, dropped apparatus) in the element's last clip
    #: (athlete, event) shares of a video's skill variance (the rest is the day's form): 0 in
    #: rg-synth / fisv-synth (every video its own athlete at its own event); the roster twins'
    #: are fitted to Fis-V's between-skater and between-event shares (benchmarks/twin_roster.py)
    skill_shares: tuple[float, float] = (0.0, 0.0)
    #: (event, athlete) shares of the per-video offset's variance (venue / camera, the athlete's
    #: look; the rest is the video's own): 0 in rg-synth / fisv-synth; not measured, equal
    #: thirds assumed in the roster twins
    offset_shares: tuple[float, float] = (0.0, 0.0)

    @property
    def dim(self) -> int:
        return self.backbone.dim


def tiny(story: Story) -> Story:
    return replace(story, counts=(64, 32), lengths=(20, 26), elements=(3, 3), types=6,
                   backbone=replace(story.backbone, dim=64, rank=64, floor=0.0),
                   gain=max(story.gain, 1.0) * 2.0)


@dataclass(frozen=True)
class Column:
    """A real label column's statistics: mean, std, min, max; judge noise std."""

    mean: float
    std: float
    low: float
    high: float
    judge: float

    def clean(self, z: float) -> float:
        """Standardised latent -> noise-free value whose observed std matches the real one."""
        spread = np.sqrt(max(self.std**2 - self.judge**2, 1e-6))
        return float(np.clip(self.mean + spread * z, self.low, self.high))

    def observe(self, clean: float, rng: np.random.Generator, step: float = 0.01) -> float:
        value = np.clip(clean + self.judge * rng.standard_normal(), self.low, self.high)
        return float(np.round(value / step) * step)


class RoutineTwin:
    """Common structure of the routine twins; subclasses turn raw latents into scores."""

    name = ""
    per_subset_videos = True  # False: every subset scores the same videos (Fis-V TES/PCS)
    extra_dtypes: dict[str, torch.dtype] = {}

    def __init__(self, subset: str, size: str, story: Story) -> None:
        self.subset, self.size, self.story = subset, size, story
        self.stream = subset if self.per_subset_videos else None
        self.dim = story.dim
        self.counts = story.counts
        world = rng_for(self.name, self.stream, size, "world")
        k, r = story.types, story.backbone.rank
        self.base_values = np.linspace(1.0, 3.0, k)
        self.embed = (story.type_scale * world.standard_normal((k + 1, r))).astype(np.float32)
        self.quality_dirs = world.standard_normal((k, r)).astype(np.float32)
        self.grade_dirs = world.standard_normal((k, r)).astype(np.float32)
        self.presentation_dir = world.standard_normal(r).astype(np.float32)
        self.fault_dir = world.standard_normal(r).astype(np.float32)
        self.nuisance = Nuisance(story.backbone, world)
        self.fault_cut = -np.inf  # qualities below it are faults (set by the subclass)
        self.train_count = self.counts[0]  # videos before the first test video in the roster
        self._rosters: dict[str | None, Roster] = {}

    # ---------------------------------------------------------------------------- roster
    def roster(self) -> Roster:
        """The athletes and events of this twin's videos (of its current ``stream``)."""
        if self.stream not in self._rosters:
            seed = derive_seed(self.name, self.stream, self.size, "roster", GENERATOR_VERSION)
            self._rosters[self.stream] = Roster(seed, self.story.backbone.rank)
        return self._rosters[self.stream]

    def member(self, split: str, index: int) -> tuple[int, int]:
        """(athlete, event) of video ``index`` of ``split``."""
        return self.roster().member(index + (self.train_count if split == "test" else 0))

    # ---------------------------------------------------------------------------- latents
    def structure(self, rng: np.random.Generator, common: tuple[float, float] = (0.0, 0.0),
                  own: tuple[float, float] = (1.0, 1.0)) -> dict[str, Any]:
        """One routine's latents. Its skill, and its presentation apart from skill, are each a
        ``common`` part (the athlete's and event's) plus ``own`` times a fresh standard normal
        (the day's form)."""
        st = self.story
        length = int(rng.integers(st.lengths[0], st.lengths[1] + 1))
        skill = common[0] + own[0] * float(rng.standard_normal())
        n = int(rng.integers(st.elements[0], st.elements[1] + 1))
        centred = (self.base_values - self.base_values.mean()) / self.base_values.std()
        prob = np.exp(st.beta * skill * centred)
        types = np.searchsorted(np.cumsum(prob / prob.sum()), rng.random(n)).clip(0, st.types - 1)
        grade = st.rho * skill + np.sqrt(1 - st.rho**2) * rng.standard_normal(n)
        quality = st.rho * skill + np.sqrt(1 - st.rho**2) * rng.standard_normal(n)
        style = common[1] + own[1] * rng.standard_normal()
        presentation = st.rho_r * skill + np.sqrt(1 - st.rho_r**2) * style
        weights = np.where(np.arange(2 * n + 1) % 2 == 1, 2.0, 1.0) * rng.gamma(4.0, size=2 * n + 1)
        return {"length": length, "types": types, "quality": quality, "grade": grade,
                "presentation": float(presentation),
                "bounds": segment_bounds(weights, length)}

    def raw(self, st: dict[str, Any]) -> dict[str, float]:
        raise NotImplementedError

    def scored(self, st: dict[str, Any], rng: np.random.Generator) -> Latent:
        """The video's judges' scores from its latents ``st``."""
        raise NotImplementedError

    def latent(self, rng: np.random.Generator, split: str, index: int) -> Latent:
        athlete, event = self.member(split, index)
        roster, (wa, we) = self.roster(), self.story.skill_shares
        her = roster.traits("athlete", athlete)
        common = (float(np.sqrt(wa) * her.level
                        + np.sqrt(we) * roster.traits("event", event).level),
                  float(np.sqrt(wa) * her.style))
        st = self.structure(rng, common, (float(np.sqrt(1 - wa - we)), float(np.sqrt(1 - wa))))
        st["athlete"], st["event"] = athlete, event
        return self.scored(st, rng)

    def difficulty(self, st: dict[str, Any]) -> np.ndarray:
        """Each element's difficulty value: its type's base value and its grade."""
        g = self.story.grade_share
        return (1 - g) * self.base_values[st["types"]] + g * (2.0 + 0.6 * st["grade"])

    @functools.cached_property
    def calibration_draws(self) -> dict[str, np.ndarray]:
        """Every raw quantity over 2000 latent draws from a fixed seed."""
        rng = rng_for(self.name, self.stream, self.size, "calibration")
        draws = [self.raw(self.structure(rng)) for _ in range(2000)]
        return {key: np.array([d[key] for d in draws]) for key in draws[0]}

    def z(self, raw: dict[str, float], key: str) -> float:
        values = self.calibration_draws[key]
        return (raw[key] - float(values.mean())) / (float(values.std()) or 1.0)

    def threshold(self, key: str, rate: float) -> float:
        """Value of raw ``key`` exceeded by a fraction ``rate`` of the calibration draws."""
        return float(np.quantile(self.calibration_draws[key], 1 - rate))

    # ---------------------------------------------------------------------------- features
    def fill(self, latent: Latent, rng: np.random.Generator, out: np.ndarray) -> None:
        st = latent.private
        se, sa = self.story.offset_shares
        shared = None  # the v5 twins: no video shares a look with another
        if se or sa:
            roster = self.roster()
            shared = (np.float32(np.sqrt(se)) * roster.traits("event", st["event"]).look
                      + np.float32(np.sqrt(sa)) * roster.traits("athlete", st["athlete"]).look,
                      1 - se - sa)
        story = self.nuisance.latent(rng, out.shape[0], shared)
        self.add_signal(st, story)
        self.add_variation(st, rng, story)
        self.nuisance.emit(story, rng, out)

    def add_variation(self, st: dict[str, Any], rng: np.random.Generator, out: np.ndarray
                      ) -> None:
        """Signal drawn afresh per video (none in v5: it draws nothing here, so v5's bytes do
        not depend on it; the default irregular story's deviations: :mod:`twin_irregular`)."""

    def add_signal(self, st: dict[str, Any], out: np.ndarray) -> None:
        """Add the routine's content and quality signals to its latent ``[length, rank]``."""
        s = self.story
        g = np.float32(s.gain)
        out += g * s.presentation_amp * st["presentation"] * self.presentation_dir
        bounds = st["bounds"]
        for seg in range(len(bounds) - 1):
            a, b = int(bounds[seg]), int(bounds[seg + 1])
            if seg % 2 == 0:  # a linking movement
                out[a:b] += g * self.embed[-1]
                continue
            p = seg // 2
            k, q = int(st["types"][p]), float(st["quality"][p])
            out[a:b] += g * (self.embed[k] + s.quality_amp * q * self.quality_dirs[k]
                             + s.grade_amp * st["grade"][p] * self.grade_dirs[k])
            if q < self.fault_cut:  # a fall / a dropped apparatus: seen in the element's end
                out[b - 1] += g * s.fault_amp * self.fault_dir


# ------------------------------------------------------------------------------- RG
RG_STATS = {  # D, E, Total (mean, std, min, max) and share with a penalty, from SYNTHETIC.md
    "Ball": ((8.75, 2.08, 2.50, 14.50), (6.46, 1.35, 1.35, 9.20), (3.85, 23.70), 0.18),
    "Clubs": ((9.05, 2.39, 3.50, 14.80), (6.42, 1.30, 2.35, 9.20), (6.50, 24.00), 0.12),
    "Hoop": ((8.76, 2.30, 2.90, 14.80), (6.48, 1.29, 1.95, 9.27), (4.45, 23.65), 0.14),
    "Ribbon": ((7.65, 2.02, 1.90, 12.50), (6.24, 1.43, 1.55, 9.40), (5.35, 21.70), 0.14),
}
#: ``gain`` per apparatus: calibrated so that the ``ridge`` baseline (mean-pooled features, linear
#: head) lands near the published linear baseline, C3D+SVR in CoFInAl Tab. 1, on each apparatus
#: (``benchmarks/calibrate_twins.py``); nothing else was fitted to a score.
RG_GAINS = {"Ball": 0.218, "Clubs": 0.384, "Hoop": 0.353, "Ribbon": 0.369}
RG_STORY = Story(counts=(200, 50), lengths=(68, 77), elements=(9, 9), beta=0.5)


class RGTwin(RoutineTwin):
    #: seeds and caches the v5 bytes; registered as ``rg-synth-v5`` since 2026-12-07
    name = "rg-synth"
    extra_dtypes = {"difficulty": torch.float32, "execution": torch.float32,
                    "penalty": torch.float32}

    def __init__(self, subset: str, size: str) -> None:
        story = self.full_story(subset)
        super().__init__(subset, size, story if size == "full" else tiny(story))
        d, e, _total, self.penalty_rate = RG_STATS[subset]
        self.d_col = Column(*d, judge=0.8)
        self.e_col = Column(*e, judge=0.5)
        self.penalty_cut = self.fault_cut = -self.threshold("worst", self.penalty_rate)

    @staticmethod
    def full_story(subset: str) -> Story:
        return replace(RG_STORY, gain=RG_GAINS[subset])

    def raw(self, st: dict[str, Any]) -> dict[str, float]:
        q = st["quality"]
        return {"D": float(self.difficulty(st).sum()),
                "E": float(q.mean() + 0.5 * st["presentation"]),
                "worst": float(-q.min())}

    def scored(self, st: dict[str, Any], rng: np.random.Generator) -> Latent:
        raw = self.raw(st)
        d_clean = self.d_col.clean(self.z(raw, "D"))
        e_clean = self.e_col.clean(self.z(raw, "E"))
        penalty = 0.3 * int((st["quality"] < self.penalty_cut).sum())
        d = self.d_col.observe(d_clean, rng, 0.05)
        e = self.e_col.observe(e_clean, rng, 0.05)
        return Latent(length=st["length"], score=round(d + e - penalty, 2),
                      clean=d_clean + e_clean - penalty, private=st,
                      extras={"difficulty": d, "execution": e, "penalty": penalty})

    def video_id(self, split: str, index: int) -> str:
        return f"{self.subset}_{index + 1 + (self.counts[0] if split == 'test' else 0):03d}"


# ------------------------------------------------------------------------------- Fis-V
FISV_STATS = {"TES": (29.67, 6.45, 6.33, 42.81), "PCS": (27.11, 5.28, 10.48, 38.28)}
#: ``gain`` (elements) and ``presentation_amp`` calibrated on C3D+SVR's TES and PCS (Tab. 1)
#: together (TES and PCS score the same videos), alternating 3 times: ridge PCS 0.590 (published
#: 0.590), TES 0.435 (0.400) — the presentation that PCS needs already gives ridge about 0.43 on
#: TES (corr(TES, PCS) 0.77), so TES cannot come lower without dropping the elements' signal.
FISV_STORY = Story(counts=(400, 100), lengths=(124, 140), elements=(7, 7), beta=0.5,
                   gain=0.137, presentation_amp=0.730)
FALL_RATE = 0.24  # programmes with at least one deduction


class FisVTwin(RoutineTwin):
    #: seeds and caches the v5 bytes; registered as ``fisv-synth-v5`` since 2026-12-07
    name = "fisv-synth"
    per_subset_videos = False

    def __init__(self, subset: str, size: str) -> None:
        story = self.full_story(subset)
        super().__init__(subset, size, story if size == "full" else tiny(story))
        self.other = "pcs" if subset == "TES" else "tes"
        self.extra_dtypes = {"deductions": torch.float32, self.other: torch.float32}
        self.tes_col = Column(*FISV_STATS["TES"], judge=1.6)
        self.pcs_col = Column(*FISV_STATS["PCS"], judge=1.3)
        rng = rng_for(self.name, self.stream, self.size, "falls")  # share of programmes
        worst = [self.structure(rng)["quality"].min() for _ in range(2000)]  # with a fall
        self.fall_cut = self.fault_cut = float(np.quantile(worst, FALL_RATE))

    @staticmethod
    def full_story(subset: str) -> Story:
        return FISV_STORY

    def raw(self, st: dict[str, Any]) -> dict[str, float]:
        q = st["quality"]
        values = self.difficulty(st) + 0.5 * q
        values = np.where(q < self.fall_cut, 0.5 * values - 1.0, values)
        return {"TES": float(values.sum()),
                "PCS": float(st["presentation"] + 0.4 * q.mean())}

    def scored(self, st: dict[str, Any], rng: np.random.Generator) -> Latent:
        raw = self.raw(st)
        tes_clean = self.tes_col.clean(self.z(raw, "TES"))
        pcs_clean = self.pcs_col.clean(self.z(raw, "PCS"))
        tes = self.tes_col.observe(tes_clean, rng)
        pcs = self.pcs_col.observe(pcs_clean, rng)
        deductions = float((st["quality"] < self.fall_cut).sum() + (rng.random() < 0.01))
        if self.subset == "TES":
            score, clean, other = tes, tes_clean, pcs
        else:
            score, clean, other = pcs, pcs_clean, tes
        return Latent(length=st["length"], score=score, clean=clean, private=st,
                      extras={"deductions": deductions, self.other: other})

    def video_id(self, split: str, index: int) -> str:
        return str(index + 1 + (self.counts[0] if split == "test" else 0))
