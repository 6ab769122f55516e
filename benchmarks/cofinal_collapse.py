"""Why the CoFInAl paper model's test predictions are constant: its heads, read from a checkpoint.

    python benchmarks/cofinal_collapse.py CHECKPOINT.pt [--data-root EXPORT]

``CHECKPOINT.pt`` is a paper-model run saved with ``aqabench run --method cofinal
--save-checkpoint``. The script rebuilds the model and the data the run used (same dataset,
subset, ``--data-root`` and feature normalisation), predicts every video of the training and
the test split in eval mode, full length, as the harness's evaluation does, and prints per split:
the number of distinct hard and soft predictions, the SRCC of each read-out, the coarse head's
arg-max grades and the FGS arg-max sub-grades (counts), the spread of the coarse logits across
videos against their margin (top-1 minus top-2, averaged over videos), and the true grades.
See docs/parity.md ("Why the CoFInAl paper model trails the official code").
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import torch

from aqabench.api import DataBundle
from aqabench.checkpoint import Checkpoint, load_checkpoint, restore_model
from aqabench.config import fill_score_normalisation
from aqabench.metrics import srcc
from aqabench.plugins import get_registry
from aqabench.runner import data_request, load_bundle, normalise_features
from aqabench.sampling import test_batches


def heads(model: Any, data: Any, config: dict[str, Any]) -> dict[str, np.ndarray]:
    """Hard / soft scores, coarse logits and FGS similarities for every video of ``data``."""
    keys = ("hard_score", "soft_score", "coarse_logits", "fine_similarity")
    parts: dict[str, list[torch.Tensor]] = {k: [] for k in keys}
    order = []
    with torch.inference_mode():
        for batch in test_batches(data, config):
            out = model(batch)
            order.append(batch.index)
            for key in keys:
                if key in out:
                    parts[key].append(out[key].float())
    index = torch.cat(order).argsort()
    return {k: torch.cat(v)[index].numpy() for k, v in parts.items() if v}


def describe(name: str, out: dict[str, np.ndarray], truth: np.ndarray, grid: Any,
             scale: float) -> list[str]:
    """The lines printed for one split."""
    logits = out["coarse_logits"]
    top2 = np.sort(logits, axis=1)[:, -2:]
    grades = logits.argmax(1)
    true_grade = np.floor(truth / scale / grid.grade_width + 1e-9).astype(int)
    lines = [f"## {name} ({len(truth)} videos)",
             f"- distinct predictions: hard {len(np.unique(out['hard_score']))}, "
             f"soft {len(np.unique(out['soft_score']))}",
             f"- SRCC hard {srcc(out['hard_score'], truth):.3f}, "
             f"soft {srcc(out['soft_score'], truth):.3f}",
             f"- arg-max grade: {dict(sorted(Counter(grades.tolist()).items()))}; "
             f"true grade: {dict(sorted(Counter(true_grade.tolist()).items()))}",
             f"- coarse logits: std across videos (mean over grades) "
             f"{logits.std(0).mean():.4f}; top-1 minus top-2 margin "
             f"{np.mean(top2[:, 1] - top2[:, 0]):.4f}"]
    if "fine_similarity" in out:
        fine = out["fine_similarity"]
        lines.append(f"- FGS arg-max sub-grade: "
                     f"{dict(sorted(Counter(fine.argmax(1).tolist()).items()))}; cosine std "
                     f"across videos {fine.std(0).mean():.4f}")
    return lines


def restore_run(checkpoint: Path, data_root: Path | None
                ) -> tuple[Checkpoint, Any, dict[str, Any], DataBundle]:
    """A saved run's model (eval mode), its config (score normalisation filled in) and the
    data it ran on: the same dataset, subset, size and feature normalisation."""
    ckpt = load_checkpoint(checkpoint)
    registry = get_registry()
    model = restore_model(ckpt, registry.method(ckpt.method)).eval()
    config = dict(ckpt.config)
    identity = ckpt.identity
    dataset = registry.dataset(str(identity["dataset"]))
    bundle = load_bundle(dataset, data_request(dataset, identity.get("subset"), data_root,
                                               str(identity.get("size") or "full")))
    normalise_features(bundle, config["feature_norm"])
    fill_score_normalisation(config, bundle.info(dataset.name, identity.get("subset")))
    return ckpt, model, config, bundle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("--data-root", type=Path, default=None)
    args = parser.parse_args(argv)
    _ckpt, model, config, bundle = restore_run(args.checkpoint, args.data_root)
    scale = float(config["score_scale"])
    for name, data in (("train", bundle.train), ("test", bundle.test)):
        out = heads(model, data, config)
        out["hard_score"] = out["hard_score"] * scale
        out["soft_score"] = out["soft_score"] * scale
        print("\n".join(describe(name, out, data.scores.double().numpy(), model.grid, scale)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
