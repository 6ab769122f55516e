"""Sampling: train windows, test sequences, exemplars from the training split only."""

from __future__ import annotations

import pytest
import torch

from aqabench.api import FeatureSet
from aqabench.config import merge_config
from aqabench.sampling import ExemplarPicker, train_batches
from aqabench.sampling import test_batches as eval_batches

UNIT = {"score_shift": 0.0, "score_scale": 1.0}


def numbered_set(lengths: list[int], prefix: str, groups: list[int] | None = None) -> FeatureSet:
    """Clip t of video i has every feature equal to 1000*i + t + 1 (0 is padding)."""
    seqs = [torch.arange(1, n + 1, dtype=torch.float32)[:, None].repeat(1, 2) + 1000 * i
            for i, n in enumerate(lengths)]
    extras = {"group": torch.tensor(groups)} if groups else None
    return FeatureSet.from_sequences([f"{prefix}{i}" for i in range(len(lengths))], seqs,
                                     [float(i) for i in range(len(lengths))], extras)


def test_train_windows_are_consecutive_valid_clips_and_pad_short_videos() -> None:
    data = numbered_set([10, 6, 8, 7], "v")
    config = merge_config({"train_clips": 7, "batch_size": 4, "score_shift": 0.0,
                           "score_scale": 2.0})
    gen = torch.Generator().manual_seed(0)
    seen_starts = set()
    for _ in range(30):
        (batch,) = list(train_batches(data, config, gen))
        assert batch.features.shape == (4, 7, 2)
        for row, i in enumerate(batch.index.tolist()):
            clips = batch.features[row, :, 0]
            valid = clips[clips > 0] - 1000 * i
            assert torch.equal(valid, torch.arange(valid[0], valid[0] + len(valid)))
            assert len(valid) == min(7, int(data.lengths[i])) == int(batch.lengths[row])
            assert (clips[len(valid):] == 0).all()
            if i == 0:
                seen_starts.add(int(valid[0]))
        assert torch.equal(batch.target, batch.score / 2.0)
    assert seen_starts == {1, 2, 3, 4}  # every start 0..L-C is drawn, the last one included


def test_test_batches_cover_every_video_once_at_full_length() -> None:
    data = numbered_set([10, 6, 10, 7, 6], "t")
    config = merge_config({"test_clips": None, "eval_batch_size": 2, **UNIT})
    rows = []
    for batch in eval_batches(data, config):
        assert (batch.lengths == batch.features.shape[1]).all()
        rows += batch.index.tolist()
    assert sorted(rows) == [0, 1, 2, 3, 4]


def test_mixed_length_test_batches_are_padded_and_sorted_by_length() -> None:
    data = numbered_set([10, 6, 10, 7, 6], "t")
    config = merge_config({"test_clips": None, "eval_batch_size": 2, **UNIT})
    batches = list(eval_batches(data, config, mix_lengths=True))
    assert [b.index.tolist() for b in batches] == [[1, 4], [3, 0], [2]]
    for batch in batches:
        assert batch.features.shape[1] == int(batch.lengths.max())
        for row, i in enumerate(batch.index.tolist()):
            n = int(data.lengths[i])
            assert int(batch.lengths[row]) == n
            assert torch.equal(batch.features[row, :n], data.features[i, :n])
            assert (batch.features[row, n:] == 0).all()


def test_exemplars_come_from_training_split_with_the_same_group() -> None:
    train = numbered_set([5] * 6, "train", groups=[0, 0, 1, 1, 1, 2])
    test = numbered_set([5] * 4, "test", groups=[1, 0, 2, 3])
    config = merge_config({"exemplar_key": "group", "test_exemplars": 3, "train_exemplars": 1,
                           "train_clips": None, **UNIT})
    picker = ExemplarPicker(train, "group")
    first = [b.exemplars.features.clone() for b in eval_batches(test, config, picker)]
    for batch in eval_batches(test, config, picker):
        ex = batch.exemplars
        assert ex.features.shape[0] == 3 * len(batch)
        chosen = ex.index.view(len(batch), 3)
        for q, row in enumerate(batch.index.tolist()):
            group = int(test.extras["group"][row])
            got = train.extras["group"][chosen[q]]
            assert (got == group).all() or group == 3  # unseen group: any training video
    again = [b.exemplars.features for b in eval_batches(test, config, picker)]
    assert all(torch.equal(a, b) for a, b in zip(first, again))  # same every evaluation
    gen = torch.Generator().manual_seed(0)
    for batch in train_batches(train, config, gen, picker):
        own = batch.index.tolist()
        mates = batch.exemplars.index.tolist()
        for q, e in zip(own, mates):
            assert train.extras["group"][q] == train.extras["group"][e]
            assert q != e or q == 5  # group 2 has a single member


def test_lr_factor_matches_torch_cosine_annealing() -> None:
    from aqabench.train import lr_factor

    config = merge_config({"epochs": 10, "lr": 0.01, "lr_min": 1e-4})
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=0.01)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=1e-4)
    for epoch in range(10):
        assert opt.param_groups[0]["lr"] == pytest.approx(0.01 * lr_factor(epoch, config), rel=1e-9)
        opt.step()
        sched.step()

