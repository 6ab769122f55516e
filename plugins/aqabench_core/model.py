"""Feature-based CoRe (Yu et al., ICCV 2021): contrastive regression of the score DIFFERENCE
between a query and an exemplar with a group-aware regression tree.

Per pair: ``[f_e, f_q, y_e / θ]`` (exemplar feature, query feature, exemplar label over the
score range θ) -> tree -> ``Δ``; ``ŷ_q = y_e + Δ``, averaged over the exemplars at test. Both
directions are trained (``[f_q, f_e, y_q / θ]`` predicts ``y_e - y_q``). With
``per_difficulty`` (the official MTL-AQA ``usingDD``) the labels are ``score / DD`` and the
prediction is multiplied by the query's DD.

Deliberate differences from the paper / official code (README):
- the video feature is the masked mean of frozen pre-extracted per-frame features, where CoRe
  fine-tunes I3D end to end (lr x 0.1) and averages 10 clip features of 16 frames;
- the groups are built by the harness's ``prepare`` hook from the training labels of pairs that
  share the exemplar key (the code: same DD, or same DN with ``dive_number_choosing``), stored
  as buffers so a checkpoint keeps them;
- a difference beyond ±θ lands in the outermost leaf instead of in no leaf.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from aqabench.api import AQAModel, Batch, DataInfo, FeatureSet
from aqabench.errors import UsageError

from .tree import RegressionTree, group_edges, tree_loss, tree_prediction


def masked_mean(features: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """``[B, T, D]`` -> ``[B, D]``: the mean of each video's first ``lengths`` frames."""
    frames = torch.arange(features.shape[1], device=features.device)
    mask = (frames[None, :] < lengths[:, None]).to(features.dtype)[..., None]
    return (features * mask).sum(dim=1) / lengths.clamp(min=1)[:, None].to(features.dtype)


def pair_differences(labels: torch.Tensor, groups: torch.Tensor | None) -> torch.Tensor:
    """|y_i - y_j| over the pairs i < j of every group (all pairs when ``groups`` is None)."""
    keys = torch.zeros_like(labels, dtype=torch.long) if groups is None else groups
    parts = []
    for key in torch.unique(keys).tolist():
        values = labels[keys == key]
        upper = torch.triu_indices(len(values), len(values), offset=1)
        parts.append((values[upper[0]] - values[upper[1]]).abs())
    differences = torch.cat(parts)
    if not len(differences):
        raise UsageError("CoRe needs two training videos in one exemplar group")
    return differences


class CoRe(AQAModel):
    """Group-aware contrastive regression on a pooled video feature."""

    masks_padding = True
    edges: torch.Tensor  # [L/2 + 1] positive-half group edges (buffer, set by prepare)
    theta: torch.Tensor  # θ, the score range the exemplar label is divided by (buffer)

    def __init__(self, feature_dim: int, hidden: int = 256, depth: int = 5,
                 score_range: float | None = None, per_difficulty: bool = False) -> None:
        super().__init__()
        self.feature_dim, self.per_difficulty = feature_dim, per_difficulty
        self.fixed_range = score_range
        self.tree = RegressionTree(2 * feature_dim + 1, hidden, depth)
        self.register_buffer("edges", torch.zeros(self.tree.leaves // 2 + 1, dtype=torch.float64))
        self.register_buffer("theta", torch.ones((), dtype=torch.float64))

    # ------------------------------------------------------------------ labels and groups
    def labels(self, batch: Batch) -> torch.Tensor:
        """The regressed label: the target, or target / DD with ``per_difficulty``."""
        if not self.per_difficulty:
            return batch.target
        return batch.target / batch.extras["difficulty"].to(batch.target)

    def prepare(self, train: FeatureSet, config: Mapping[str, Any]) -> None:
        """Groups from the training label differences (Group_helper, symmetrical)."""
        target = (train.scores.double() - float(config["score_shift"])) \
            / float(config["score_scale"])
        if self.per_difficulty:
            target = target / train.extras["difficulty"].double()
        key = config.get("exemplar_key")
        groups = train.extras[key] if key is not None and key in train.extras else None
        theta = self.fixed_range if self.fixed_range is not None else float(target.abs().max())
        self.theta.fill_(theta)
        self.edges.copy_(group_edges(pair_differences(target, groups), self.tree.leaves, theta))

    # ------------------------------------------------------------------------- network
    def _tree(self, own: torch.Tensor, other: torch.Tensor, label: torch.Tensor
              ) -> tuple[torch.Tensor, torch.Tensor]:
        """The tree on ``[f_exemplar, f_query, y_exemplar / θ]`` (official order)."""
        theta = self.theta.to(own.dtype)
        return self.tree(torch.cat([own, other, (label / theta)[:, None]], dim=1))

    def forward(self, batch: Batch) -> dict[str, torch.Tensor]:
        ex, n = batch.exemplars, batch.n_exemplars
        if ex is None or n < 1:
            raise ValueError("CoRe needs exemplars (MethodSpec.needs has 'exemplars')")
        fq = masked_mean(batch.features, batch.lengths).repeat_interleave(n, dim=0)
        fe = masked_mean(ex.features, ex.lengths)
        ye = self.labels(ex)
        log_p, positions = self._tree(fe, fq, ye)
        relative = tree_prediction(log_p, positions, self.edges)
        label = (ye + relative).reshape(-1, n).mean(dim=1)
        score = label * batch.extras["difficulty"].to(label) if self.per_difficulty else label
        out = {"score": score, "log_p_qe": log_p, "positions_qe": positions}
        if self.training:
            yq = self.labels(batch).repeat_interleave(n)
            out["log_p_eq"], out["positions_eq"] = self._tree(fq, fe, yq)
        return out

    def loss(self, outputs: dict[str, torch.Tensor], batch: Batch) -> dict[str, torch.Tensor]:
        ex, n = batch.exemplars, batch.n_exemplars
        assert ex is not None
        yq, ye = self.labels(batch).repeat_interleave(n), self.labels(ex)
        cls_qe, reg_qe = tree_loss(outputs["log_p_qe"], outputs["positions_qe"], yq - ye,
                                   self.edges)
        cls_eq, reg_eq = tree_loss(outputs["log_p_eq"], outputs["positions_eq"], ye - yq,
                                   self.edges)
        cls, reg = cls_qe + cls_eq, reg_qe + reg_eq
        return {"loss": cls + reg, "cls": cls, "reg": reg}


def build(config: Mapping[str, Any], info: DataInfo) -> CoRe:
    per_difficulty = bool(config["per_difficulty"])
    if per_difficulty and float(config["score_shift"]) != 0.0:
        raise UsageError("per_difficulty needs score_shift = 0 (labels are divided by DD)")
    if per_difficulty and "difficulty" not in info.extras:
        raise UsageError(f"per_difficulty needs a 'difficulty' extra, which {info.dataset!r} "
                         "lacks")
    score_range = config["score_range"]
    return CoRe(info.feature_dim, hidden=int(config["hidden"]), depth=int(config["depth"]),
                score_range=None if score_range is None else float(score_range),
                per_difficulty=per_difficulty)
