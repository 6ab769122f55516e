"""Closed-form multiply-accumulate (MAC) counts of MS-LSTM, one video, one forward pass.

Convention (the papers', and what torch's FlopCounterMode counts): the multiply-accumulates of
matrix products and convolutions; bias additions, activations, BatchNorm and the element-wise
gate products are not counted. Per step:

- LSTM (:func:`lstm_step_macs`): ``4·H·(I + H)`` — ``W_ih x_t`` (4H x I) and ``W_hh h_{t-1}``
  (4H x H). The element-wise products ``σ(f)⊙c``, ``σ(i)⊙tanh(g)``, ``σ(o)⊙tanh(c)``, another
  ``3·H`` multiplies (:func:`lstm_step_elementwise`), are left out like every other element-wise
  op in the suite.
- Skip-LSTM (:func:`skip_lstm_step_macs`): the LSTM step plus the update gate ``w_p · c_t``
  (``H`` MACs). Every step is computed (skipped steps are masked, not avoided), so every step
  counts.

Where each op is counted: the plugin builds its LSTMs from ``F.linear`` (no ``nn.LSTM``/
``nn.LSTMCell``), so FlopCounterMode sees all of these products on every device and
``MSLSTM.extra_macs`` is 0; the tests check FlopCounterMode's count of the model against
:func:`mslstm_macs`. The official forward also computes the penalty ``A Aᵀ`` (``r·T·r`` MACs);
here it is part of the loss, not of inference, so it is not counted.
"""

from __future__ import annotations

from .mlstm import SCALES


def lstm_step_macs(input_size: int, hidden_size: int) -> int:
    """MACs of one LSTM step: ``4·H·(I + H)`` (the two gate matrix-vector products)."""
    return 4 * hidden_size * (input_size + hidden_size)


def lstm_step_elementwise(hidden_size: int) -> int:
    """Element-wise multiplies of one LSTM step (``3·H``), not part of the MAC convention."""
    return 3 * hidden_size


def skip_lstm_step_macs(input_size: int, hidden_size: int) -> int:
    """MACs of one Skip-LSTM step: the LSTM step plus the update gate ``w_p · c_t`` (``H``)."""
    return lstm_step_macs(input_size, hidden_size) + hidden_size


def conv_out_length(length: int, kernel: int, stride: int) -> int:
    return (length - kernel) // stride + 1


def mslstm_macs(length: int, feature_dim: int, channels: int = 128, hidden: int = 256,
                attn_dim: int = 64, hops: int = 50, width: int = 64) -> int:
    """MACs of MS-LSTM on one video of ``length`` clips (``length >= 8``)."""
    embed = length * feature_dim * channels
    attention = length * channels * attn_dim + length * attn_dim * hops + hops * length * channels
    slstm = hops * lstm_step_macs(channels, hidden)
    branches = 0
    for kernel, stride in SCALES:
        steps = conv_out_length(max(length, 8), kernel, stride)
        branches += steps * (channels * hidden * kernel + skip_lstm_step_macs(hidden, hidden))
    heads = (1 + len(SCALES)) * hidden * width + (1 + len(SCALES)) * width * width + width
    return embed + attention + slstm + branches + heads
