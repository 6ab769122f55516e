"""``aqabench data info DATASET`` / ``aqabench data check DATASET --data-root DIR``.

``info`` prints what a dataset is (sizes, subsets, score range, feature dim, the twin's ceiling,
citation, where the real data is published and the folder tree the loader expects) without
loading it. ``check`` validates a real download file by file (files present, shapes, label
columns, counts per split, NaN/inf) and prints every problem, one line each; exit 2 if any.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from .. import console
from ..api import DataRequest, DatasetSpec, resolve_factory
from ..errors import UsageError
from ..plugins import get_registry
from ..runner import default_cache_dir, resolve_subset


def add_parser(sub: Any) -> None:
    p = sub.add_parser("data", help="describe a dataset or validate a real download",
                       description=__doc__)
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    actions.required = True
    info = actions.add_parser("info", help="sizes, score ranges, ceiling, citation, folder tree")
    info.add_argument("dataset")
    info.add_argument("--subset", help="subset, e.g. TES or Ball (default: the first)")
    info.add_argument("--size", default="full", choices=["full", "tiny"],
                      help="synthetic twins: full size or the tiny test size")
    info.set_defaults(func=main_info)
    check = actions.add_parser("check", help="validate a real download, file by file")
    check.add_argument("dataset")
    check.add_argument("--data-root", type=Path, help="root of the download (or the env var)")
    check.set_defaults(func=main_check)


def _spec(name: str) -> DatasetSpec:
    spec: DatasetSpec = get_registry().dataset(name)
    return spec


def describe(spec: DatasetSpec, subset: str | None, size: str) -> dict[str, Any]:
    """The spec's facts merged with its ``info`` hook (cheap: no data is loaded)."""
    facts: dict[str, Any] = {
        "dataset": spec.name, "description": spec.description, "synthetic": spec.synthetic,
        "subsets": list(spec.subsets), "default_subset": spec.default_subset,
        "backbone": spec.backbone, "table_layout": spec.table_layout,
        "citation": spec.citation, "homepage": spec.homepage, "root_env": spec.root_env,
    }
    if spec.info is not None:
        request = DataRequest(subset=subset, size=size, cache_dir=default_cache_dir())
        facts.update(resolve_factory(spec.info)(request))
        facts["subsets"] = list(spec.subsets)
    return facts


def main_info(args: argparse.Namespace) -> int:
    spec = _spec(args.dataset)
    subset = resolve_subset(spec, args.subset)
    facts = describe(spec, subset, args.size)
    tree = facts.pop("tree", None)
    for key, value in facts.items():
        if value in (None, "", [], {}):
            continue
        if isinstance(value, float):
            value = f"{value:.4g}"
        elif isinstance(value, dict):
            value = "; ".join(f"{k}: {v}" for k, v in value.items())
        elif isinstance(value, list):
            value = ", ".join(map(str, value))
        console.out.print(f"{key:>15}: {value}", markup=False)
    if tree:
        console.out.print("expected folder tree:", markup=False)
        console.out.print(tree, markup=False)
    return 0


def main_check(args: argparse.Namespace) -> int:
    spec = _spec(args.dataset)
    if spec.check is None:
        kind = "a synthetic twin" if spec.synthetic else "a dataset without a check"
        raise UsageError(f"{spec.name!r} is {kind}: nothing to check")
    root = args.data_root
    if root is None and spec.root_env and os.environ.get(spec.root_env):
        root = Path(os.environ[spec.root_env])
    if root is None:
        hint = f" or set {spec.root_env}" if spec.root_env else ""
        raise UsageError(f"pass --data-root DIR{hint}")
    problems: list[str] = resolve_factory(spec.check)(DataRequest(root=root))
    for line in problems:
        console.out.print(line, markup=False, soft_wrap=True)
    if problems:
        console.err.print(f"{spec.name}: {len(problems)} problem(s) in {root}", markup=False)
        return 2
    console.out.print(f"{spec.name}: {root} looks complete and well-formed", markup=False)
    return 0
