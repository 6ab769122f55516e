"""Feature-based USDL and MUSDL (Tang et al., CVPR 2020): mean clip feature -> MLP -> softmax
over score bins, trained with the KL divergence to a Gaussian soft label (README §2-3).

- ``USDL``: one distribution over ``bins`` (101) values of the normalised final score
  (the harness's ``target``: ``[0, 1]`` under ``score_norm = minmax``); the score is its
  argmax.
- ``MUSDL``: one MLP per judge, each a distribution over ``judge_bins`` (21) values of that
  judge's score ``0 .. judge_max`` (10, steps of 0.5); the prediction is the panel's counted
  scores (``panel``: the middle three of seven, or the sum of all) times the difficulty degree
  (the ``difficulty`` extra), in raw points, then normalised like the target.

Neither model mixes videos in a batch; the mean over each video's valid clips ignores the
zero padding (``masks_padding``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from aqabench.api import AQAModel, Batch, DataInfo
from aqabench.errors import UsageError

from .choices import DECODERS, PANELS
from .distributions import decode, gaussian_targets, kl_loss


class ScoreMLP(nn.Module):
    """The official ``MLP_block``: ``D -> 256 -> 128 -> bins`` with ReLU; log-probabilities."""

    def __init__(self, feature_dim: int, bins: int, hidden: tuple[int, int] = (256, 128)):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(feature_dim, hidden[0]), nn.ReLU(),
                                 nn.Linear(hidden[0], hidden[1]), nn.ReLU(),
                                 nn.Linear(hidden[1], bins))

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        return torch.log_softmax(self.net(pooled), dim=-1)


def mean_clip(batch: Batch) -> torch.Tensor:
    """Each video's mean over its valid clips ``[B, D]`` (features are zero beyond lengths)."""
    lengths = batch.lengths.to(batch.features.device).clamp(min=1)
    return batch.features.sum(dim=1) / lengths.unsqueeze(1).to(batch.features.dtype)


def check_choice(name: str, value: Any, options: tuple[str, ...]) -> str:
    if value not in options:
        raise UsageError(f"{name} must be one of {', '.join(options)}, got {value!r}")
    return str(value)


class USDL(AQAModel):
    """One score distribution over the normalised final score."""

    masks_padding = True

    def __init__(self, feature_dim: int, bins: int = 101, sigma: float = 5.0,
                 decoder: str = "argmax") -> None:
        super().__init__()
        self.bins, self.sigma = bins, sigma
        self.decoder = check_choice("decode", decoder, DECODERS)
        self.head = ScoreMLP(feature_dim, bins)

    def forward(self, batch: Batch) -> dict[str, torch.Tensor]:
        log_probs = self.head(mean_clip(batch))
        return {"score": decode(log_probs, 1.0, self.decoder), "log_probs": log_probs}

    def loss(self, outputs: dict[str, torch.Tensor], batch: Batch) -> dict[str, torch.Tensor]:
        soft = gaussian_targets(batch.target, self.bins, 1.0, self.sigma)
        return {"loss": kl_loss(outputs["log_probs"], soft)}


class MUSDL(AQAModel):
    """One score distribution per judge; score = DD x the panel's counted scores."""

    masks_padding = True

    def __init__(self, feature_dim: int, judges: int, shift: float, scale: float,
                 bins: int = 21, judge_max: float = 10.0, sigma: float = 5.0,
                 decoder: str = "argmax", panel: str = "auto") -> None:
        super().__init__()
        if judges < 1:
            raise UsageError(f"judges must be at least 1, got {judges}")
        panel = check_choice("panel", panel, PANELS)
        if panel == "auto":
            panel = "middle3" if judges == 7 else "sum"
        if panel == "middle3" and judges != 7:
            raise UsageError(f"panel=middle3 drops two highest and two lowest of 7 judges, "
                             f"got judges={judges}")
        self.judges, self.bins, self.judge_max, self.sigma = judges, bins, judge_max, sigma
        self.shift, self.scale, self.panel = shift, scale, panel
        self.decoder = check_choice("decode", decoder, DECODERS)
        self.heads = nn.ModuleList(ScoreMLP(feature_dim, bins) for _ in range(judges))

    def counted(self, judge_scores: torch.Tensor) -> torch.Tensor:
        """Sum of the counted judge scores ``[B, J] -> [B]`` (diving: middle 3 of 7)."""
        if self.panel == "middle3":
            return judge_scores.sort(dim=1).values[:, 2:5].sum(dim=1)
        return judge_scores.sum(dim=1)

    def forward(self, batch: Batch) -> dict[str, torch.Tensor]:
        if "difficulty" not in batch.extras:
            raise UsageError("musdl multiplies by the difficulty degree: the dataset has no "
                             "'difficulty' extra")
        pooled = mean_clip(batch)
        log_probs = torch.stack([head(pooled) for head in self.heads], dim=1)  # [B, J, bins]
        judges = decode(log_probs, self.judge_max, self.decoder)
        difficulty = batch.extras["difficulty"].to(judges.dtype).reshape(-1)
        raw = self.counted(judges) * difficulty
        return {"score": (raw - self.shift) / self.scale, "judges": judges,
                "log_probs": log_probs}

    def loss(self, outputs: dict[str, torch.Tensor], batch: Batch) -> dict[str, torch.Tensor]:
        scores = batch.extras.get("judge_scores")
        if scores is None or scores.ndim != 2 or scores.shape[1] != self.judges:
            shape = None if scores is None else list(scores.shape)
            raise UsageError(f"musdl with judges={self.judges} needs judge_scores [B, "
                             f"{self.judges}], got {shape}")
        soft = gaussian_targets(scores, self.bins, self.judge_max, self.sigma)
        log_probs = outputs["log_probs"]
        per_judge = [kl_loss(log_probs[:, j], soft[:, j]) for j in range(self.judges)]
        return {"loss": torch.stack(per_judge).sum()}


def build_usdl(config: Mapping[str, Any], info: DataInfo) -> USDL:
    """USDL on ``info.feature_dim`` clip features."""
    return USDL(info.feature_dim, int(config["bins"]), float(config["sigma"]),
                str(config["decode"]))


def build_musdl(config: Mapping[str, Any], info: DataInfo) -> MUSDL:
    """MUSDL with ``config["judges"]`` heads; predictions normalised by the run's shift/scale."""
    return MUSDL(info.feature_dim, int(config["judges"]), float(config["score_shift"]),
                 float(config["score_scale"]), int(config["judge_bins"]),
                 float(config["judge_max"]), float(config["sigma"]), str(config["decode"]),
                 str(config["panel"]))
