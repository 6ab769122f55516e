"""Synthetic twins: shapes, determinism, random access, caching, info, label statistics."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from aqabench import metrics
from aqabench.api import DataBundle, DataRequest, resolve_factory
from aqabench.plugins import get_registry
from aqabench.runner import RunRequest, run
from aqabench_datasets import twin_cache, twins

TWINS = [("rg-synth", "Ball"), ("fisv-synth", "PCS"), ("finediving-synth", None),
         ("rg-synth-irregular", "Hoop"), ("fisv-synth-irregular", "TES")]


def load(name: str, subset: str | None, cache: Path | None, size: str = "tiny") -> DataBundle:
    spec = get_registry().dataset(name)
    return resolve_factory(spec.loader)(DataRequest(subset=subset, size=size, cache_dir=cache))


@pytest.mark.parametrize(("name", "subset"), TWINS)
def test_tiny_twin_shapes_extras_and_info(name: str, subset: str | None, tmp_path: Path) -> None:
    bundle = load(name, subset, tmp_path)
    info = twins._info(name, DataRequest(subset=subset, size="tiny"))
    assert (len(bundle.train), len(bundle.test)) == (info["train_size"], info["test_size"])
    assert bundle.train.feature_dim == info["feature_dim"]
    assert int(bundle.train.lengths.max()) <= info["max_length"]
    assert int(bundle.train.lengths.min()) >= info["min_length"]
    assert 0.5 < bundle.meta["ceiling"] < 1.0
    assert info["ceiling"] == pytest.approx(bundle.meta["ceiling"])
    assert bundle.backbone == "synthetic"
    for split in (bundle.train, bundle.test):
        assert split.features.dtype == torch.float32
        assert torch.isfinite(split.features).all()
        for i, length in enumerate(split.lengths.tolist()):  # zero padding beyond each length
            assert not split.features[i, length:].any()
            assert split.features[i, length - 1].abs().sum() > 0
        assert set(split.extras) == set(info["extras"])
        assert split.scores.min() >= info["score_min"] and split.scores.max() <= info["score_max"]
    if name == "finediving-synth":
        t = bundle.train.extras["transitions"]
        assert t.dtype == torch.long and t.shape == (len(bundle.train), 2)
        assert ((t[:, 0] >= 1) & (t[:, 0] < t[:, 1]) & (t[:, 1] <= 88)).all()
        assert bundle.train.extras["dive_number"].dtype == torch.long
        # every test dive number has training exemplars (the tiny world keeps 6 DNs)
        assert set(bundle.test.extras["dive_number"].tolist()) <= \
            set(bundle.train.extras["dive_number"].tolist())


def test_generation_is_deterministic_and_random_access() -> None:
    twin = twins.make_twin("rg-synth", "Hoop", "tiny")
    first = twin_cache.generate_split(twin, "test")
    second = twin_cache.generate_split(twins.make_twin("rg-synth", "Hoop", "tiny"), "test")
    assert np.array_equal(first.features, second.features)
    assert np.array_equal(first.scores, second.scores)
    # any video can be made alone and equals its row in the split
    lat = twin.latent(twin_cache.video_rng(twin, "test", 5, "latent"), "test", 5)
    alone = np.zeros((lat.length, twin.dim), dtype=np.float32)
    twin.fill(lat, twin_cache.video_rng(twin, "test", 5, "features"), alone)
    assert np.array_equal(alone, first.features[5, : lat.length])
    # subsets are different videos
    other = twin_cache.generate_split(twins.make_twin("rg-synth", "Ball", "tiny"), "test")
    assert not np.array_equal(other.scores, first.scores)


def test_cache_is_used_and_a_corrupt_cache_is_regenerated(tmp_path: Path) -> None:
    fresh = load("fisv-synth", "TES", tmp_path)
    twin = twins.make_twin("fisv-synth", "TES", "tiny")
    folder = tmp_path / "twins" / twin_cache.cache_key(twin)
    assert folder.name.startswith(f"{twin.name}-TES-tiny-v{twin_cache.GENERATOR_VERSION}-")
    assert sorted(p.name for p in folder.iterdir()) == ["meta.json", "test.npy", "train.npy"]
    assert not [p for p in tmp_path.joinpath("twins").iterdir() if p.name.startswith(".")]
    cached = load("fisv-synth", "TES", tmp_path)
    assert torch.equal(fresh.train.features, cached.train.features)
    data = (folder / "train.npy").read_bytes()
    (folder / "train.npy").write_bytes(data[: len(data) // 2])  # truncated
    again = load("fisv-synth", "TES", tmp_path)
    assert torch.equal(fresh.train.features, again.train.features)
    assert (folder / "train.npy").stat().st_size == len(data)  # rewritten
    (folder / "meta.json").write_text("{not json")
    assert torch.equal(load("fisv-synth", "TES", tmp_path).test.features, fresh.test.features)


def test_a_twin_made_under_other_openblas_kernels_is_not_read_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache key carries the OpenBLAS pin (or the CPU's SIMD level where unset): a twin cached
    under SkylakeX kernels is another folder for a Haswell-pinned run, never its bytes."""
    twin = twins.make_twin("fisv-synth", "TES", "tiny")
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    haswell = twin_cache.cache_key(twin)
    assert haswell.endswith("-blas-Haswell")
    monkeypatch.setenv("OPENBLAS_CORETYPE", "SkylakeX")
    assert twin_cache.cache_key(twin).endswith("-blas-SkylakeX")
    monkeypatch.delenv("OPENBLAS_CORETYPE")
    stem = haswell.removesuffix("-blas-Haswell")
    assert twin_cache.cache_key(twin).startswith(stem + "-blas-auto-")
    load("fisv-synth", "TES", tmp_path)
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    load("fisv-synth", "TES", tmp_path)
    folders = sorted(p.name for p in (tmp_path / "twins").iterdir())
    assert len(folders) == 2 and haswell in folders


def test_a_twins_bytes_do_not_follow_the_blas_thread_count() -> None:
    """A local run (numpy's BLAS on every core) and a Ray worker (one thread) make the same twin:
    OpenBLAS splits the large float32 products by thread, which changed the last bits before the
    twins were made on one thread (aqabench/kernels.py)."""
    from threadpoolctl import threadpool_limits

    twin = twins.make_twin("rg-synth", "Ball", "full")
    with threadpool_limits(limits=1, user_api="blas"):
        one = twin_cache.generate_split(twin, "test").features
    with threadpool_limits(limits=max(2, os.cpu_count() or 2), user_api="blas"):
        many = twin_cache.generate_split(twin, "test").features
    assert np.array_equal(one, many)


def test_videos_made_for_statistics_are_the_cached_bytes_on_any_thread_count() -> None:
    """The statistics and calibration scripts fill videos outside the cache
    (``twin_stats.twin_videos``); they must be the bytes a run trains on."""
    from threadpoolctl import threadpool_limits

    from aqabench_datasets.twin_stats import twin_videos

    twin = twins.make_twin("rg-synth", "Ball", "full")
    split = twin_cache.generate_split(twin, "test")
    with threadpool_limits(limits=max(2, os.cpu_count() or 2), user_api="blas"):
        videos = twin_videos(twin, 3)
    for i, video in enumerate(videos):
        assert np.array_equal(video, split.features[i, : split.lengths[i]])


def _latent_columns(name: str, subset: str | None) -> dict[str, np.ndarray]:
    twin = twins.make_twin(name, subset, "full")
    lats = twin_cache.split_latents(twin, "train") + twin_cache.split_latents(twin, "test")
    cols = {"score": np.array([v.score for v in lats])}
    for key in twin.extra_dtypes:
        cols[key] = np.array([v.extras[key] for v in lats])
    return cols


@pytest.mark.parametrize(("subset", "mean", "std", "corr"), [
    ("Ball", 15.18, 3.25, 0.76), ("Ribbon", 13.87, 3.26, 0.76)])
def test_rg_twin_matches_real_label_statistics(subset: str, mean: float, std: float,
                                               corr: float) -> None:
    twin = twins.make_twin("rg-synth", subset, "full")  # 250 videos are a small sample: use 1500
    rng = twin_cache.rng_for("population")
    lats = [twin.latent(rng, "train", i) for i in range(1500)]
    cols = {"score": np.array([v.score for v in lats])}
    cols.update({k: np.array([v.extras[k] for v in lats]) for k in twin.extra_dtypes})
    assert cols["score"].mean() == pytest.approx(mean, abs=0.4)
    assert cols["score"].std() == pytest.approx(std, rel=0.2)
    assert np.corrcoef(cols["difficulty"], cols["execution"])[0, 1] == pytest.approx(corr, abs=0.2)
    total = cols["difficulty"] + cols["execution"] - cols["penalty"]
    assert np.allclose(total, cols["score"], atol=0.011)
    assert 0.05 < (cols["penalty"] > 0).mean() < 0.3


def test_fisv_twin_matches_real_label_statistics() -> None:
    tes, pcs = _latent_columns("fisv-synth", "TES"), _latent_columns("fisv-synth", "PCS")
    assert np.array_equal(tes["score"], pcs["tes"])  # same videos, other column as extra
    assert tes["score"].mean() == pytest.approx(29.67, abs=1.0)
    assert tes["score"].std() == pytest.approx(6.45, rel=0.2)
    assert pcs["score"].mean() == pytest.approx(27.11, abs=1.0)
    assert metrics.pearson(tes["score"], tes["pcs"]) == pytest.approx(0.84, abs=0.12)
    assert (tes["deductions"] == 0).mean() == pytest.approx(0.76, abs=0.08)


def test_finediving_twin_matches_real_label_statistics() -> None:
    cols = _latent_columns("finediving-synth", None)
    assert len(cols["score"]) == 3000
    assert cols["score"].mean() == pytest.approx(66.37, abs=3.0)
    assert cols["score"].std() == pytest.approx(15.0, rel=0.2)
    assert len(np.unique(cols["dive_number"])) == 52
    assert cols["difficulty"].min() >= 1.5 and cols["difficulty"].max() <= 4.1
    assert cols["transitions"][:, 0].mean() == pytest.approx(28.6, abs=2.0)
    assert cols["transitions"][:, 1].mean() == pytest.approx(62.3, abs=2.5)


def test_ridge_trains_on_a_tiny_twin_through_the_harness() -> None:
    record, _, _ = run(RunRequest(method="ridge", dataset="finediving-synth", size="tiny",
                                  epochs=2), get_registry())
    assert record["data"]["meta"]["ceiling"] < 1.0
    assert record["identity"]["backbone"] == "synthetic"
    assert np.isfinite(record["final"]["srcc"])


@pytest.mark.slow
def test_full_rg_twin_ridge_between_zero_and_ceiling() -> None:
    record, _, _ = run(RunRequest(method="ridge", dataset="rg-synth", subset="Clubs"),
                       get_registry())
    ceiling = record["data"]["meta"]["ceiling"]
    assert 0.1 < record["final"]["srcc"] < ceiling - 0.2


def test_cache_key_changes_with_any_story_knob() -> None:
    twin = twins.make_twin("rg-synth", "Ball", "tiny")
    key = twin_cache.cache_key(twin)
    twin.story = replace(twin.story, gain=twin.story.gain + 0.1)
    assert twin_cache.cache_key(twin) != key
    twin.story = replace(twin.story, backbone=replace(twin.story.backbone, phi=0.5))
    assert len({key, twin_cache.cache_key(twin)}) == 2
