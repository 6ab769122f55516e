"""``aqabench data info DATASET`` / ``aqabench data check DATASET --data-root DIR``.

``info`` prints what a dataset is (sizes, subsets, score range, feature dim, the twin's ceiling,
citation, where the real data is published and the folder tree the loader expects) without
loading it. ``check`` validates a real download file by file (files present, shapes, label
columns, counts per split, NaN/inf) and prints every problem, one line each; exit 2 if any.
``export`` writes a dataset (a twin, or a real download it loads) in its real released layout —
GDLT's ``swintx_avg_fps25_clip32/`` + label files for RG and Fis-V, FineDiving's annotation
pickles + features — so the official GDLT / CoFInAl / MCoRe code reads the very bytes aqabench
uses; ``--out`` must be new or empty, and it appears complete or not at all.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .. import console
from ..errors import DataError, UsageError
from ..plugins import get_registry
from ..specs import DataRequest, DatasetSpec, resolve_factory


def add_parser(sub: Any) -> None:
    p = sub.add_parser("data", help="describe, validate or export a dataset",
                       description=__doc__)
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    actions.required = True
    info = actions.add_parser("info", help="sizes, score ranges, ceiling, citation, folder tree")
    info.add_argument("dataset")
    info.add_argument("--subset", help="subset, e.g. TES or Ball (default: the first)")
    info.add_argument("--size", default="full", choices=["full", "tiny"],
                      help="synthetic twins: full size or the tiny test size")
    info.add_argument("--data-root", type=Path, metavar="DIR",
                      help="real datasets: also say which folder layout DIR has")
    info.set_defaults(func=main_info)
    check = actions.add_parser("check", help="validate a real download, file by file")
    check.add_argument("dataset")
    check.add_argument("--data-root", type=Path, help="root of the download (or the env var)")
    check.set_defaults(func=main_check)
    export = actions.add_parser(
        "export", help="write a dataset in its real released layout (for the official code)",
        description="Write DATASET (a synthetic twin such as rg-synth, or a real dataset loaded "
                    "from --data-root) in its real released layout: RG / Fis-V as GDLT's "
                    "swintx_avg_fps25_clip32/<video>.npy + train.txt / test.txt, FineDiving as "
                    "Annotations/*.pkl + features/<folder>/<index>.npy. The real loader (rg, "
                    "fisv, finediving) and the official GDLT / CoFInAl scripts read it back "
                    "(MCoRe: its annotation files); see docs/datasets.md. Written to a temporary "
                    "folder beside --out and renamed at the end; prints the 'aqabench run' "
                    "command that reads it back. Example: aqabench data export rg-synth --out "
                    "exports/rg")
    export.add_argument("dataset", help="e.g. rg-synth, fisv-synth, finediving-synth, rg")
    export.add_argument("--subset", help="RG: one apparatus (default: all four in one export); "
                                         "Fis-V: the subset to load (both TES and PCS are "
                                         "written either way)")
    export.add_argument("--size", default="full", choices=["full", "tiny"],
                        help="synthetic twins: full size or the tiny test size")
    export.add_argument("--data-root", type=Path, metavar="DIR",
                        help="real datasets: root of the download (or the env var)")
    export.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="folder to create (must not exist, or be empty)")
    export.set_defaults(func=main_export)


def _spec(name: str) -> DatasetSpec:
    spec: DatasetSpec = get_registry().dataset(name)
    return spec


def describe(spec: DatasetSpec, subset: str | None, size: str, root: Path | None = None
             ) -> dict[str, Any]:
    """The spec's facts merged with its ``info`` hook (cheap: no data is loaded)."""
    from ..runner import default_cache_dir

    facts: dict[str, Any] = {
        "dataset": spec.name, "description": spec.description, "synthetic": spec.synthetic,
        "subsets": list(spec.subsets), "default_subset": spec.default_subset,
        "backbone": spec.backbone, "table_layout": spec.table_layout,
        "citation": spec.citation, "homepage": spec.homepage, "root_env": spec.root_env,
    }
    if spec.info is not None:
        request = DataRequest(subset=subset, root=root, size=size, cache_dir=default_cache_dir())
        facts.update(resolve_factory(spec.info)(request))
        facts["subsets"] = list(spec.subsets)
    return facts


def main_info(args: argparse.Namespace) -> int:
    from ..runner import resolve_subset

    spec = _spec(args.dataset)
    subset = resolve_subset(spec, args.subset)
    facts = describe(spec, subset, args.size, args.data_root)
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
        console.out.print(f"{key:>15}: {value}", markup=False, soft_wrap=True)
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
    layout = describe(spec, None, "full", root).get("layout") if spec.info else None
    if layout:
        console.out.print(f"{spec.name}: layout: {layout}", markup=False, soft_wrap=True)
    problems: list[str] = resolve_factory(spec.check)(DataRequest(root=root))
    for line in problems:
        console.out.print(line, markup=False, soft_wrap=True)
    if problems:
        console.err.print(f"{spec.name}: {len(problems)} problem(s) in {root}", markup=False)
        return 2
    console.out.print(f"{spec.name}: {root} looks complete and well-formed", markup=False)
    return 0


def _fresh_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()):
        raise UsageError(f"--out {out} exists and is not empty")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def main_export(args: argparse.Namespace) -> int:
    from ..runner import data_request, load_bundle, resolve_subset

    spec = _spec(args.dataset)
    if spec.export is None:
        catalog = get_registry().datasets
        names = ", ".join(n for n in catalog.names() if catalog.specs[n].export)
        raise UsageError(f"{spec.name!r} has no released layout to export "
                         f"(datasets that do: {names})")
    if args.subset is not None:
        resolve_subset(spec, args.subset)
    out: Path = args.out.absolute()
    _fresh_target(out)
    data_request(spec, None, args.data_root, args.size)  # a missing --data-root fails here

    def load(subset: str | None) -> Any:
        return load_bundle(spec, data_request(spec, subset, args.data_root, args.size))

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.export-", dir=out.parent))
    try:
        with console.progress(transient=True) as bar:
            task = bar.add_task(f"export {spec.name}", total=None, status="loading")

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, status="videos")

            written = resolve_factory(spec.export)(load, args.subset, tmp, progress)
        sizes = [p.stat().st_size for p in tmp.rglob("*") if p.is_file()]
        os.chmod(tmp, 0o777 & ~_umask())
        _fresh_target(out)  # nothing appeared there meanwhile
        os.replace(tmp, out)  # atomic; replaces an empty folder
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise DataError(exc.filename or out, f"cannot write the export "
                                             f"({exc.strerror or exc})") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _print_export(spec, args, written, out, sizes)
    return 0


def _print_export(spec: DatasetSpec, args: argparse.Namespace, written: dict[str, Any],
                  out: Path, sizes: list[int]) -> None:
    videos = written["videos"]
    subsets = written.get("subsets") or []
    size = f" ({args.size})" if spec.synthetic else ""
    what = f"; subsets {', '.join(subsets)}" if subsets else ""
    megabytes = sum(sizes) / 1e6
    console.out.print(
        f"exported {spec.name}{size} in the {written['dataset']} layout: "
        f"{sum(videos.values())} videos (" + ", ".join(f"{k} {v}" for k, v in videos.items())
        + f"){what}; {len(sizes)} files, {megabytes:.1f} MB", markup=False, soft_wrap=True)
    console.out.print(f"  -> {out}", markup=False, soft_wrap=True)
    command = ["aqabench", "run", "--method", "ridge", "--dataset", written["dataset"]]
    if subsets:
        command += ["--subset", subsets[0]]
    command += ["--data-root", str(out)]
    console.out.print(f"read it back: {shlex.join(command)}", markup=False, soft_wrap=True)
