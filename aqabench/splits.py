"""The validation split ``--select val`` carves from the training split.

Score-stratified and seeded: the training videos are ordered by score (ties by id), cut into
``round(fraction * N)`` consecutive strata of near-equal size, and one video per stratum is
drawn with ``numpy.random.default_rng(seed)``. The validation labels therefore span the same
range as the training labels, and the same (data, fraction, seed) always gives the same split.
The test split is never touched.
"""

from __future__ import annotations

import numpy as np
import torch

from .api import DataBundle, FeatureSet
from .errors import UsageError


def validation_index(data: FeatureSet, fraction: float, seed: int
                     ) -> tuple[torch.Tensor, torch.Tensor]:
    """(rest, validation) row indices of ``data``, each sorted."""
    n = len(data)
    n_val = int(round(fraction * n))
    if n_val < 3 or n - n_val < 2:
        raise UsageError(f"val_fraction={fraction} of {n} training videos leaves {n_val} for "
                         f"validation and {n - n_val} for training; need >= 3 and >= 2")
    scores = data.scores.double().numpy()
    order = sorted(range(n), key=lambda i: (scores[i], data.ids[i]))
    rng = np.random.default_rng(seed)
    chosen = [int(stratum[rng.integers(len(stratum))])
              for stratum in np.array_split(np.asarray(order), n_val)]
    val = sorted(chosen)
    rest = sorted(set(range(n)) - set(val))
    return torch.tensor(rest, dtype=torch.long), torch.tensor(val, dtype=torch.long)


def carve_validation(bundle: DataBundle, fraction: float, seed: int
                     ) -> tuple[DataBundle, FeatureSet]:
    """A bundle whose training split is the rest, and the validation split."""
    rest, val = validation_index(bundle.train, fraction, seed)
    reduced = DataBundle(train=bundle.train.subset(rest), test=bundle.test, meta=bundle.meta,
                         backbone=bundle.backbone, split_id=bundle.split_id)
    return reduced, bundle.train.subset(val)
