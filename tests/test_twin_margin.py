"""benchmarks/twin_margin.py: only the signal grows with the multiple; results resume."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import twin_margin  # noqa: E402


def test_labels_and_nuisance_are_the_same_bytes_at_every_multiple() -> None:
    zero, one, three = (twin_margin.bundle_at(m, train=3, test=2) for m in (0.0, 1.0, 3.0))
    for split in ("train", "test"):
        a, b, c = (getattr(x, split) for x in (zero, one, three))
        assert np.array_equal(a.scores.numpy(), c.scores.numpy())
        assert np.array_equal(a.lengths.numpy(), c.lengths.numpy())
        signal = b.features.numpy() - a.features.numpy()
        assert np.abs(signal).max() > 0  # the story is there
        np.testing.assert_allclose(c.features.numpy() - a.features.numpy(), 3.0 * signal,
                                   atol=2e-5)


def test_a_finished_cell_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.jsonl"
    row = {"method": "ridge", "mult": 2.0, "epochs": None, "train": 400, "test": 400,
           "final": 0.6, "best": 0.61, "seconds": 1.0}
    out.write_text(json.dumps(row) + "\n")
    monkeypatch.setattr(sys, "argv", ["twin_margin.py", "--mult", "2", "--out", str(out)])
    monkeypatch.setattr(twin_margin, "final_srcc",
                        lambda *a: pytest.fail("a finished cell was run again"))
    twin_margin.main()
    assert "done, skipped" in capsys.readouterr().out
    monkeypatch.setattr(sys, "argv", ["twin_margin.py", "--report", "--out", str(out)])
    twin_margin.main()
    assert "| ridge (C3D+SVR 0.400) | 0.600 |" in capsys.readouterr().out
