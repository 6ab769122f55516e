"""GDLT's grade-decoupling regulariser: the batch-hard triplet loss on grade-query embeddings.

Spec ``methods/gdlt.md`` §4: the decoder's query embeddings ``e`` (``B x G x d``) are flattened
to ``B*G`` rows labelled by their query index, so a positive is the *same grade query in another
video* and a negative is any other grade query. With cosine distance
``d_ij = 1 - cos(e_i, e_j)`` (in [0, 2]) and, for every anchor ``i``,

    d_pos(i) = max_{j != i, y_j = y_i} d_ij,    d_neg(i) = min_{y_j != y_i} d_ij,
    L_tri = mean_i relu(d_pos(i) - d_neg(i) + margin),

i.e. ``HardTripletLoss(margin, hardest=True)`` of the official code. With no positive (B = 1)
``d_pos = 0`` (the official masked max), so the term reduces to ``relu(margin - d_neg)``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def cosine_distance(embeddings: torch.Tensor) -> torch.Tensor:
    """``1 - cos`` between every pair of rows of ``[N, d]`` -> ``[N, N]``."""
    unit = F.normalize(embeddings, dim=-1)
    return 1.0 - unit @ unit.transpose(0, 1)


def hardest_triplet_loss(embeddings: torch.Tensor, labels: torch.Tensor,
                         margin: float) -> torch.Tensor:
    """Batch-hard triplet loss with cosine distance (see the module docstring)."""
    dist = cosine_distance(embeddings)
    same = labels[:, None] == labels[None, :]
    eye = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
    positive = (same & ~eye).to(dist.dtype)
    hardest_pos = (dist * positive).max(dim=1).values
    # Same-label entries are pushed out of the min by adding the row's largest distance.
    row_max = dist.max(dim=1, keepdim=True).values
    hardest_neg = (dist + row_max * same.to(dist.dtype)).min(dim=1).values
    return F.relu(hardest_pos - hardest_neg + margin).mean()


def grade_triplet_loss(query_embeddings: torch.Tensor, margin: float) -> torch.Tensor:
    """``L_tri`` on ``[B, G, d]`` query embeddings, labels = grade-query index."""
    b, g, d = query_embeddings.shape
    labels = torch.arange(g, device=query_embeddings.device).repeat(b)
    return hardest_triplet_loss(query_embeddings.reshape(b * g, d), labels, margin)
