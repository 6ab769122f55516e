"""What the CoFInAl paper model's TFM attends to: Eq. 7's weights, read from a checkpoint.

    python benchmarks/cofinal_tfm_attention.py CHECKPOINT.pt [--data-root EXPORT]
        [--real benchmarks/data/i3d_k400_sample_clips.npz] [--init-seeds 0 1 2]

``CHECKPOINT.pt`` is a paper-model run saved with ``aqabench run --method cofinal
--save-checkpoint``. The TFM (Sect. 3.2) pools the clips into P procedure features with one
softmax over the clips per procedure; if its logits barely vary across a video's clips, the
weights are uniform and every procedure is the same vector, ``W_V · mean(clips) + b_V``: the
trunk is a mean pool, blind to where in the video anything happens. Printed, for every test
video at full length, in eval mode (a diagnosis: nothing here is tuned or adopted):

- the trained TFM: entropy of the weights / log T (1 = uniform), the largest weight × T
  (1 = uniform), the std of the logits across the clips (softmax leaves uniform near 1), the
  mean cosine between the P procedure features, and their distance from the clip-mean value
  ``|H̃_p − mean_t V_T| / |std_t V_T|``;
- the same for freshly initialised TFMs (``--init-seeds``), and the projections' norms;
- an untrained TFM on REAL I3D clip features (``--real``: Kinetics-400 I3D on the sample videos
  that installable packages ship, benchmarks/data) beside the run's test videos cut to the same
  clip counts, so that what initialisation does on the twin can be read against real features
  (needs the run's feature dim to be the real features' 1024).

See docs/parity.md ("Why the CoFInAl paper model trails the official code").
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
from cofinal_collapse import restore_run

from aqabench.plugins import get_registry
from aqabench.specs import resolve_factory

REAL = Path(__file__).resolve().parent / "data" / "i3d_k400_sample_clips.npz"


def video_figures(tfm: Any, clips: torch.Tensor) -> dict[str, float]:
    """The TFM's attention figures on one video's ``[T, D_C]`` clips (no padding)."""
    mask = torch.ones(1, clips.shape[0], dtype=torch.bool)
    logits = tfm.logits(clips[None], mask)[0]  # [P, T]
    weights = torch.softmax(logits, dim=-1)
    count = clips.shape[0]
    value = tfm.value(clips)
    fused = weights @ value  # [P, D_P], the TFM's output (eval: no dropout)
    unit = torch.nn.functional.normalize(fused, dim=-1)
    off_diagonal = ~torch.eye(len(fused), dtype=torch.bool)
    entropy = -(weights * weights.clamp_min(1e-12).log()).sum(-1) / math.log(count)
    return {
        "entropy": float(entropy.mean()),
        "peak": float(weights.max(-1).values.mean() * count),
        "logit_std": float(logits.std(-1).mean()),
        "cosine": float((unit @ unit.T)[off_diagonal].mean()),
        "distance": float(((fused - value.mean(0)).norm(dim=-1) / value.std(0).norm()).mean()),
    }


def split_figures(model: Any, videos: list[torch.Tensor]) -> dict[str, np.ndarray]:
    with torch.inference_mode():
        rows = [video_figures(model.tfm, model.norm(clips)) for clips in videos]
    return {key: np.array([row[key] for row in rows]) for key in rows[0]}


def describe(name: str, figures: dict[str, np.ndarray]) -> list[str]:
    def spread(key: str) -> str:
        values = figures[key]
        return (f"{values.mean():.4f} [5-95 %: {np.percentile(values, 5):.4f}, "
                f"{np.percentile(values, 95):.4f}]")

    return [f"## {name} ({len(figures['entropy'])} videos)",
            f"- entropy / log T (1 = uniform): {spread('entropy')}",
            f"- largest weight x T (1 = uniform): {spread('peak')}",
            f"- logit std across the clips: {spread('logit_std')}",
            f"- cosine between the P procedures: {spread('cosine')}",
            f"- |H~_p - mean V| / |std_t V|: {spread('distance')}"]


def norms(model: Any) -> str:
    tfm = model.tfm
    return ", ".join(f"|W_{name}| {float(layer.weight.detach().norm()):.3f}"
                     for name, layer in (("Q", tfm.query), ("K", tfm.key), ("V", tfm.value)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("--data-root", type=Path, default=None)
    parser.add_argument("--real", type=Path, default=REAL)
    parser.add_argument("--init-seeds", type=int, nargs="*", default=[0, 1, 2])
    args = parser.parse_args(argv)
    ckpt, model, config, bundle = restore_run(args.checkpoint, args.data_root)
    if not hasattr(model, "tfm") or not hasattr(model.tfm, "logits"):
        parser.error(f"{args.checkpoint}: not a CoFInAl paper-model run with its TFM "
                     "(variant=paper, use_tfm=true)")
    test = bundle.test
    videos = [test.features[i, :int(test.lengths[i])].float() for i in range(len(test))]
    print("\n".join(describe(f"trained TFM, test split ({norms(model)})",
                             split_figures(model, videos))))
    real = np.load(args.real, allow_pickle=False)
    real_clips = [torch.from_numpy(real[name]).float() for name in real.files
                  if len(real[name]) >= 2]
    if config["feature_norm"] == "video_centre":
        real_clips = [clips - clips.mean(0) for clips in real_clips]
    build = resolve_factory(get_registry().method(ckpt.method).build)
    for seed in args.init_seeds:
        torch.manual_seed(seed)
        fresh = build(ckpt.config, ckpt.info).eval()
        print("\n".join(describe(f"untrained TFM, seed {seed}, test split ({norms(fresh)})",
                                 split_figures(fresh, videos))))
        if real_clips[0].shape[1] != test.feature_dim:
            print(f"(real I3D clips are {real_clips[0].shape[1]}-d, this run's features "
                  f"{test.feature_dim}-d: no comparison)")
            continue
        cut = [videos[(8 * j + i) % len(videos)][:len(clips)]  # 8 test videos per real one
               for j, clips in enumerate(real_clips) for i in range(8)]
        counts = sorted(len(clips) for clips in real_clips)
        print("\n".join(describe(f"untrained TFM, seed {seed}, real I3D clips "
                                 f"({counts} clips)", split_figures(fresh, real_clips))))
        print("\n".join(describe(f"untrained TFM, seed {seed}, test videos cut to the same "
                                 "counts", split_figures(fresh, cut))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
