"""S-LSTM: the self-attentive LSTM branch of MS-LSTM (Xu et al., TCSVT'19).

The clip embeddings ``X`` ``[B, T, 128]`` are summarised by ``r = 50`` attention "hops" — the
structured self-attentive embedding of Lin et al. (ICLR'17, d_a = 64) — and an LSTM reads the
50 weighted sums as a sequence::

    A = softmax_T(W_s2 tanh(W_s1 Xᵀ))        r x T, softmax over time (no biases)
    M = BN(A X)                               r x 128 (BatchNorm1d over the 128 channels)
    v = LSTM(M)[last]                         256-d, zero initial state
    P = ‖A Aᵀ − I_r‖²_F                       the redundancy penalty, averaged over the batch

Padded clips (beyond ``lengths``) get zero attention; at test the harness never pads.
"""

from __future__ import annotations

import torch
from torch import nn

from .lstm import LSTM


def valid_mask(lengths: torch.Tensor, steps: int) -> torch.Tensor:
    """``[B, steps]`` bool, True for the first ``lengths[b]`` steps."""
    return torch.arange(steps, device=lengths.device)[None, :] < lengths[:, None]


class SelfAttention(nn.Module):
    """Lin et al.'s structured self-attention: ``X [B, T, C] -> (A X [B, r, C], A [B, r, T])``."""

    def __init__(self, channels: int = 128, attn_dim: int = 64, hops: int = 50) -> None:
        super().__init__()
        self.w_s1 = nn.Linear(channels, attn_dim, bias=False)
        self.w_s2 = nn.Linear(attn_dim, hops, bias=False)

    def forward(self, x: torch.Tensor, valid: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.w_s2(torch.tanh(self.w_s1(x)))  # [B, T, r]
        if valid is not None:
            logits = logits.masked_fill(~valid[..., None], float("-inf"))
        attention = torch.softmax(logits, dim=1).transpose(1, 2)  # [B, r, T]
        return torch.bmm(attention, x), attention


def attention_penalty(attention: torch.Tensor) -> torch.Tensor:
    """``mean_b ‖A_b A_bᵀ − I‖²_F`` (Lin et al.'s penalty; the official code's batch average)."""
    gram = torch.bmm(attention, attention.transpose(1, 2))
    eye = torch.eye(gram.shape[1], device=gram.device, dtype=gram.dtype)
    return ((gram - eye) ** 2).sum(dim=(1, 2)).mean()


class SLSTM(nn.Module):
    """Self-attentive LSTM: ``X [B, T, 128] -> (v [B, 256], A [B, r, T])``."""

    def __init__(self, channels: int = 128, hidden: int = 256, attn_dim: int = 64,
                 hops: int = 50) -> None:
        super().__init__()
        self.attention = SelfAttention(channels, attn_dim, hops)
        self.norm = nn.BatchNorm1d(channels)
        self.lstm = LSTM(channels, hidden)

    def forward(self, x: torch.Tensor, valid: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        summary, attention = self.attention(x, valid)  # [B, r, C]
        summary = self.norm(summary.transpose(1, 2)).transpose(1, 2)
        return self.lstm(summary), attention
