"""Score distributions of USDL / MUSDL: Gaussian soft labels, the KL loss, decoding.

A score ``s`` in ``[0, top]`` is spread over ``bins`` equally spaced values ``0 .. top``: the
target is a Gaussian of standard deviation ``sigma`` (in bins) centred at bin
``s * (bins - 1) / top``, normalised over the bins (the official ``proc_label``, README §2).
"""

from __future__ import annotations

import torch


def gaussian_targets(values: torch.Tensor, bins: int, top: float, sigma: float) -> torch.Tensor:
    """Soft labels ``[..., bins]`` of ``values`` ``[...]`` (raw units, ``0 .. top``).

    Normalising ``exp(-(k - centre)^2 / 2 sigma^2)`` over the bins equals the code's normalised
    normal pdf; a softmax of the exponent computes it without underflow for any centre."""
    grid = torch.arange(bins, dtype=torch.float32, device=values.device)
    centre = values.float().unsqueeze(-1) * ((bins - 1) / top)
    return torch.softmax(-((grid - centre) ** 2) / (2.0 * sigma**2), dim=-1)


def kl_loss(log_probs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """``KL(targets || probs)`` averaged over every element, as ``nn.KLDivLoss()`` (reduction
    ``"mean"``: divided by batch x bins) in the official code."""
    return (torch.special.xlogy(targets, targets) - targets * log_probs).mean()


def decode(log_probs: torch.Tensor, top: float, how: str = "argmax") -> torch.Tensor:
    """The score of each distribution ``[..., bins] -> [...]`` in raw units ``0 .. top``:
    the most likely bin (``argmax``, the official code) or the mean (``expectation``)."""
    step = top / (log_probs.shape[-1] - 1)
    if how == "argmax":
        return log_probs.argmax(dim=-1).to(log_probs.dtype) * step
    grid = torch.arange(log_probs.shape[-1], dtype=log_probs.dtype, device=log_probs.device)
    return (log_probs.exp() * grid).sum(dim=-1) * step
