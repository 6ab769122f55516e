"""MS-LSTM (Xu et al., "Learning to Score Figure Skating Sport Videos", TCSVT'19).

Clip features ``[B, T, D]`` -> shared embedding (1x1 conv D->128, ReLU, BN) -> S-LSTM (self-
attentive LSTM, :mod:`.slstm`) and M-LSTM (three convolutional Skip-LSTMs, :mod:`.mlstm`) ->
four 256-d vectors -> ReLU(Linear 256->64) each -> concat -> ReLU(Linear 256->64) -> Linear
64->1. Loss: MSE in raw score units + ``penalty_weight`` x the attention penalty (weight 1, as
the official code). The architecture, sizes and initialisation follow the official code
(chmxu/MS_LSTM; 3,054,724 parameters at D = 4096, 2,661,508 at D = 1024).

Deliberate differences from the official code (``variant="paper"``, the default):

1. The Skip-LSTM's binary update gate trains: ``round`` uses the straight-through estimator as
   in Campos et al.'s Skip RNN, which the paper adopts. In the official code ``round`` has zero
   gradient, so the update-gate weights never receive a gradient and the skip pattern stays at
   its random initialisation (nearly every step updates).
2. The Skip-LSTMs start from a zero state. The official code draws ``(c_0, h_0) ~ N(0, 1)`` anew
   on every forward pass, train and test, making predictions stochastic.
3. The label is the harness's subset (TES or PCS). The official loader shadowed its ``--pcs``
   flag until 2021-08, so TES runs trained and tested on PCS; here the label column is never
   chosen by this plugin.
4. The MSE is taken in raw score units (as the official code, which does not normalise scores)
   while the network predicts the harness's standardised target (``score_norm="standard"``):
   ``pred_raw = mean + std * out`` with the training labels' mean and std. The loss value, and
   so the weight of the penalty relative to it, equals the official one; only the output
   parameterisation differs. The official output starts near 0 against scores of 20-45, and
   with min-max targets (mean about 0.56) the network likewise spends its first epochs moving
   its output onto the labels: on the RG Ball twin (15 epochs, centred features, batch 32)
   test SRCC is 0.36 with min-max targets and 0.85 with standardised ones (README.md).
5. Padded clips are masked (zero attention; Skip-LSTM steps on windows touching padding are
   skipped), so a video's score does not depend on what it was batched with at train. The
   official code pads to 300 clips and masks nothing; BatchNorm statistics in train mode still
   see the padding, as there.

``variant="code"`` restores 1 and 2 (frozen gate, random initial state) for comparison with the
reported numbers. The official model also builds an ``nn.Dropout(0.7)`` that its forward never
calls: ``dropout`` (default 0, the official forward) applies one to the four branch vectors
before the fusion heads. The unused S-LSTM noise states of the official code are omitted (they
do not change the function).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from aqabench.api import AQAModel, Batch, DataInfo
from aqabench.errors import UsageError
from aqabench.layers import per_clip

from .macs import mslstm_macs
from .mlstm import MLSTM
from .slstm import SLSTM, attention_penalty, valid_mask

VARIANTS = ("paper", "code")


class Embedding(nn.Module):
    """Shared clip embedding: ``BN(ReLU(Conv1d_{D->C}(X; kernel 1)))`` (BN after the ReLU)."""

    def __init__(self, feature_dim: int, channels: int = 128) -> None:
        super().__init__()
        self.layers = nn.Sequential(OrderedDict(
            conv=nn.Conv1d(feature_dim, channels, kernel_size=1),
            relu=nn.ReLU(),
            norm=nn.BatchNorm1d(channels),
        ))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return per_clip(self.layers, x)  # the 1x1 conv as one GEMM over all clips


class Fusion(nn.Module):
    """``Linear_{64->1}(ReLU(Linear_{4·64->64}(concat_k ReLU(Linear_{256->64}(v_k)))))``."""

    def __init__(self, branches: int = 4, hidden: int = 256, width: int = 64,
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.branch_heads = nn.ModuleList(nn.Linear(hidden, width) for _ in range(branches))
        self.merge = nn.Linear(branches * width, width)
        self.score = nn.Linear(width, 1)

    def forward(self, vectors: list[torch.Tensor]) -> torch.Tensor:
        parts = [F.relu(head(self.dropout(v)))
                 for head, v in zip(self.branch_heads, vectors, strict=True)]
        return self.score(F.relu(self.merge(torch.cat(parts, dim=1)))).squeeze(1)


class MSLSTM(AQAModel):
    """S-LSTM + M-LSTM with late fusion; ``forward`` returns the normalised score."""

    masks_padding = True  # padded clips get no attention and padded Skip-LSTM steps skip

    def __init__(self, feature_dim: int, variant: str = "paper", penalty_weight: float = 1.0,
                 skip_budget: float = 0.0, score_scale: float = 1.0, dropout: float = 0.0,
                 channels: int = 128, hidden: int = 256, hops: int = 50) -> None:
        super().__init__()
        if variant not in VARIANTS:
            raise UsageError(f"mslstm variant must be one of {VARIANTS}, got {variant!r}")
        self.feature_dim, self.channels, self.hidden = feature_dim, channels, hidden
        self.hops = hops
        self.penalty_weight, self.skip_budget = penalty_weight, skip_budget
        self.score_scale = score_scale
        self.embed = Embedding(feature_dim, channels)
        self.slstm = SLSTM(channels, hidden, hops=hops)
        paper = variant == "paper"
        self.mlstm = MLSTM(channels, hidden, hidden, straight_through=paper,
                           random_state=not paper)
        self.fusion = Fusion(1 + len(self.mlstm.branches), hidden, dropout=dropout)

    def forward(self, batch: Batch) -> dict[str, torch.Tensor]:
        x = self.embed(batch.features)
        valid = None
        if bool((batch.lengths < x.shape[1]).any()):
            valid = valid_mask(batch.lengths, x.shape[1])
        v_s, attention = self.slstm(x, valid)
        v_m, update_rates = self.mlstm(x, batch.lengths)
        return {"score": self.fusion([*v_m, v_s]), "attention": attention,
                "update_rate": update_rates}

    def loss(self, outputs: dict[str, torch.Tensor], batch: Batch) -> dict[str, torch.Tensor]:
        mse = F.mse_loss(outputs["score"], batch.target) * self.score_scale ** 2
        penalty = attention_penalty(outputs["attention"])
        update_rate = outputs["update_rate"].mean()
        loss = mse + self.penalty_weight * penalty
        if self.skip_budget:
            loss = loss + self.skip_budget * update_rate
        return {"loss": loss, "mse_raw": mse.detach(), "penalty": penalty.detach(),
                "update_rate": update_rate.detach()}

    def extra_macs(self, batch: Batch) -> int:
        """0: every matmul/conv here is a torch op FlopCounterMode counts (see :mod:`.macs`)."""
        return 0

    def analytic_macs(self, length: int) -> int:
        """Closed-form MACs of one forward pass on a video of ``length`` clips."""
        return mslstm_macs(length, self.feature_dim, self.channels, self.hidden, hops=self.hops)


def build(config: Mapping[str, Any], info: DataInfo) -> MSLSTM:
    return MSLSTM(
        info.feature_dim,
        variant=str(config["variant"]),
        penalty_weight=float(config["penalty_weight"]),
        skip_budget=float(config["skip_budget"]),
        score_scale=float(config["score_scale"]),
        dropout=float(config["dropout"]),
    )
