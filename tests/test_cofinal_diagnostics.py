"""The CoFInAl paper-model diagnoses read from a checkpoint (benchmarks/cofinal_collapse.py,
benchmarks/cofinal_tfm_attention.py), on a one-epoch run of the tiny Fis-V twin."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import cofinal_collapse  # noqa: E402
import cofinal_tfm_attention  # noqa: E402


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from aqabench import cli

    out = tmp_path_factory.mktemp("runs")
    code = cli.main(["run", "--method", "cofinal", "--dataset", "fisv-synth", "--size", "tiny",
                     "--subset", "TES", "--epochs", "1", "--out", str(out),
                     "--resume-every", "off", "--save-checkpoint"])
    assert code == 0
    (path,) = out.glob("*.pt")
    return path


def figures(text: str, section: str) -> dict[str, float]:
    """The mean of each figure line under the ``## section`` heading."""
    block = text.split(f"## {section}")[1].split("\n## ")[0]
    return {line[2:].split(":")[0]: float(re.search(r": (-?[\d.]+)", line).group(1))
            for line in block.splitlines() if line.startswith("- ")}


def test_tfm_attention_reads_the_checkpoints_model(checkpoint: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    _ckpt, model, _config, bundle = cofinal_collapse.restore_run(checkpoint, None)
    dim = bundle.test.feature_dim
    real = tmp_path / "real.npz"  # stand-in "real" clips of the run's feature dim
    rng = np.random.default_rng(0)
    np.savez(real, a=rng.normal(size=(5, dim)).astype(np.float32),
             b=rng.normal(size=(9, dim)).astype(np.float32))
    assert cofinal_tfm_attention.main([str(checkpoint), "--real", str(real),
                                       "--init-seeds", "0"]) == 0
    text = capsys.readouterr().out
    trained = figures(text, "trained TFM")
    assert 0.0 < trained["entropy / log T (1 = uniform)"] <= 1.0
    assert trained["largest weight x T (1 = uniform)"] >= 1.0
    assert -1.0 <= trained["cosine between the P procedures"] <= 1.0 + 1e-6
    assert f"({len(bundle.test)} videos)" in text
    assert "real I3D clips ([5, 9] clips) (2 videos)" in text
    assert "test videos cut to the same counts (16 videos)" in text
    assert f"|W_K| {float(model.tfm.key.weight.detach().norm()):.3f}" in text


def test_tfm_attention_names_a_feature_dim_mismatch(checkpoint: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    real = tmp_path / "real.npz"
    np.savez(real, a=np.zeros((4, 3), np.float32))
    assert cofinal_tfm_attention.main([str(checkpoint), "--real", str(real),
                                       "--init-seeds", "1"]) == 0
    assert "real I3D clips are 3-d" in capsys.readouterr().out


def test_collapse_prints_both_splits(checkpoint: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert cofinal_collapse.main([str(checkpoint)]) == 0
    text = capsys.readouterr().out
    assert "## train (" in text and "## test (" in text and "distinct predictions" in text
