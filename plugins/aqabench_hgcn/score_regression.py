"""Score distribution regression (paper Sec. III-E, eqs. 17-18).

``v -> (mu(v), log sigma^2(v))`` with two linear heads (``C4 -> 1`` each). In training the score
is sampled by the re-parameterisation trick, ``s = mu + eps * sigma`` with ``eps ~ N(0, 1)``
(eq. 18). In eval mode the prediction is the distribution's mean ``mu``: deterministic, whereas
the official code samples ``eps`` at test time too.

``init_sigma`` (an aqabench addition): the log-variance bias starts at ``2 log init_sigma`` so the
head's initial noise is ``init_sigma`` in target units. The paper regresses raw scores with
PyTorch's default init (sigma ~ 1 score point at the start); the harness's min-max targets are
~20-40x smaller, where sigma ~ 1 would drown the mean's gradient, so the model builder passes
one raw point expressed in target units (``1 / score_scale``). ``None``: the default init.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class ScoreDistributionRegression(nn.Module):
    """``[B, C4]`` -> ``score``, ``mu``, ``sigma`` (each ``[B]``)."""

    def __init__(self, channels: int, init_sigma: float | None = None) -> None:
        super().__init__()
        self.mean = nn.Linear(channels, 1)
        self.log_var = nn.Linear(channels, 1)
        if init_sigma is not None:
            nn.init.constant_(self.log_var.bias, 2 * math.log(init_sigma))

    def forward(self, video: torch.Tensor) -> dict[str, torch.Tensor]:
        mu = self.mean(video).squeeze(-1)
        sigma = torch.exp(0.5 * self.log_var(video).squeeze(-1))
        score = mu + torch.randn_like(mu) * sigma if self.training else mu  # eq. 18
        return {"score": score, "mu": mu, "sigma": sigma}
