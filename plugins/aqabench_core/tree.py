"""CoRe's group-aware regression tree and the groups it regresses into (Yu et al., ICCV 2021).

Facts from yuxumin/CoRe @ f7881a9 (``models/RegressTree.py``, ``utils/Group_helper.py``,
``tools/helper.py``); see this plugin's README.

The tree: ``x = ReLU(Linear(in, H))``; level d (0 .. depth-2) holds 2^d nodes, each a classifier
(H -> 2 logits) and a feature layer (H -> 2H, ReLU) whose halves feed its two children; the
leaf log-probability is the sum of the log-softmaxes on the path (``2^(depth-1)`` leaves); a
last per-leaf linear map (H -> 1) gives each leaf's relative position Δ_l. Nodes are grouped
1x1 convolutions, so the parameter count is the official one.

The groups: the training split's absolute label differences |y_i - y_j| (pairs inside each
exemplar group) are sorted; with P = L/2 positive leaves, positive leaf k spans
``[e_k, e_(k+1))`` where ``e_k`` is the sorted list at index ``int(k / P * (n - 1))``, except
``e_0 = 0`` and ``e_P = score_range``; the negative leaves mirror them (``(-e_(k+1), -e_k]``).
A difference falls in exactly one leaf; its relative position is ``(d - left) / (right - left)``
(``d - left`` in a zero-width leaf). Prediction: the arg-max leaf's ``left + width * Δ_l``.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class RegressionTree(nn.Module):
    """``[P, in_dim]`` -> (leaf log-probabilities ``[P, L]``, leaf positions ``[P, L]``)."""

    def __init__(self, in_dim: int, hidden: int = 256, depth: int = 5) -> None:
        super().__init__()
        if depth < 2:
            raise ValueError(f"the tree needs depth >= 2, got {depth}")
        self.depth, self.leaves = depth, 2 ** (depth - 1)
        self.first = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU())
        self.nodes = nn.ModuleList(
            nn.Sequential(nn.Conv1d(2 ** d * hidden, 2 ** (d + 1) * hidden, 1, groups=2 ** d),
                          nn.ReLU())
            for d in range(depth - 1))
        self.classifiers = nn.ModuleList(
            nn.Conv1d(2 ** d * hidden, 2 ** (d + 1), 1, groups=2 ** d) for d in range(depth - 1))
        self.positions = nn.Conv1d(self.leaves * hidden, self.leaves, 1, groups=self.leaves)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pairs = x.shape[0]
        h = self.first(x)[..., None]
        log_p = x.new_zeros(pairs, 1)
        for classify, node in zip(self.classifiers, self.nodes, strict=True):
            split = F.log_softmax(classify(h).reshape(pairs, -1, 2), dim=-1)
            log_p = (log_p[..., None] + split).reshape(pairs, -1)
            h = node(h)
        return log_p, self.positions(h).squeeze(-1)


def group_edges(differences: torch.Tensor, leaves: int, score_range: float) -> torch.Tensor:
    """The positive half's edges ``e_0 .. e_P`` ``[P + 1]`` from absolute differences."""
    ordered = differences.double().sort().values
    half, n = leaves // 2, len(ordered)
    edges = [float(ordered[int((k / half) * (n - 1))]) for k in range(half + 1)]
    edges[0], edges[-1] = 0.0, float(score_range)
    return torch.tensor(edges, dtype=torch.float64)


def leaf_targets(delta: torch.Tensor, edges: torch.Tensor
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Leaf index, relative position, left bound and width of every difference ``delta [P]``.

    A difference beyond ``±score_range`` goes to the outermost leaf (position > 1); the
    official code leaves it in no leaf (leaf 0 by arg-max of an all-zero label, no position).
    """
    e = edges.to(delta)
    half = len(e) - 1
    size = delta.abs()
    k = torch.searchsorted(e[1:-1].contiguous(), size.contiguous(), right=True)  # 0 .. half-1
    low, high = e[k], e[k + 1]
    width = high - low
    positive = delta >= 0
    leaf = torch.where(positive, half + k, half - 1 - k)
    left = torch.where(positive, low, -high)
    offset = delta - left
    position = torch.where(width > 0, offset / width.clamp(min=torch.finfo(e.dtype).tiny), offset)
    return leaf, position, left, width


def leaf_bounds(leaf: torch.Tensor, edges: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Left bound and width of leaves ``leaf [P]`` (inverse of the leaf numbering above)."""
    half = len(edges) - 1
    positive = leaf >= half
    k = torch.where(positive, leaf - half, half - 1 - leaf)
    low, high = edges[k], edges[k + 1]
    return torch.where(positive, low, -high), high - low


def tree_prediction(log_p: torch.Tensor, positions: torch.Tensor, edges: torch.Tensor
                    ) -> torch.Tensor:
    """The relative score ``[P]``: the most likely leaf's ``left + width * Δ``."""
    leaf = log_p.argmax(dim=1)
    left, width = leaf_bounds(leaf, edges.to(positions))
    chosen = positions.gather(1, leaf[:, None]).squeeze(1)
    return torch.where(width > 0, left + width * chosen, left + chosen)


def tree_loss(log_p: torch.Tensor, positions: torch.Tensor, delta: torch.Tensor,
              edges: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(NLL of the true leaf, sum over leaves of the MSE of the positions of its pairs)."""
    leaf, target, _left, _width = leaf_targets(delta, edges)
    nll = F.nll_loss(log_p, leaf)
    error = (positions.gather(1, leaf[:, None]).squeeze(1) - target.to(positions)) ** 2
    leaves = log_p.shape[1]
    sums = error.new_zeros(leaves).index_add(0, leaf, error)
    counts = error.new_zeros(leaves).index_add(0, leaf, torch.ones_like(error))
    used = counts > 0
    return nll, (sums[used] / counts[used]).sum()
