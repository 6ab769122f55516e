"""``aqabench score``: one video (or its ``.npy`` features) -> a score, with a trained checkpoint.

Video -> clip features (the backbone, cached as in ``aqabench extract``) -> the method's network
rebuilt from the checkpoint (``aqabench run --save-checkpoint``) -> the score in the training
dataset's raw units, plus any per-procedure / per-stage outputs the method returns (e.g.
``transitions``). The model sees exactly what the harness's test evaluation would give it.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table

from .. import console
from ..config import parse_overrides
from ..errors import DataError, UsageError
from ..plugins import Registry, get_registry

if TYPE_CHECKING:  # torch and the harness load when the command runs, not for --help
    import torch

    from ..checkpoint import Checkpoint

DEFAULT_BACKBONE = "i3d"
#: Outputs with more values than this per video (attention maps, embeddings) are not printed.
MAX_DETAIL_VALUES = 64


def add_parser(sub: Any) -> None:
    p = sub.add_parser("score", help="score a video with a trained checkpoint",
                       description=__doc__)
    p.add_argument("video", type=Path, metavar="VIDEO",
                   help="a video file, or a <name>.npy of clip features [clips, dim]")
    p.add_argument("--method", required=True, help="the method the checkpoint was trained with")
    p.add_argument("--checkpoint", type=Path, required=True,
                   help="a .pt written by 'aqabench run --save-checkpoint'")
    p.add_argument("--backbone", help="feature backbone for a video (default: the training "
                   f"data's backbone when it can extract, else {DEFAULT_BACKBONE})")
    p.add_argument("--clip-len", type=int, help="frames per clip (default: the backbone's)")
    p.add_argument("--extra", action="append", default=[], metavar="KEY=VALUE",
                   help="a per-video input the method needs, e.g. --extra difficulty=3.2")
    p.add_argument("--device", default="auto", help="auto (cuda if present), cpu, cuda, cuda:1")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=main)


def choose_backbone(registry: Registry, checkpoint: Checkpoint, wanted: str | None) -> str:
    if wanted:
        return wanted
    trained = checkpoint.info.backbone
    if trained in registry.backbones and registry.backbone(trained).clip_len > 0:
        return trained
    return DEFAULT_BACKBONE


def video_features(path: Path, registry: Registry, backbone_name: str, clip_len: int | None,
                   device: torch.device) -> tuple[torch.Tensor, str]:
    """``[clips, dim]`` features of ``path`` and the backbone that made them."""
    import torch

    from ..extraction import build_backbone, extract_video
    from ..runner import default_cache_dir

    if path.suffix.lower() == ".npy":
        from ..api import resolve_factory

        reader = resolve_factory(registry.backbone("precomputed").factory)(device)
        return reader.load(path), "precomputed"
    spec = registry.backbone(backbone_name)
    backbone = build_backbone(spec, device, clip_len)
    with console.progress(transient=True) as bar:
        task = bar.add_task(path.name, total=None, status=spec.name)
        features = extract_video(
            backbone, spec, path, backbone.clip_len, default_cache_dir(),
            lambda done, total: bar.update(task, completed=done, total=total, status="clips"))
    return torch.from_numpy(features), spec.name


def extras_tensors(items: list[str]) -> dict[str, torch.Tensor]:
    import torch

    out = {}
    for key, value in parse_overrides(items).items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UsageError(f"--extra {key}: expected a number, got {value!r}")
        out[key] = torch.tensor([value], dtype=torch.long if isinstance(value, int)
                                else torch.float32)
    return out


def predict(checkpoint: Checkpoint, model: Any, name: str, features: torch.Tensor,
            extras: dict[str, torch.Tensor], device: torch.device) -> dict[str, Any]:
    """Run the model once on one video as the harness's test evaluation would."""
    import torch

    from ..api import FeatureSet
    from ..sampling import test_batches

    config = checkpoint.config
    data = FeatureSet.from_sequences([name], [features], [math.nan], extras)
    batch = next(iter(test_batches(data, config))).to(device)
    model.to(device)
    try:
        with torch.inference_mode():
            outputs = model(batch)
    except KeyError as exc:
        raise UsageError(f"method {checkpoint.method!r} needs the per-video input {exc}; "
                         f"pass --extra {exc.args[0]}=VALUE") from exc
    scale, shift = float(config["score_scale"]), float(config["score_shift"])
    score = float(outputs["score"].reshape(-1)[0]) * scale + shift
    detail = {}
    for key, value in outputs.items():
        if key == "score" or not isinstance(value, torch.Tensor) or value.shape[:1] != (1,):
            continue
        if value[0].numel() <= MAX_DETAIL_VALUES:
            detail[key] = value[0].detach().float().cpu().tolist()
    return {"score": score, "normalised": float(outputs["score"].reshape(-1)[0]),
            "clips": int(features.shape[0]), "detail": detail}


def main(args: argparse.Namespace) -> int:
    from ..checkpoint import load_checkpoint, restore_model
    from ..train import resolve_device

    registry = get_registry()
    checkpoint = load_checkpoint(args.checkpoint)
    method = registry.method(args.method)
    if "exemplars" in method.needs:
        raise UsageError(f"method {method.name!r} compares against training exemplars, which a "
                         "checkpoint does not carry; 'aqabench score' cannot run it yet")
    model = restore_model(checkpoint, method)
    device = resolve_device(args.device)
    if not args.video.exists():
        raise DataError(args.video, "no such file")
    backbone = choose_backbone(registry, checkpoint, args.backbone)
    features, used = video_features(args.video, registry, backbone, args.clip_len, device)
    if features.shape[1] != checkpoint.info.feature_dim:
        raise DataError(args.video, f"{used} features are {features.shape[1]}-d but the "
                                    f"checkpoint's model takes {checkpoint.info.feature_dim}-d "
                                    f"({checkpoint.info.dataset} features)")
    result = predict(checkpoint, model, args.video.stem, features, extras_tensors(args.extra),
                     device)
    ident = checkpoint.identity
    result.update(video=str(args.video), backbone=used, method=method.name,
                  dataset=ident.get("dataset"), subset=ident.get("subset"))
    if args.json:
        console.out.print(json.dumps(result, indent=1), markup=False)
        return 0
    trained = ident.get("dataset", "?") + (f" / {ident['subset']}" if ident.get("subset") else "")
    table = Table(title=f"{args.video.name}: {method.name} trained on {trained}")
    table.add_column("output")
    table.add_column("value", justify="right")
    table.add_row("score", f"{result['score']:.4f}")
    table.add_row("clips", f"{result['clips']} ({used})")
    for key, value in result["detail"].items():
        shown = ", ".join(f"{v:.4g}" for v in value) if isinstance(value, list) else f"{value:.4g}"
        table.add_row(key, shown)
    console.out.print(table)
    return 0
