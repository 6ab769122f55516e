"""MS-LSTM MAC counts: closed forms vs hand formulas vs torch's FlopCounterMode."""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from aqabench.api import Batch
from aqabench_mslstm.lstm import LSTM, SkipLSTM
from aqabench_mslstm.macs import (
    lstm_step_elementwise,
    lstm_step_macs,
    mslstm_macs,
    skip_lstm_step_macs,
)
from aqabench_mslstm.model import MSLSTM


def counted_macs(module: nn.Module, *args: object) -> int:
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        module(*args)
    return counter.get_total_flops() // 2  # FlopCounterMode reports 2 FLOPs per MAC


def test_step_formulas_by_hand() -> None:
    # S-LSTM cell 128 -> 256: W_ih 1024x128 + W_hh 1024x256 products.
    assert lstm_step_macs(128, 256) == 1024 * 128 + 1024 * 256 == 393_216
    # Skip-LSTM 256 -> 256 plus the 256-d update gate: the spec's "524.5 K" per step.
    assert skip_lstm_step_macs(256, 256) == 1024 * 256 * 2 + 256 == 524_544
    assert lstm_step_elementwise(256) == 768


def test_flop_counter_sees_our_cells() -> None:
    torch.manual_seed(0)
    steps = 7
    x = torch.randn(1, steps, 12)
    assert counted_macs(LSTM(12, 10), x) == steps * lstm_step_macs(12, 10)
    assert counted_macs(SkipLSTM(12, 10), x) == steps * skip_lstm_step_macs(12, 10)


def test_flop_counter_misses_torch_lstm() -> None:
    """Why the cells are written with F.linear: FlopCounterMode counts nothing for nn.LSTM."""
    assert counted_macs(nn.LSTM(12, 10, batch_first=True), torch.randn(1, 7, 12)) == 0


def test_model_count_matches_closed_form_and_spec() -> None:
    torch.manual_seed(0)
    model = MSLSTM(32).eval()
    for length in (8, 23):
        batch = Batch(features=torch.randn(1, length, 32), lengths=torch.tensor([length]),
                      target=torch.zeros(1), score=torch.zeros(1))
        total = counted_macs(model, batch) + model.extra_macs(batch)
        assert total == mslstm_macs(length, 32) == model.analytic_macs(length)
    small = MSLSTM(32, channels=16, hidden=12, hops=5).eval()
    assert counted_macs(small, batch) == mslstm_macs(23, 32, channels=16, hidden=12, hops=5)
    # The spec's official-architecture analytic count (D=4096, T=300) is 515.5 M including the
    # penalty A Aᵀ (50·300·50 = 0.75 M), which is part of our loss, not of inference.
    assert round((mslstm_macs(300, 4096) + 50 * 300 * 50) / 1e6, 1) == 515.5
    assert round((mslstm_macs(68, 1024) + 50 * 68 * 50) / 1e6, 1) == 103.8
