"""M-LSTM: the multi-scale convolutional skip-LSTM branches of MS-LSTM (Xu et al., TCSVT'19).

Each branch is a temporal convolution at one scale followed by a Skip-LSTM (Campos et al.)::

    Y_k = BN(ReLU(Conv1d_{128->256}(X; kernel k, stride s)))       (k, s) in (2,1), (4,2), (8,4)
    v_k = SkipLSTM(Y_k)[last]                                       256-d

A branch's conv output has ``⌊(L - k) / s⌋ + 1`` windows lying wholly inside a video of
``L`` clips; later windows touch zero padding and are skipped (see :class:`SkipLSTM`). Inputs
shorter than the widest kernel are zero-padded to it (a video with no full window leaves that
branch at its initial state).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .lstm import SkipLSTM
from .slstm import valid_mask

SCALES: tuple[tuple[int, int], ...] = ((2, 1), (4, 2), (8, 4))  # (kernel, stride)


class ConvSkipLSTM(nn.Module):
    """One M-LSTM branch: ``X [B, T, C] -> (v [B, H], update rate [B])``."""

    def __init__(self, kernel: int, stride: int, channels: int = 128, filters: int = 256,
                 hidden: int = 256, straight_through: bool = True,
                 random_state: bool = False) -> None:
        super().__init__()
        self.kernel, self.stride = kernel, stride
        self.conv = nn.Conv1d(channels, filters, kernel, stride)
        self.norm = nn.BatchNorm1d(filters)
        self.lstm = SkipLSTM(filters, hidden, straight_through, random_state)

    def out_lengths(self, lengths: torch.Tensor) -> torch.Tensor:
        """Windows wholly inside each video: ``⌊(L - k) / s⌋ + 1`` (0 when ``L < k``)."""
        return torch.div(lengths - self.kernel, self.stride, rounding_mode="floor").add(1).clamp(
            min=0)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
        y = self.norm(F.relu(self.conv(x.transpose(1, 2)))).transpose(1, 2)  # [B, T', F]
        out_lengths = self.out_lengths(lengths)
        valid = None
        if bool((out_lengths < y.shape[1]).any()):
            valid = valid_mask(out_lengths, y.shape[1])
        return self.lstm(y, valid)


class MLSTM(nn.Module):
    """The three M-LSTM branches: ``X [B, T, C] -> ([v_k [B, H]] x 3, update rates [B, 3])``."""

    def __init__(self, channels: int = 128, filters: int = 256, hidden: int = 256,
                 straight_through: bool = True, random_state: bool = False) -> None:
        super().__init__()
        self.branches = nn.ModuleList(
            ConvSkipLSTM(k, s, channels, filters, hidden, straight_through, random_state)
            for k, s in SCALES
        )
        self.min_length = max(k for k, _ in SCALES)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor
                ) -> tuple[list[torch.Tensor], torch.Tensor]:
        if x.shape[1] < self.min_length:
            x = F.pad(x, (0, 0, 0, self.min_length - x.shape[1]))
        outputs = [branch(x, lengths) for branch in self.branches]
        return [v for v, _ in outputs], torch.stack([rate for _, rate in outputs], dim=1)
