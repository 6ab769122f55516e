"""aqabench.layers: exact re-expressions of official layers."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from aqabench.layers import per_clip


@pytest.mark.parametrize("training", [True, False])
def test_per_clip_equals_the_conv1d_stack_on_bct(training: bool) -> None:
    torch.manual_seed(0)
    stack = nn.Sequential(nn.Conv1d(16, 12, 1), nn.BatchNorm1d(12), nn.ReLU(),
                          nn.Conv1d(12, 8, 1), nn.BatchNorm1d(8))
    clips = torch.randn(3, 7, 16)
    reference = [m for m in stack.modules() if isinstance(m, nn.BatchNorm1d)]
    stack.train(training)
    if not training:  # give eval-mode BN non-trivial running statistics
        for bn in reference:
            bn.running_mean.uniform_(-1, 1)
            bn.running_var.uniform_(0.5, 2)
    twin = copy.deepcopy(stack)
    expected = twin(clips.transpose(1, 2)).transpose(1, 2)
    got = per_clip(stack, clips)
    assert got.shape == (3, 7, 8)
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)
    if training:  # the running statistics move identically
        for a, b in zip(reference, [m for m in twin.modules() if isinstance(m, nn.BatchNorm1d)]):
            torch.testing.assert_close(a.running_mean, b.running_mean)
            torch.testing.assert_close(a.running_var, b.running_var)


def test_per_clip_rejects_a_wider_kernel() -> None:
    with pytest.raises(ValueError, match="1x1"):
        per_clip(nn.Sequential(nn.Conv1d(4, 4, 3)), torch.randn(1, 5, 4))
