"""Who performs where: the athletes and events a routine twin's videos are drawn from.

A real long-routine dataset is not a set of independent videos. Fis-V's 500 short programmes
(``fs_dataset.csv`` in chmxu/MS_LSTM, the dataset's own metadata) come from 38 events (4-36
programmes each) and 148 skaters (1-16 programmes each, 3.4 on average); its random train/test
split puts 87 of the 100 test programmes with a skater seen in training and all 100 at an event
seen in training. Scores follow the skater: the skater's mean explains 78 % of the TES variance
and 90 % of PCS (between-event: 42 % / 51 %), and on the real test split a predictor that only
knows who skates (her mean training score) reaches SRCC 0.61 on TES and 0.87 on PCS, the event's
mean 0.50 / 0.53 (``benchmarks/twin_roster.py`` prints these from the csv and the twins' figures
beside them). What a video's features share with other videos — the venue, camera and broadcast
of its event, the athlete's look — is therefore shared with videos of similar scores, and a
model that recognises the athlete generalises to the test split. A twin whose per-video offset
is unique to every video and independent of its score cannot show that.

The roster: videos are assigned to athletes and to events by two Chinese-restaurant processes
(exchangeable, so a random split and the twins' "first N train" split are the same in
distribution), with concentrations fitted to Fis-V's counts (148 skaters and 38 events among
500 programmes); the RG twins, whose dataset publishes no athlete or event, reuse them. Each
athlete has a persistent skill and each event a level (the ``skill_shares`` of a video's skill;
the rest is the day's form; the athlete's share also of the presentation apart from skill, her
style), fitted to the between-skater and between-event shares above; each
also has a look in the features (``offset_shares`` of the per-video offset's variance: event,
athlete, the video's own). The offset's split is not measured (no released features come with
athlete ids); equal thirds is the assumption, stated in docs/datasets.md.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr

from .twin_cache import rng_for

#: CRP concentrations giving 148 athletes and 38 events among 500 videos (Fis-V).
ATHLETE_CONCENTRATION = 70.5
EVENT_CONCENTRATION = 9.45


class ChineseRestaurant:
    """Tables of customers 0, 1, 2, ...: customer ``i`` opens a new table with probability
    ``α / (α + i)``, else joins a table with probability ∝ its size. Drawn lazily from one
    generator, so the first ``n`` seats never depend on how many are asked for later."""

    def __init__(self, rng: np.random.Generator, concentration: float) -> None:
        self.rng, self.concentration = rng, concentration
        self.seats: list[int] = []
        self.sizes: list[int] = []

    def table(self, customer: int) -> int:
        while len(self.seats) <= customer:
            i = len(self.seats)
            if self.rng.random() * (self.concentration + i) < self.concentration:
                self.sizes.append(0)
                table = len(self.sizes) - 1
            else:
                cumulative = np.cumsum(self.sizes)
                table = int(np.searchsorted(cumulative, self.rng.random() * i, side="right"))
            self.sizes[table] += 1
            self.seats.append(table)
        return self.seats[customer]


@dataclass(frozen=True)
class Traits:
    """An athlete's skill or an event's level, an athlete's style (her presentation apart from
    her skill: skating skills, artistry), both standard normal, and the look ``[rank]``."""

    level: float
    style: float
    look: np.ndarray


class Roster:
    """Athlete and event of every video of one population (video ``i``: train videos first,
    then test), and their traits, all from ``seed``."""

    def __init__(self, seed: int, rank: int) -> None:
        self.seed, self.rank = seed, rank
        self.athletes = ChineseRestaurant(rng_for(seed, "athletes"), ATHLETE_CONCENTRATION)
        self.events = ChineseRestaurant(rng_for(seed, "events"), EVENT_CONCENTRATION)

    def member(self, video: int) -> tuple[int, int]:
        return self.athletes.table(video), self.events.table(video)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 (rosters live as long as their twin)
    def traits(self, kind: str, index: int) -> Traits:
        rng = rng_for(self.seed, kind, index)
        level, style = (float(x) for x in rng.standard_normal(2))
        return Traits(level, style, rng.standard_normal(self.rank).astype(np.float32))


def between_share(values: np.ndarray, groups: np.ndarray) -> float:
    """Share of ``values``' variance between the means of ``groups`` (the same statistic on the
    real csv and on a twin)."""
    values = np.asarray(values, dtype=np.float64)
    groups = np.asarray(groups, dtype=np.int64)
    means = np.bincount(groups, weights=values) / np.maximum(np.bincount(groups), 1)
    centred = values - values.mean()
    return float(((means[groups] - values.mean()) ** 2).sum() / (centred**2).sum())


def group_mean_srcc(values: np.ndarray, groups: np.ndarray, test: np.ndarray) -> float:
    """Test SRCC of scoring each test video by its group's mean training value (athlete or
    event; no video seen), over the test videos whose group has training videos."""
    train = ~test
    means = {g: values[train][groups[train] == g].mean() for g in np.unique(groups[train])}
    seen = np.isin(groups[test], groups[train])
    predicted = [means[g] for g in groups[test][seen]]
    return float(spearmanr(predicted, values[test][seen])[0])
