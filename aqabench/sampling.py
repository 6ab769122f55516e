"""Batches from in-memory FeatureSets: train windows, full-length test sequences, exemplars.

Everything is index arithmetic on the padded ``[N, T_max, D]`` tensor — no per-sample Python
work and no loader processes. Randomness comes only from the ``torch.Generator`` passed in.

- Train: a random window of ``train_clips`` consecutive clips per video, start drawn uniformly
  from ``{0, ..., L - C}`` (the official GDLT/CoFInAl loaders never draw the last start; we do);
  a video shorter than the window is zero-padded at the end. ``train_clips = null`` keeps whole
  sequences.
- Test: every clip of every video (``test_clips = null``, the papers' protocol), videos of equal
  length evaluated together; with ``test_clips = C`` the centred window of C clips.
- Exemplars: drawn from the TRAINING split only, sharing ``exemplar_key`` (e.g. the dive number)
  with the query when given; at test a fresh generator with a fixed seed makes the choice the
  same at every evaluation.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import torch

from .api import Batch, FeatureSet

EVAL_EXEMPLAR_SEED_OFFSET = 1_000_003


def _targets(scores: torch.Tensor, config: Mapping[str, Any]) -> torch.Tensor:
    return (scores - float(config["score_shift"])) / float(config["score_scale"])


def window_batch(data: FeatureSet, rows: torch.Tensor, clips: int | None,
                 starts: torch.Tensor | None, config: Mapping[str, Any]) -> Batch:
    """Rows ``rows`` of ``data`` cut to ``clips`` clips from ``starts`` (``None``: whole)."""
    lengths = data.lengths[rows]
    if clips is None:
        width = int(lengths.max())
        features = data.features[rows, :width]
    else:
        if starts is None:
            starts = torch.zeros_like(lengths)
        offsets = starts[:, None] + torch.arange(clips)[None, :]
        inside = offsets < lengths[:, None]
        gathered = data.features[rows[:, None], offsets.clamp(max=data.features.shape[1] - 1)]
        features = gathered * inside[..., None].to(gathered.dtype)
        lengths = inside.sum(dim=1)
    return Batch(
        features=features,
        lengths=lengths,
        target=_targets(data.scores[rows], config),
        score=data.scores[rows],
        extras={k: v[rows] for k, v in data.extras.items()},
        index=rows,
    )


def random_starts(lengths: torch.Tensor, clips: int, generator: torch.Generator) -> torch.Tensor:
    """Uniform window starts in ``{0, ..., max(L - clips, 0)}``."""
    choices = (lengths - clips + 1).clamp(min=1)
    draw = torch.rand(lengths.shape, generator=generator, dtype=torch.float64)
    return (draw * choices).floor().long()


def centre_starts(lengths: torch.Tensor, clips: int) -> torch.Tensor:
    return ((lengths - clips).clamp(min=0) // 2).long()


class ExemplarPicker:
    """Chooses exemplars for queries from the training split only."""

    def __init__(self, train: FeatureSet, key: str | None) -> None:
        self.train = train
        self.key = key
        self.groups: dict[int, torch.Tensor] = {}
        if key is not None:
            values = train.extras[key]
            for value in torch.unique(values).tolist():
                self.groups[int(value)] = torch.nonzero(values == value).flatten()
        self.everyone = torch.arange(len(train))

    def candidates(self, group: int | None) -> torch.Tensor:
        if group is None or group not in self.groups:
            return self.everyone
        return self.groups[group]

    def pick(self, query_groups: list[int | None], exclude: list[int | None], count: int,
             generator: torch.Generator) -> torch.Tensor:
        """``count`` training indices per query, ``[B * count]``, never the query itself
        (unless it is the only candidate); fewer candidates than ``count`` are cycled."""
        chosen = []
        for group, own in zip(query_groups, exclude):
            pool = self.candidates(group)
            if own is not None and len(pool) > 1:
                pool = pool[pool != own]
            order = pool[torch.randperm(len(pool), generator=generator)]
            repeats = -(-count // len(order))
            chosen.append(order.repeat(repeats)[:count])
        return torch.cat(chosen)


def _query_groups(data: FeatureSet, rows: torch.Tensor, key: str | None) -> list[int | None]:
    if key is None:
        return [None] * len(rows)
    return [int(v) for v in data.extras[key][rows].tolist()]


def attach_exemplars(batch: Batch, data: FeatureSet, picker: ExemplarPicker, count: int,
                     is_train: bool, clips: int | None, generator: torch.Generator,
                     config: Mapping[str, Any]) -> Batch:
    rows = batch.index
    assert rows is not None
    exclude = rows.tolist() if is_train else [None] * len(rows)
    chosen = picker.pick(_query_groups(data, rows, picker.key), exclude, count, generator)
    starts = None
    if clips is not None:
        starts = random_starts(picker.train.lengths[chosen], clips, generator) if is_train \
            else centre_starts(picker.train.lengths[chosen], clips)
    batch.exemplars = window_batch(picker.train, chosen, clips, starts, config)
    batch.n_exemplars = count
    return batch


def train_batches(data: FeatureSet, config: Mapping[str, Any], generator: torch.Generator,
                  picker: ExemplarPicker | None = None) -> Iterator[Batch]:
    """One epoch of shuffled training batches (the last partial batch is kept)."""
    clips = config["train_clips"]
    order = torch.randperm(len(data), generator=generator)
    for rows in order.split(int(config["batch_size"])):
        starts = random_starts(data.lengths[rows], clips, generator) if clips else None
        batch = window_batch(data, rows, clips, starts, config)
        if picker is not None:
            batch = attach_exemplars(batch, data, picker, int(config["train_exemplars"]), True,
                                     clips, generator, config)
        yield batch


def test_batches(data: FeatureSet, config: Mapping[str, Any],
                 picker: ExemplarPicker | None = None, mix_lengths: bool = False
                 ) -> Iterator[Batch]:
    """Every test video once, full length (or centred ``test_clips``), equal lengths together;
    ``mix_lengths`` (models that mask padding) batches them in order of length instead."""
    clips = config["test_clips"]
    generator = torch.Generator().manual_seed(int(config["seed"]) + EVAL_EXEMPLAR_SEED_OFFSET)
    lengths = data.lengths if clips is None else data.lengths.clamp(max=clips)
    groups = [torch.sort(lengths, stable=True).indices] if mix_lengths else [
        torch.nonzero(lengths == length).flatten() for length in torch.unique(lengths).tolist()]
    for same in groups:
        for rows in same.split(int(config["eval_batch_size"])):
            starts = centre_starts(data.lengths[rows], clips) if clips else None
            batch = window_batch(data, rows, clips, starts, config)
            if picker is not None:
                batch = attach_exemplars(batch, data, picker, int(config["test_exemplars"]),
                                         False, clips, generator, config)
            yield batch
