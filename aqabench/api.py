"""The contract plugin authors implement: spec dataclasses and the data containers.

A plugin registers *specs* (frozen dataclasses). Each spec names a lazy factory — a callable or
a ``"module:attr"`` string — so listing plugins never imports heavy code, and a broken method
fails only when it is selected.

Data flows as :class:`FeatureSet` (one split held in memory as tensors) and :class:`Batch`
(what a method's ``forward`` and ``loss`` receive). Methods implement :class:`AQAModel`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from .specs import (  # noqa: F401  (re-exported: plugins import specs from aqabench.api)
    CAPABILITIES,
    HARNESS_NEEDS,
    KNOWN_NEEDS,
    BackboneSpec,
    DataRequest,
    DatasetSpec,
    Factory,
    MethodSpec,
    dataset_family,
    resolve_factory,
    unsupported,
)


# ---------------------------------------------------------------------------------------- data
@dataclass
class FeatureSet:
    """One split held in memory: padded clip features, lengths, raw scores and extras.

    ``features`` is ``[N, T_max, D]`` float32 (zero beyond each ``lengths[i]``), ``scores`` is
    ``[N]`` in the dataset's raw units, ``extras`` maps names to ``[N, ...]`` tensors (e.g.
    ``difficulty``, ``dive_number`` as integer codes, ``transitions`` ``[N, 2]``).
    """

    ids: tuple[str, ...]
    features: torch.Tensor
    lengths: torch.Tensor
    scores: torch.Tensor
    extras: dict[str, torch.Tensor] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.ids)
        if self.features.ndim != 3 or self.features.shape[0] != n:
            raise ValueError(f"features must be [N={n}, T, D], got {tuple(self.features.shape)}")
        if self.lengths.shape != (n,) or self.scores.shape != (n,):
            raise ValueError("lengths and scores must be [N]")
        for key, value in self.extras.items():
            if value.shape[0] != n:
                raise ValueError(f"extra {key!r} has {value.shape[0]} rows, expected {n}")

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def feature_dim(self) -> int:
        return int(self.features.shape[2])

    def subset(self, index: torch.Tensor) -> FeatureSet:
        """Rows ``index`` of this split (a new FeatureSet sharing no storage)."""
        return FeatureSet(
            ids=tuple(self.ids[i] for i in index.tolist()),
            features=self.features[index],
            lengths=self.lengths[index],
            scores=self.scores[index],
            extras={k: v[index] for k, v in self.extras.items()},
        )

    @classmethod
    def from_sequences(
        cls,
        ids: list[str],
        sequences: list[torch.Tensor],
        scores: list[float] | torch.Tensor,
        extras: Mapping[str, torch.Tensor] | None = None,
    ) -> FeatureSet:
        """Pad variable-length ``[T_i, D]`` sequences into one FeatureSet."""
        if not sequences:
            raise ValueError("no sequences")
        lengths = torch.tensor([s.shape[0] for s in sequences], dtype=torch.long)
        dim = sequences[0].shape[1]
        features = torch.zeros(len(sequences), int(lengths.max()), dim, dtype=torch.float32)
        for i, seq in enumerate(sequences):
            features[i, : seq.shape[0]] = seq
        return cls(
            ids=tuple(ids),
            features=features,
            lengths=lengths,
            scores=torch.as_tensor(scores, dtype=torch.float32),
            extras=dict(extras or {}),
        )


@dataclass(frozen=True)
class DataInfo:
    """What a method is told about the data when it is built."""

    dataset: str
    subset: str | None
    feature_dim: int
    score_min: float  # over the training labels
    score_max: float
    train_size: int
    test_size: int
    max_length: int
    backbone: str = "precomputed"
    extras: tuple[str, ...] = ()
    #: Number of distinct values of integer-coded extras (e.g. ``{"dive_number": 52}``).
    cardinalities: Mapping[str, int] = field(default_factory=dict)
    #: Dataset metadata (e.g. the twin's oracle ``ceiling``), recorded with every run.
    meta: Mapping[str, Any] = field(default_factory=dict)
    #: Mean and standard deviation of the training labels (None where no labels were read).
    score_mean: float | None = None
    score_std: float | None = None


@dataclass
class DataBundle:
    """A dataset loader's answer: the official train/test split plus metadata."""

    train: FeatureSet
    test: FeatureSet
    meta: dict[str, Any] = field(default_factory=dict)
    backbone: str = "precomputed"
    split_id: str = "official"

    def info(self, dataset: str, subset: str | None) -> DataInfo:
        cardinalities = {
            key: int(torch.cat([self.train.extras[key], self.test.extras[key]]).max()) + 1
            for key, value in self.train.extras.items()
            if not value.is_floating_point() and value.ndim == 1 and key in self.test.extras
        }
        return DataInfo(
            dataset=dataset,
            subset=subset,
            feature_dim=self.train.feature_dim,
            score_min=float(self.train.scores.min()),
            score_max=float(self.train.scores.max()),
            score_mean=float(self.train.scores.double().mean()),
            score_std=float(self.train.scores.double().std(correction=0)),
            train_size=len(self.train),
            test_size=len(self.test),
            max_length=int(max(self.train.lengths.max(), self.test.lengths.max())),
            backbone=self.backbone,
            extras=tuple(sorted(self.train.extras)),
            cardinalities=cardinalities,
            meta=dict(self.meta),
        )


@dataclass
class Batch:
    """What a method sees. Targets are normalised: ``target = (score - shift) / scale``.

    ``features`` ``[B, T, D]``; ``lengths`` ``[B]`` (valid clips; the rest is zero padding);
    ``extras`` as in :class:`FeatureSet`; ``exemplars`` (methods that need them) is a Batch of
    ``B * n_exemplars`` training samples, exemplar ``j`` of query ``i`` at row ``i * n + j``.
    """

    features: torch.Tensor
    lengths: torch.Tensor
    target: torch.Tensor
    score: torch.Tensor
    extras: dict[str, torch.Tensor] = field(default_factory=dict)
    index: torch.Tensor | None = None
    exemplars: Batch | None = None
    n_exemplars: int = 0

    def to(self, device: torch.device | str) -> Batch:
        tensors = ("features", "lengths", "target", "score")
        changes: dict[str, Any] = {name: getattr(self, name).to(device) for name in tensors}
        changes["extras"] = {k: v.to(device) for k, v in self.extras.items()}
        if self.exemplars is not None:
            changes["exemplars"] = self.exemplars.to(device)
        return dataclasses.replace(self, **changes)

    def __len__(self) -> int:
        return int(self.features.shape[0])


class AQAModel(nn.Module):
    """Base class of a method's network.

    Subclasses implement ``forward(batch) -> dict`` whose ``"score"`` entry is the ``[B]``
    prediction in normalised units, and ``loss(outputs, batch) -> dict`` whose ``"loss"`` entry
    is the scalar to minimise (other entries are logged). They may add ``"transitions"``
    (``[B, 2]`` predicted stage boundaries, for AIoU) and anything else to the outputs.
    """

    #: True if, in eval mode, a video's outputs do not depend on the zero padding after its
    #: ``lengths`` (the model masks it). The harness then evaluates test videos of different
    #: lengths together in padded batches instead of one batch per distinct length.
    masks_padding: bool = False

    def loss(self, outputs: dict[str, torch.Tensor], batch: Batch) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def prepare(self, train: FeatureSet, config: Mapping[str, Any]) -> None:
        """Optional: called once before the first epoch with the TRAINING split (raw scores;
        ``config`` holds ``score_shift``/``score_scale``), e.g. CoRe's groups built from the
        training score differences. Store what it derives in buffers, so checkpoints keep it.
        The test split is never passed."""

    def start_epoch(self, epoch: int, epochs: int) -> None:
        """Optional: called before training epoch ``epoch`` (0-based) of ``epochs``, e.g. TSA's
        switch from true to predicted stage boundaries after a fraction of training."""

    def param_groups(self, config: Mapping[str, Any]) -> list[dict[str, Any]] | None:
        """Optional optimiser parameter groups (e.g. a lower lr for a sub-module)."""
        return None

    def extra_macs(self, batch: Batch) -> int:
        """Multiply-accumulates no counter sees, for one forward: hand-written recurrences or
        custom kernels. (nn.LSTM/GRU/RNN and their cells are counted by aqabench.profile.)"""
        return 0

    def prepare_inference(self) -> AQAModel:
        """An eval-only model with this one's outputs, faster to run (default: ``self``).

        Override to return exact re-expressions of the trained network (BatchNorm folded into
        the preceding GEMM, work on constant inputs precomputed, fused attention kernels): in
        eval mode they must give the same outputs (to 1e-6) on any batch. The harness calls it
        in eval mode, under ``torch.no_grad``, on a trained model, and only to time or run
        inference; the result is a snapshot (retrain, prepare again) and never trained, so
        the training graph, its parameters, MACs and run records are unchanged. Call it
        through :func:`aqabench.inference.prepare`, which passes an eval-mode deep copy: the
        hook may then modify or reuse ``self``'s modules (not to be confused with
        :meth:`prepare`, which sees the training split before training).
        """
        return self


class Backbone:
    """A frozen clip-feature extractor: ``frames [F, H, W, 3] uint8 -> [clips, feature_dim]``."""

    feature_dim: int
    clip_len: int

    def extract(self, frames: torch.Tensor) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError
