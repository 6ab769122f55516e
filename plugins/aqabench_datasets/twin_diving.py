"""Twin of FineDiving: ``finediving-synth`` (per-frame features, dive numbers, stages).

Generative story (one clip, from its own seeded generator; numbers from finediving.md):

1. A world of 52 dive numbers (DN) in six families (forward, back, reverse, inward, twist,
   armstand, in FineDiving's proportions) with a difficulty degree (DD) each, drawn from the
   real DD histogram (higher DNs of a family get higher DDs) and Zipf-like frequencies.
2. Per clip: a DN (so its DD and family), two transitions on the 96-frame grid,
   ``t1 ~ N(28.6, 9)`` clipped to 1..58 and ``t2 = t1 + N(33.7, 7)`` clipped to 35..88
   (stage 1 = take-off ``[0, t1)``, stage 2 = flight ``[t1, t2)``, stage 3 = entry
   ``[t2, 96)``), a skill ``s`` and three stage qualities ``q_j = ρ·s + √(1-ρ²)·ε_j``.
3. Judging: the execution latent ``e = (0.2 q1 + 0.4 q2 + 0.4 q3) / σ`` (flight and entry
   matter most); each of three judges gives ``μ + 1.0·e + N(0, 0.9)`` on the 0-10 scale rounded
   to 0.5; score = DD × (sum of the three), as for FineDiving's 3-judge events (the three are
   the ``judge_scores`` extra, ``[N, 3]``: all zero for a failed dive). The noise-free
   score is DD × 3 × clip(μ + 1.0·e). About 1 clip in 1500 is a failed dive (score 0, a very
   bad entry in the features), as the real set has two.
4. Per-frame features (``dim`` 368, like MCoRe's RegNetY-style backbone): a strong per-clip
   offset (venue / camera) + a slow low-rank random walk + a stage embedding (take-off: the
   family's; flight: the DN's own, which is what reveals the DD; entry: shared) + a WEAK
   quality signal ``α·q_j·u_{j,family}`` inside stage ``j`` only + white noise. Mean pooling
   mixes the stages in proportions that vary clip to clip; aligning stages (MCoRe, TSA) and
   contrasting with same-DN exemplars recovers the execution.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from .twin_cache import Latent, rng_for

FRAMES = 96
DD_HISTOGRAM = {1.5: 1, 1.6: 19, 1.8: 7, 1.9: 26, 2.0: 245, 2.1: 8, 2.3: 2, 2.4: 10, 2.6: 8,
                2.7: 38, 2.8: 124, 2.9: 77, 3.0: 600, 3.1: 128, 3.2: 558, 3.3: 220, 3.4: 365,
                3.5: 144, 3.6: 213, 3.7: 84, 3.8: 86, 3.9: 30, 4.1: 7}
#: family digit -> (clips in FineDiving, number of DNs in the twin's 52)
FAMILIES = {1: (563, 10), 2: (521, 9), 3: (461, 8), 4: (569, 10), 5: (641, 11), 6: (245, 4)}
POSITIONS = "bcd"  # pike, tuck, free (a = straight is rare)


@dataclass(frozen=True)
class DivingStory:
    counts: tuple[int, int] = (2251, 749)
    dim: int = 368
    dive_numbers: int = 52
    rho: float = 0.5
    judge_mean: float = 7.1
    judge_spread: float = 1.0
    judge_noise: float = 0.9
    fail_rate: float = 1 / 1500
    stage_scale: float = 0.5
    quality_amp: float = 0.08
    offset_scale: float = 1.3
    walk_scale: float = 0.2
    walk_rank: int = 8
    noise: float = 1.0


FULL = DivingStory()
TINY = replace(FULL, counts=(64, 32), dim=32, dive_numbers=6, quality_amp=0.6)
WEIGHTS = np.array([0.2, 0.4, 0.4])


def dive_table(rng: np.random.Generator) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """52 DNs: names, families, DDs, sampling frequencies (a fixed, seeded world)."""
    values = np.array(list(DD_HISTOGRAM))
    freq = np.array(list(DD_HISTOGRAM.values()), dtype=np.float64)
    names, families, dds, weights = [], [], [], []
    for family, (clips, count) in FAMILIES.items():
        drawn = np.sort(rng.choice(values, size=count, p=freq / freq.sum()))
        zipf = 1.0 / np.arange(1, count + 1) ** 0.9
        zipf = rng.permutation(zipf / zipf.sum()) * clips
        for j in range(count):
            half_turns = 1 + j // len(POSITIONS)
            pos = POSITIONS[j % len(POSITIONS)]
            core = f"{family}0{half_turns}" if family < 5 else f"{family}{1 + j % 4}{half_turns}"
            names.append(f"{core}{pos}")
            families.append(family - 1)
            dds.append(drawn[j])
            weights.append(zipf[j])
    return names, np.array(families), np.array(dds), np.array(weights) / np.sum(weights)


class DivingTwin:
    name = "finediving-synth"
    world_name = "finediving-synth"  # the world (dive table, embeddings) a variant shares
    extra_dtypes = {"dive_number": torch.long, "difficulty": torch.float32,
                    "transitions": torch.long, "judge_scores": torch.float32}

    def __init__(self, size: str, story: DivingStory | None = None) -> None:
        self.subset, self.stream, self.size = None, None, size
        self.story = s = story or (FULL if size == "full" else TINY)
        self.dim, self.counts = s.dim, s.counts
        world = rng_for(self.world_name, size, "world")
        names, families, dds, weights = dive_table(world)
        keep = np.sort(np.argsort(-weights)[: s.dive_numbers])  # tiny: the most frequent DNs
        self.dn_names = [names[i] for i in keep]
        self.families, self.dds = families[keep], dds[keep]
        self.dn_weights = weights[keep] / weights[keep].sum()
        d = s.dim
        self.takeoff = (s.stage_scale * world.standard_normal((6, d))).astype(np.float32)
        self.flight = (s.stage_scale * world.standard_normal((len(keep), d))).astype(np.float32)
        self.entry = (s.stage_scale * world.standard_normal(d)).astype(np.float32)
        self.quality_dirs = world.standard_normal((3, 6, d)).astype(np.float32)
        self.walk_basis = world.standard_normal((s.walk_rank, d)).astype(np.float32)
        spread = (WEIGHTS**2).sum() * (1 - s.rho**2) + WEIGHTS.sum() ** 2 * s.rho**2
        self.exec_std = float(np.sqrt(spread))  # std of the weighted stage qualities

    def latent(self, rng: np.random.Generator, split: str = "", index: int = 0) -> Latent:
        s = self.story
        event = self.event_of(split, index)
        dn = self.choose_dive(rng, event)
        t1 = int(np.clip(round(rng.normal(28.6, 9.0)), 1, 58))
        t2 = int(np.clip(t1 + round(rng.normal(33.7, 7.0)), max(35, t1 + 4), 88))
        skill = self.draw_skill(rng, event, dn)
        quality = s.rho * skill + np.sqrt(1 - s.rho**2) * rng.standard_normal(3)
        failed = bool(rng.random() < s.fail_rate)
        if failed:
            quality[2] = -5.0
        execution = float(WEIGHTS @ quality) / self.exec_std
        mean = float(np.clip(s.judge_mean + s.judge_spread * execution, 0.0, 10.0))
        judges = np.clip(np.round(2 * (mean + s.judge_noise * rng.standard_normal(3))) / 2, 0, 10)
        dd = float(self.dds[dn])
        score = 0.0 if failed else round(dd * float(judges.sum()), 2)
        clean = 0.0 if failed else dd * 3 * mean
        panel = [0.0, 0.0, 0.0] if failed else [float(j) for j in judges]
        return Latent(length=FRAMES, score=score, clean=clean,
                      extras={"dive_number": dn, "difficulty": dd, "transitions": [t1, t2],
                              "judge_scores": panel},
                      private={"quality": quality, "event": event})

    def fill(self, latent: Latent, rng: np.random.Generator, out: np.ndarray) -> None:
        s = self.story
        length, dim = out.shape
        dn = latent.extras["dive_number"]
        family = int(self.families[dn])
        t1, t2 = latent.extras["transitions"]
        quality = latent.private["quality"]
        out[:] = rng.standard_normal((length, dim), dtype=np.float32)
        out *= s.noise
        out += self.clip_offset(latent, rng, dim)
        steps = rng.standard_normal((length, s.walk_rank), dtype=np.float32) * s.walk_scale
        out += np.cumsum(steps, axis=0) @ self.walk_basis
        stages = ((0, t1, self.takeoff[family]), (t1, t2, self.flight_embedding(dn)),
                  (t2, length, self.entry))
        for j, (a, b, embedding) in enumerate(stages):
            out[a:b] += embedding + s.quality_amp * quality[j] * self.quality_dirs[j, family]

    # ------------------------------------------------------- what a variant of the story changes
    def event_of(self, split: str, index: int) -> int | None:
        """The event (competition round) of a clip: none here, every clip stands alone."""
        return None

    def choose_dive(self, rng: np.random.Generator, event: int | None) -> int:
        """The clip's dive number, by the world's frequencies."""
        return int(rng.choice(len(self.dn_weights), p=self.dn_weights))

    def draw_skill(self, rng: np.random.Generator, event: int | None, dn: int) -> float:
        """The diver's skill on the day, standard normal, shared by the three stages."""
        return float(rng.standard_normal())

    def clip_offset(self, latent: Latent, rng: np.random.Generator, dim: int) -> np.ndarray:
        """The clip's constant offset (venue, camera)."""
        return self.story.offset_scale * rng.standard_normal(dim, dtype=np.float32)

    def flight_embedding(self, dn: int) -> np.ndarray:
        """What the flight stage of dive ``dn`` looks like (the dive's own embedding)."""
        return self.flight[dn]

    def video_id(self, split: str, index: int) -> str:
        return f"synth_{split}_{index:04d}"
