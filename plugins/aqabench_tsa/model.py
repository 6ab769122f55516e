"""Feature-based TSA (Xu et al., CVPR 2022, FineDiving): procedure segmentation (PSNet) ->
stage pooling -> procedure-aware cross-attention -> fine-grained contrastive regression.

Per query-exemplar pair: PSNet gives both videos' trunks and transition probabilities; each
video's K = 3 stages are resampled to S = 5 steps (``seg_pool_1d``: linear interpolation); the
query's stage-k tokens attend to the exemplar's stage-k tokens (3 pre-norm cross-attention
blocks, width 64, 8 heads, one set of weights for every stage); a per-token MLP averaged over
the 15 tokens gives Δ, and ``ŝ_q = s_e + Δ``, averaged over the exemplars at test. Loss:
``MSE(Δ_qe, s_q - s_e) + MSE(Δ_eq, s_e - s_q) + L_tas``. Stages are cut at the TRUE
transitions while ``epoch / epochs <= tas_threshold`` (0.25), then at the PREDICTED ones of
both videos; always at the predicted ones at test.

Deliberate differences from the paper / official code (README):
- frozen pre-extracted per-frame features instead of I3D fine-tuned at lr x 0.1 (9 clips of 16
  frames); so no I3D feature maps: the cross-attention memory is the exemplar's own 5 stage
  tokens (the code uses its 5 x H x W spatial tokens of the same stage);
- PSNet runs along time on per-frame features (:mod:`aqabench_tsa.psnet`);
- boundaries are forced to ``1 <= t1 < t2 < L`` (the code clamps a predicted 0 to 1);
- at test an exemplar that appears twice in a batch goes through PSNet once (same numbers).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch.nn import functional as F

from aqabench.api import AQAModel, Batch, DataInfo
from aqabench.cross_attention import Decoder, TokenRegressor
from aqabench.errors import UsageError
from aqabench.layers import distinct_rows
from aqabench.stages import POOLINGS, decode_transitions, ordered, pool_stages

from .psnet import PSNet, transition_loss


class TSA(AQAModel):
    """Procedure-aware contrastive regression on per-frame features (K = 3 stages)."""

    def __init__(self, feature_dim: int, width: int = 64, heads: int = 8, blocks: int = 3,
                 steps: int = 5, ps_blocks: int = 5, tas_threshold: float = 0.25,
                 pooling: str = "linear") -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise UsageError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        self.feature_dim, self.steps, self.pooling = feature_dim, steps, pooling
        self.tas_threshold = tas_threshold
        self.psnet = PSNet(feature_dim, width, ps_blocks)
        self.decoder = Decoder(width, heads, blocks)
        self.regressor = TokenRegressor(width)
        self.true_boundaries = True  # the training phase (start_epoch sets it)

    def start_epoch(self, epoch: int, epochs: int) -> None:
        """``epoch / epochs <= tas_threshold``: pool at the true transitions (0-based epoch,
        as the official ``epoch / max_epoch <= prob_tas_threshold``)."""
        self.true_boundaries = epoch / max(epochs, 1) <= self.tas_threshold

    def forward(self, batch: Batch) -> dict[str, torch.Tensor]:
        ex, n = batch.exemplars, batch.n_exemplars
        if ex is None or n < 1:
            raise ValueError("TSA needs exemplars (MethodSpec.needs has 'exemplars')")
        # eval: an exemplar shared by several queries goes through PSNet once (BatchNorm
        # uses running statistics there, so the numbers are the same)
        rows = None if self.training else distinct_rows(ex.index, len(ex))
        ex_feats = ex.features if rows is None else ex.features[rows[0]]
        frames = max(batch.features.shape[1], ex_feats.shape[1])
        both = torch.cat([F.pad(batch.features, (0, 0, 0, frames - batch.features.shape[1])),
                          F.pad(ex_feats, (0, 0, 0, frames - ex_feats.shape[1]))])
        trunk, probs = self.psnet(both)
        (xq, xe), (pq, pe) = trunk.split([len(batch), len(ex_feats)]), \
            probs.split([len(batch), len(ex_feats)])
        if rows is not None:
            xe, pe = xe[rows[1]], pe[rows[1]]
        predicted = decode_transitions(pq, batch.lengths)
        if self.training and self.true_boundaries:
            bq = ordered(batch.extras["transitions"].long(), batch.lengths)
            be = ordered(ex.extras["transitions"].long(), ex.lengths)
        else:
            bq, be = predicted, decode_transitions(pe, ex.lengths)
        tq = pool_stages(self.pooling, xq, bq, batch.lengths, self.steps)
        tq = tq.repeat_interleave(n, dim=0)
        te = pool_stages(self.pooling, xe, be, ex.lengths, self.steps)
        delta_qe = self.regressor(self.decoder(tq, te))
        out = {"score": (ex.target + delta_qe).reshape(-1, n).mean(dim=1),
               "transitions": predicted, "delta_qe": delta_qe,
               "probs_query": pq, "probs_exemplar": pe}
        if self.training:
            out["delta_eq"] = self.regressor(self.decoder(te, tq))
        return out

    def loss(self, outputs: dict[str, torch.Tensor], batch: Batch) -> dict[str, torch.Tensor]:
        ex, n = batch.exemplars, batch.n_exemplars
        assert ex is not None
        query = batch.target.repeat_interleave(n)
        reg = F.mse_loss(outputs["delta_qe"], query - ex.target) \
            + F.mse_loss(outputs["delta_eq"], ex.target - query)
        probs = torch.cat([outputs["probs_query"], outputs["probs_exemplar"]])
        lengths = torch.cat([batch.lengths, ex.lengths])
        truth = torch.cat([ordered(batch.extras["transitions"].long(), batch.lengths),
                           ordered(ex.extras["transitions"].long(), ex.lengths)])
        seg = transition_loss(probs, lengths, truth)
        return {"loss": reg + seg, "reg": reg, "seg": seg}


def build(config: Mapping[str, Any], info: DataInfo) -> TSA:
    return TSA(info.feature_dim, width=int(config["width"]), heads=int(config["heads"]),
               blocks=int(config["blocks"]), steps=int(config["steps"]),
               ps_blocks=int(config["ps_blocks"]), tas_threshold=float(config["tas_threshold"]),
               pooling=str(config["pooling"]))
