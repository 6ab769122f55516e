"""Bad-input campaign, checkpoints for ``score``: garbage bytes, wrong types, an empty config,
a non-numeric score scale, absurd feature dims — one line naming the file, exit 2, nothing
built (the schema and sizes are checked before the network is)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from aqabench import checkpoint
from tests.test_backbones_support import FAKE_DIM, registry

__all__ = ["registry"]


def _set(path: tuple[str, ...], value: object) -> Callable[[dict], None]:
    def change(payload: dict) -> None:
        target = payload
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


def _drop(key: str) -> Callable[[dict], None]:
    return lambda payload: payload.pop(key)


CASES: dict[str, tuple[Callable[[dict], None] | bytes, str]] = {
    "garbage bytes": (b"\x80\x02garbage\x00\xff" * 7, "not a readable aqabench checkpoint"),
    "empty file": (b"", "not a readable aqabench checkpoint"),
    "zip of nothing": (b"PK\x05\x06" + b"\0" * 18, "not a readable aqabench checkpoint"),
    "string state_dict": (_set(("state_dict",), "weights"), "'state_dict' must be a dict"),
    "state_dict of strings": (_set(("state_dict",), {"w": "x"}), "entry 'w' is not a named "
                                                                 "tensor"),
    "empty config": (_set(("config",), {}), "config.score_scale None is not a finite number"),
    "text score_scale": (_set(("config", "score_scale"), "big"), "config.score_scale 'big'"),
    "nan score_shift": (_set(("config", "score_shift"), float("nan")), "config.score_shift"),
    "zero score_scale": (_set(("config", "score_scale"), 0.0), "score_scale is 0"),
    "feature_dim 1e11": (_set(("info", "feature_dim"), 10**11), "info.feature_dim 100000000000"),
    "feature_dim -5": (_set(("info", "feature_dim"), -5), "info.feature_dim -5 is not"),
    "feature_dim float": (_set(("info", "feature_dim"), 16.0), "info.feature_dim 16.0 is not"),
    "max_length 0": (_set(("info", "max_length"), 0), "info.max_length 0"),
    "cardinality huge": (_set(("info", "cardinalities"), {"dive_number": 10**12}),
                         "info.cardinalities"),
    "info a list": (_set(("info",), [1, 2]), "'info' must be a dict"),
    "no identity": (_drop("identity"), "'identity' must be a dict"),
    "identity without method": (_set(("identity",), {}), "identity.method"),
    "unknown info field": (_set(("info", "colour"), "red"), "info does not fit"),
    "weights of the wrong shape": (_set(("state_dict",), {"head.weight": torch.zeros(3, 3)}),
                                   "weights do not fit 'ridge'"),
}


@pytest.fixture
def trained(registry, tmp_path: Path) -> Path:
    from aqabench.runner import RunRequest, run

    ckpt = tmp_path / "good.pt"
    run(RunRequest(method="ridge", dataset="toy-synth", size="tiny", epochs=1,
                   out_dir=tmp_path / "runs", checkpoint=ckpt), registry)
    return ckpt


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_checkpoint_is_one_line(case: str, trained: Path, tmp_path: Path, run_cli,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    change, problem = CASES[case]
    bad = tmp_path / "bad.pt"
    if isinstance(change, bytes):
        bad.write_bytes(change)
    else:
        payload = torch.load(trained, weights_only=True)
        change(payload)
        torch.save(payload, bad)
    np.save(tmp_path / "clip.npy", np.zeros((4, FAKE_DIM), np.float32))

    def no_predict(*args: object, **kwargs: object) -> None:
        raise AssertionError("a bad checkpoint reached the model")

    if case != "weights of the wrong shape":
        monkeypatch.setattr(checkpoint, "restore_model", no_predict)
    code, _, err = run_cli("score", tmp_path / "clip.npy", "--method", "ridge",
                           "--checkpoint", bad)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert "bad.pt" in lines[0] and problem in lines[0], lines[0]


def test_the_good_checkpoint_still_scores(trained: Path, tmp_path: Path, run_cli) -> None:
    np.save(tmp_path / "clip.npy", np.zeros((4, FAKE_DIM), np.float32))
    code, out, err = run_cli("score", tmp_path / "clip.npy", "--method", "ridge",
                             "--checkpoint", trained, "--json")
    assert code == 0 and '"score"' in out, err


@pytest.mark.parametrize("shape", ["(-1, 16)", "(-99999999999999999999, 16)",
                                   "(99999999999999, 1024)"])
def test_score_features_with_a_bad_npy_header(shape: str, trained: Path, tmp_path: Path,
                                              run_cli) -> None:
    from tests.test_bad_data import _npy_shape

    clip = tmp_path / "clip.npy"
    np.save(clip, np.zeros((4, FAKE_DIM), np.float32))
    _npy_shape(clip, shape)
    code, _, err = run_cli("score", clip, "--method", "ridge", "--checkpoint", trained)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "clip.npy: not a readable .npy feature file" in err
