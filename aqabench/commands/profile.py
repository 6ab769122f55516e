"""``aqabench profile``: parameters, MACs (papers' convention), true FLOPs and latency of a method.

The model is built from a :class:`DataInfo` made WITHOUT loading data: the dataset spec's cheap
``info(request)`` dict (feature_dim, max_length, score range) when it has one, else 1024-d
features and scores 0-25. The input is one video of ``--clips`` N(0, 1) clip features (default:
the method's training window, else 68), batch 1; methods that need exemplars get 1 exemplar,
methods that need stage labels get ``transitions``.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.table import Table

from .. import console
from ..config import fill_score_normalisation, merge_config, parse_overrides
from ..errors import RunError
from ..plugins import get_registry
from ..results import dumps, write_json_atomic
from ..specs import DataRequest, DatasetSpec, MethodSpec, resolve_factory, unsupported

if TYPE_CHECKING:  # torch and the harness load when the command runs, not for --help
    from ..api import AQAModel, DataInfo

DEFAULT_DIM, DEFAULT_RANGE, DEFAULT_DATASET = 1024, (0.0, 25.0), "rg"


def add_parser(sub: Any) -> None:
    p = sub.add_parser("profile", help="params, MACs/FLOPs and latency of a method (no data)",
                       description=__doc__)
    p.add_argument("--method", required=True, help="method plugin name")
    p.add_argument("--dataset", help=f"whose hyper-parameters and shapes (default "
                                     f"{DEFAULT_DATASET!r}, or the first synthetic dataset "
                                     "that provides what the method needs)")
    p.add_argument("--subset", help="subset of the dataset (default: its first)")
    p.add_argument("--clips", type=int, help="clips in the video (default: train window or 68)")
    p.add_argument("--exemplars", type=int, default=1, help="exemplars (methods that need them)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key (repeatable), e.g. --set variant=code")
    p.add_argument("--device", default="auto", help="where latency is timed: auto, cpu, cuda")
    p.add_argument("--threads", type=int, help="torch CPU threads while timing")
    p.add_argument("--warmup", type=int, default=10, help="untimed runs (>= 10)")
    p.add_argument("--runs", type=int, default=50, help="timed runs per round (>= 50)")
    p.add_argument("--rounds", type=int, default=5,
                   help="rounds of FLOP bound + training-graph + prepared latency (>= 1)")
    p.add_argument("--no-latency", action="store_true", help="count only, do not time")
    p.add_argument("--json", action="store_true", help="print the profile as JSON")
    p.add_argument("--out", type=Path, help="also write the profile JSON into this folder")
    p.set_defaults(func=main)


def _range(info: dict[str, Any], subset: str | None) -> tuple[float, float]:
    if "score_min" in info and "score_max" in info:
        return float(info["score_min"]), float(info["score_max"])
    value = info.get("score_range")
    if isinstance(value, dict):
        value = value.get(subset) if subset in value else next(iter(value.values()), None)
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return float(value[0]), float(value[1])
    return DEFAULT_RANGE


def data_info(name: str, spec: DatasetSpec | None, subset: str | None, clips: int
              ) -> tuple[DataInfo, frozenset[str]]:
    """A DataInfo from the spec's cheap ``info(request)`` dict, or the defaults; and the
    extras that dict describes as integer codes (``"long [N], ..."``)."""
    from ..api import DataInfo
    from ..runner import default_cache_dir

    info: dict[str, Any] = {}
    if spec is not None and spec.info is not None:
        root = os.environ.get(spec.root_env) if spec.root_env else None
        request = DataRequest(subset=subset, root=Path(root) if root else None,
                              cache_dir=default_cache_dir())
        info = dict(resolve_factory(spec.info)(request) or {})
    low, high = _range(info, subset)
    extras = info.get("extras", ())
    result = DataInfo(
        dataset=name, subset=subset,
        feature_dim=int(info.get("feature_dim", DEFAULT_DIM)),
        score_min=low, score_max=high,
        train_size=int(info.get("train_size", 0)), test_size=int(info.get("test_size", 0)),
        max_length=max(int(info.get("max_length", clips)), clips),
        backbone=spec.backbone if spec is not None else "precomputed",
        extras=tuple(extras), cardinalities=dict(info.get("cardinalities", {})))
    codes = frozenset(k for k, v in extras.items() if str(v).lower().startswith(("long", "int"))
                      ) if isinstance(extras, dict) else frozenset()
    return result, codes


def default_dataset(method: MethodSpec, datasets: Any) -> str:
    """``rg`` where the method runs on it, else the first synthetic (then any) dataset it does."""
    specs = [datasets.specs[name] for name in datasets.names()]
    runs_on = [spec for spec in specs if unsupported(method, spec) is None]
    if DEFAULT_DATASET not in datasets or any(s.name == DEFAULT_DATASET for s in runs_on):
        return DEFAULT_DATASET
    return next((s.name for s in runs_on if s.synthetic), runs_on[0].name if runs_on
                else DEFAULT_DATASET)


Built = tuple[MethodSpec, dict[str, Any], "DataInfo", frozenset[str], "AQAModel"]


def build(args: argparse.Namespace) -> Built:
    import torch

    from ..api import AQAModel
    from ..profile import profile_clips
    from ..runner import method_defaults, requested_variant, resolve_subset

    registry = get_registry()
    method = registry.method(args.method)
    name = args.dataset or default_dataset(method, registry.catalog("dataset"))
    spec = registry.dataset(name) if (args.dataset or name in registry.catalog("dataset")) \
        else None
    subset = resolve_subset(spec, args.subset) if spec is not None else args.subset
    overrides = parse_overrides(args.overrides)
    config = merge_config(method_defaults(method, name, subset, requested_variant(overrides)),
                          overrides=overrides, rules=method.config_ranges)
    clips = args.clips or profile_clips(config)
    info, codes = data_info(name, spec, subset, clips)
    fill_score_normalisation(config, info)
    torch.manual_seed(int(config["seed"]))
    model = resolve_factory(method.build)(config, info)
    if not isinstance(model, AQAModel):
        raise RunError(f"method {method.name!r} built a {type(model).__name__}, not an AQAModel")
    return method, config, info, codes, model


def profile(args: argparse.Namespace) -> dict[str, Any]:

    from ..profile import example_batch, profile_clips, profile_macs

    method, config, info, codes, model = build(args)
    clips = args.clips or profile_clips(config)
    batch = example_batch(info, clips, method.needs, args.exemplars, int(config["seed"]), codes)
    result: dict[str, Any] = {
        "kind": "profile", "schema_version": 1,
        "identity": {"method": method.name, "variant": config.get("variant"),
                     "dataset": info.dataset, "subset": info.subset,
                     "feature_dim": info.feature_dim},
        **profile_macs(model, batch),
        "exemplars": args.exemplars if "exemplars" in method.needs else 0,
        "config": config, "latency": None, "latency_prepared": None, "flop_bound": None,
    }
    if not args.no_latency:
        result.update(time_both_ways(model, batch, result["macs"], args))
    return result


def time_both_ways(model: AQAModel, batch: Any, macs: int, args: argparse.Namespace
                   ) -> dict[str, Any]:
    """Latency of the training graph and of ``prepare(model)``, interleaved with the machine's
    FLOP bound (:func:`aqabench.speed.latency_vs_bound`), at ``--threads``."""
    import torch

    from ..inference import prepare
    from ..profile import count_macs
    from ..speed import latency_vs_bound
    from ..train import resolve_device

    if args.rounds < 1:
        raise RunError(f"--rounds must be at least 1, got {args.rounds}")
    prepared = prepare(model)
    prepared_macs = macs
    if prepared is not model:
        with torch.no_grad():
            prepared_macs = sum(count_macs(prepared, lambda: prepared(batch)).values())
    threads = torch.get_num_threads()
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        models = {"training": model} if prepared is model else \
            {"training": model, "prepared": prepared}
        timed = latency_vs_bound(models, batch, macs, resolve_device(args.device), args.rounds,
                                 args.warmup, args.runs)
    finally:
        torch.set_num_threads(threads)
    for part in ("latency", "ratio", "ratio_cpu"):  # nothing prepared: the same timings
        timed[part].setdefault("prepared", timed[part]["training"])
    bound = {**timed["flop_bound"], "ratio": timed["ratio"]["training"],
             "ratio_prepared": timed["ratio"]["prepared"],
             "ratio_cpu": timed["ratio_cpu"]["training"],
             "ratio_cpu_prepared": timed["ratio_cpu"]["prepared"]}
    return {"latency": timed["latency"]["training"],
            "latency_prepared": {**timed["latency"]["prepared"],
                                 "same_model": prepared is model, "macs": prepared_macs},
            "flop_bound": bound}


def tab2_table(result: dict[str, Any]) -> Table:
    """Tab. 2's columns: FLOPs (G, = MACs) / Parameter (M) / Inference Time (ms), the latter
    for the training graph and the prepared model, beside the machine's FLOP bound."""
    ident = result["identity"]
    label = ident["method"] + (f" ({ident['variant']})" if ident.get("variant") else "")
    table = Table(title=f"{label}: one video of {result['clips']} clips, batch 1")
    lat, fast, bound = result.get("latency"), result.get("latency_prepared"), \
        result.get("flop_bound")
    columns = ["Method", "FLOPs (G)", "Parameter (M)", "Inference Time (ms)"]
    if fast and bound:
        columns += ["Prepared (ms)", "FLOP bound (ms)"]
    for col in columns:
        table.add_column(col, justify="left" if col == "Method" else "right")
    time_cell = "-" if not lat else f"{lat['median_ms']:.4f}"
    cells = [label, f"{result['macs'] / 1e9:.4f}", f"{result['params'] / 1e6:.2f}", time_cell]
    if fast and bound:
        cells += [f"{fast['median_ms']:.4f}", f"{bound['ms']['median']:.4f}"]
    table.add_row(*cells)
    parts = ", ".join(f"{k} {v / 1e9:.4f}" for k, v in result["macs_breakdown"].items())
    caption = [f"FLOPs (G) = G multiply-accumulates (papers' convention); true FLOPs "
               f"{result['flops'] / 1e9:.4f} G; params {result['params']:,}",
               f"MACs (G) by part: {parts}", f"counter: {result['counter']}"]
    if lat:
        caption.append(f"latency on {lat['device']} ({lat['device_name']}, {lat['threads']} "
                       f"threads): median of {lat['runs']} after {lat['warmup']} warm-up, IQR "
                       f"{lat['q1_ms']:.3f}-{lat['q3_ms']:.3f} ms, min/max {lat['min_ms']:.3f}/"
                       f"{lat['max_ms']:.3f} ms; not comparable across devices")
    if fast and bound:
        caption += [
            f"prepared (prepare_inference{', none: same model' if fast['same_model'] else ''}):"
            f" IQR {fast['q1_ms']:.3f}-{fast['q3_ms']:.3f} ms, {fast['macs'] / 1e9:.4f} G MACs",
            f"FLOP bound {bound['ms']['median']:.3f} ms ({bound['gflops']['median']:.1f} "
            f"GFLOP/s on {bound['threads']} threads); latency / bound, median [min-max] of "
            f"{bound['rounds']} interleaved rounds: training graph {_ratio(bound['ratio'])}, "
            f"prepared {_ratio(bound['ratio_prepared'])}; by thread CPU time: training graph "
            f"{_ratio(bound['ratio_cpu'])}, prepared {_ratio(bound['ratio_cpu_prepared'])}"]
    table.caption = escape("\n".join(caption))
    return table


def _ratio(ratio: dict[str, float]) -> str:
    return f"{ratio['median']:.2f} [{ratio['min']:.2f}-{ratio['max']:.2f}]"


def main(args: argparse.Namespace) -> int:
    result = profile(args)
    if args.out is not None:
        ident = result["identity"]
        parts = ["profile", ident["method"], ident.get("variant"), ident["dataset"],
                 f"T{result['clips']}"]
        name = "__".join(str(p) for p in parts if p) + ".json"
        path = write_json_atomic(dumps(result), args.out / name)
        console.err.print(f"profile: {path}")
    if args.json:
        print(json.dumps(result, indent=1, sort_keys=True, default=str))
    else:
        console.out.print(tab2_table(result))
    return 0
