"""Procedure segmentation (MCoRe "PSNet"): bi-GRU -> per-frame transition logits.

mcore.md §3. For J = K - 1 transitions the network scores, for every frame t, "frame t is
transition j". Training uses a cross-entropy whose classes are the frames (softmax over TIME),
the last transition weighted 2 (the official code's target value 2):

    L_seg = 1 / (J * N) * sum_n sum_j  w_j * -log softmax_t(z_n[:, j])[t_j,n],   w = (1, 2)

averaged over all N videos of the batch (queries and exemplars). At test each transition is the
arg-max of its logits inside its own window ``[j L / J, (j + 1) L / J)`` of the video's length L;
a boundary of 0 becomes 1 so that no stage is empty (:mod:`aqabench.stages`, shared with TSA).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

#: Weights of the two transitions in L_seg (mcore.md §3: the second one counts twice).
TRANSITION_WEIGHTS = (1.0, 2.0)


def run_gru(gru: nn.GRU, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """``[B, T, D] -> [B, T, H]``; packed only when the batch mixes lengths (padding unseen)."""
    if bool((lengths == x.shape[1]).all()):
        return gru(x)[0]
    packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    return pad_packed_sequence(gru(packed)[0], batch_first=True, total_length=x.shape[1])[0]


class ProcedureSegmentation(nn.Module):
    """Bidirectional GRU (width -> width per direction) + dropout + per-frame linear to J."""

    def __init__(self, width: int, transitions: int = 2, dropout: float = 0.5) -> None:
        super().__init__()
        self.gru = nn.GRU(width, width, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(2 * width, transitions)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Transition logits ``[B, T, J]`` (frames beyond ``lengths`` are masked later)."""
        return self.head(self.dropout(run_gru(self.gru, x, lengths)))


def _valid(logits: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """``[B, T, 1]`` mask of the real frames."""
    frames = torch.arange(logits.shape[1], device=logits.device)
    return (frames[None, :] < lengths[:, None])[..., None]


def segmentation_loss(logits: torch.Tensor, lengths: torch.Tensor, transitions: torch.Tensor,
                      weights: tuple[float, ...] = TRANSITION_WEIGHTS) -> torch.Tensor:
    """Per-video L_seg ``[B]``: weighted softmax-over-time CE, averaged over the J transitions."""
    masked = logits.masked_fill(~_valid(logits, lengths), float("-inf"))
    log_p = torch.log_softmax(masked, dim=1)  # classes = frames
    picked = log_p.gather(1, transitions[:, None, :]).squeeze(1)  # [B, J]
    w = torch.tensor(weights, dtype=logits.dtype, device=logits.device)
    return -(picked * w).mean(dim=1)
