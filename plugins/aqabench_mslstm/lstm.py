"""The recurrent cells of MS-LSTM: a plain LSTM and the Skip-LSTM of Campos et al.

Both are written with explicit ``F.linear`` gate products instead of ``nn.LSTM``/``nn.LSTMCell``
so that (a) torch's FlopCounterMode sees every multiply-accumulate on every device (it misses the
fused ``nn.LSTM`` kernels) and no hook-based LSTM counter can count them a second time, and
(b) the input projection of all time steps is one matmul, leaving only ``h @ W_hh`` in the
Python loop over time (the loop runs over time, never over samples).

LSTM (Hochreiter & Schmidhuber; gate order i, f, g, o as torch)::

    [i, f, g, o] = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
    c_t = σ(f) ⊙ c_{t-1} + σ(i) ⊙ tanh(g);   h_t = σ(o) ⊙ tanh(c_t)

Skip-LSTM (Campos et al., "Skip RNN", ICLR'18, Eqs. 2-5), used by MS-LSTM's M-LSTM branches::

    u_t     = f_binarize(ũ_t)                                      (Eq. 2, round)
    s_t     = u_t · S(s_{t-1}, x_t) + (1 - u_t) · s_{t-1}          (Eq. 3, s = (c, h))
    Δũ_t    = σ(w_p · c_t + b_p)                                   (Eq. 4, from the cell state)
    ũ_{t+1} = u_t · Δũ_t + (1 - u_t) · (ũ_t + min(Δũ_t, 1 - ũ_t))  (Eq. 5),   ũ_1 = 1

The official MS-LSTM code keeps (c, h, Δũ, accumulated ũ) with the same forward values. Its
``round`` has no gradient, so ``w_p``/``b_p`` never train; here ``f_binarize`` uses the
straight-through estimator (∂u/∂ũ = 1) as Campos et al. do (``straight_through=False`` gives the
official frozen gate).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def round_straight_through(x: torch.Tensor) -> torch.Tensor:
    """``round(x)`` in the forward pass, identity gradient in the backward pass."""
    return x + (torch.round(x) - x).detach()


def lstm_step(pre: torch.Tensor, h: torch.Tensor, c: torch.Tensor,
              weight_hh: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """One LSTM step given ``pre = W_ih x_t + b_ih + b_hh`` ``[B, 4H]``: returns ``(h_t, c_t)``."""
    i, f, g, o = (pre + F.linear(h, weight_hh)).chunk(4, dim=1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


class LSTMWeights(nn.Module):
    """The parameters of one LSTM layer, laid out as ``nn.LSTMCell``'s (4·H·(I + H) + 8·H)."""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))

    def project(self, x: torch.Tensor) -> torch.Tensor:
        """Input projections of every step at once: ``[B, T, I] -> [B, T, 4H]``."""
        return F.linear(x, self.weight_ih, self.bias_ih) + self.bias_hh

    def zero_state(self, x: torch.Tensor) -> torch.Tensor:
        return x.new_zeros(x.shape[0], self.hidden_size)


class LSTM(LSTMWeights):
    """Single-layer, batch-first LSTM from a zero state; returns the last step's ``h`` ``[B, H]``.

    Initialised as ``nn.LSTM`` (uniform ±1/√H), as the official S-LSTM uses ``nn.LSTM`` defaults.
    """

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__(input_size, hidden_size)
        bound = hidden_size ** -0.5
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = c = self.zero_state(x)
        for pre in self.project(x).unbind(1):  # unbind: one gradient stack, not T zero-fills
            h, c = lstm_step(pre, h, c, self.weight_hh)
        return h


class SkipLSTM(LSTMWeights):
    """Skip-LSTM (Campos et al. Eqs. 2-5) over ``[B, T, I]``; returns ``(h_T, update rate [B])``.

    The update rate (fraction of real steps with ``u_t = 1``) carries the straight-through
    gradient, so Campos et al.'s budget loss ``λ · Σ_t u_t`` can be built on it.

    ``valid`` ``[B, T]`` (optional) marks real steps: padded steps are forced to skip, so the
    returned ``h`` is the state after the last real step. Init as the official code: W_ih, W_hh,
    w_p Xavier-uniform, biases 0, ``b_p = 1`` (so ũ starts near σ(1) and nearly every step
    updates). ``random_state`` draws ``(c_0, h_0) ~ N(0, 1)`` per call (the official code's
    behaviour); otherwise the initial state is zeros.
    """

    def __init__(self, input_size: int, hidden_size: int, straight_through: bool = True,
                 random_state: bool = False) -> None:
        super().__init__(input_size, hidden_size)
        self.update_gate = nn.Linear(hidden_size, 1)  # w_p, b_p of Eq. 4
        self.straight_through = straight_through
        self.random_state = random_state
        nn.init.xavier_uniform_(self.weight_ih)
        nn.init.xavier_uniform_(self.weight_hh)
        nn.init.zeros_(self.bias_ih)
        nn.init.zeros_(self.bias_hh)
        nn.init.xavier_uniform_(self.update_gate.weight)
        nn.init.ones_(self.update_gate.bias)

    def binarize(self, u_tilde: torch.Tensor) -> torch.Tensor:
        return round_straight_through(u_tilde) if self.straight_through else torch.round(u_tilde)

    def forward(self, x: torch.Tensor, valid: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        h, c = self.zero_state(x), self.zero_state(x)
        if self.random_state:
            h, c = torch.randn_like(h), torch.randn_like(c)
        u_tilde = x.new_ones(x.shape[0], 1)
        updates = x.new_zeros(x.shape[0], 1)
        for t, pre in enumerate(self.project(x).unbind(1)):
            u = self.binarize(u_tilde)  # Eq. 2
            if valid is not None:
                u = u * valid[:, t, None].to(u.dtype)
            h_new, c_new = lstm_step(pre, h, c, self.weight_hh)
            h, c = torch.lerp(h, h_new, u), torch.lerp(c, c_new, u)  # Eq. 3
            delta = torch.sigmoid(self.update_gate(c))  # Eq. 4
            u_tilde = torch.lerp(u_tilde + torch.minimum(delta, 1 - u_tilde), delta, u)  # Eq. 5
            updates = updates + u
        steps = valid.sum(1, keepdim=True).clamp(min=1) if valid is not None else x.shape[1]
        return h, (updates / steps).squeeze(1)
