"""Harness score normalisation: how null ``score_shift``/``score_scale`` are filled."""

from __future__ import annotations

import pytest

from aqabench.api import DataInfo
from aqabench.config import BASE_CONFIG, fill_score_normalisation, merge_config
from aqabench.errors import UsageError


def labels(mean: float | None = 18.0, std: float | None = 4.0) -> DataInfo:
    return DataInfo(dataset="d", subset=None, feature_dim=4, score_min=10.0, score_max=30.0,
                    train_size=8, test_size=2, max_length=5, score_mean=mean, score_std=std)


def filled(**config: object) -> dict:
    result = {**BASE_CONFIG, **config}
    fill_score_normalisation(result, labels())
    return result


def test_minmax_is_the_default_and_maps_the_range_to_unit() -> None:
    config = filled()
    assert (config["score_shift"], config["score_scale"]) == (10.0, 20.0)


def test_standard_uses_mean_and_std() -> None:
    config = filled(score_norm="standard")
    assert (config["score_shift"], config["score_scale"]) == (18.0, 4.0)


def test_explicit_values_win_and_missing_moments_fall_back_to_the_range() -> None:
    config = filled(score_norm="standard", score_shift=0.0)
    assert (config["score_shift"], config["score_scale"]) == (0.0, 4.0)
    no_labels = {**BASE_CONFIG, "score_norm": "standard"}
    fill_score_normalisation(no_labels, labels(mean=None, std=None))
    assert (no_labels["score_shift"], no_labels["score_scale"]) == (20.0, 5.0)


def test_unknown_score_norm_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="score_norm"):
        merge_config({}, overrides={"score_norm": "zscore"})


def test_a_run_fills_shift_and_scale_with_the_training_label_moments() -> None:
    from aqabench.plugins import get_registry
    from aqabench.runner import RunRequest, run

    request = RunRequest(method="ridge", dataset="toy-synth", size="tiny", epochs=1,
                         overrides={"score_norm": "standard"})
    _, state, _ = run(request, get_registry())
    info = state.info
    assert info.score_mean is not None and info.score_std is not None
    assert info.score_min < info.score_mean < info.score_max
    assert state.config["score_shift"] == pytest.approx(info.score_mean)
    assert state.config["score_scale"] == pytest.approx(info.score_std)
