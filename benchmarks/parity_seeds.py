"""Multi-seed training parity with the official GDLT / CoFInAl code (issue 20). See docs/parity.md.

    python benchmarks/parity_seeds.py --official-gdlt PATH --official-cofinal PATH \
        [--subsets Ball,Hoop] [--seeds 0,1,2] [--epochs 30] [--jobs 2] \
        [--results benchmarks/results/parity] [--scratch /tmp/aqabench-parity] \
        [--ours METHOD:KEY=VALUE[,KEY=VALUE]]... [--summary-only]

For each apparatus the RG twin is exported in the real layout (``aqabench data export rg-synth
--subset S``) into the scratch folder, each official checkout is copied there and patched only
to run on the CPU at a chosen seed (``parity_tools/official_run.py:PATCHES``), and the official
main script (its shipped command, ``--epoch`` set to ``--epochs``) and ``aqabench run`` on the
export (``variant=code`` for CoFInAl) are run once per seed. One JSON per run goes to
``--results``; runs already there are skipped, so the sweep resumes. ``--ours`` adds runs of
our side only with other overrides (e.g. ``cofinal:variant=paper``). Prints mean ± std of final
and best test SRCC per side, the pooled SD and whether the official / ours gap is within it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from parity_tools import official_run, seeds  # noqa: E402


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def _extra(items: list[str]) -> dict[str, list[tuple[str, ...]]]:
    out: dict[str, list[tuple[str, ...]]] = {}
    for item in items:
        method, _, sets = item.partition(":")
        if method not in seeds.OURS_BASE or "=" not in sets:
            raise SystemExit(f"--ours {item!r}: expected METHOD:KEY=VALUE[,KEY=VALUE]")
        out.setdefault(method, []).append(tuple(sets.split(",")))
    return out


def export(scratch: Path, subset: str) -> Path:
    """The RG twin's ``subset`` in the real layout under ``scratch`` (exported once)."""
    target = scratch / f"export-rg-{subset}"
    if not (target / "test.txt").exists():
        subprocess.run([sys.executable, "-m", "aqabench.cli", "data", "export", "rg-synth",
                        "--subset", subset, "--out", str(target)], check=True,
                       stdout=subprocess.DEVNULL)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--official-gdlt", type=Path, metavar="PATH",
                        help="a checkout of github.com/xuangch/CVPR22_GDLT")
    parser.add_argument("--official-cofinal", type=Path, metavar="PATH",
                        help="a checkout of github.com/ZhouKanglei/CoFInAl_AQA")
    parser.add_argument("--subsets", default="Ball", help="RG apparatus, comma-separated (Ball)")
    parser.add_argument("--seeds", default="0,1,2", help="seeds, comma-separated (0,1,2)")
    parser.add_argument("--epochs", type=int, default=30,
                        help="epochs on both sides (30; the paper protocols are 150-500)")
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (2)")
    parser.add_argument("--results", type=Path, default=Path("benchmarks/results/parity"),
                        help="folder of the per-run JSONs (benchmarks/results/parity)")
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/aqabench-parity"),
                        help="exports, patched official copies, run folders")
    parser.add_argument("--ours", action="append", default=[], metavar="METHOD:K=V[,K=V]",
                        help="extra runs of our side with these overrides (repeatable)")
    parser.add_argument("--summary-only", action="store_true",
                        help="print the table of the JSONs in --results; run nothing")
    args = parser.parse_args(argv)
    if not args.summary_only:
        checkouts = {m: p for m, p in (("gdlt", args.official_gdlt),
                                       ("cofinal", args.official_cofinal)) if p is not None}
        extra = _extra(args.ours)
        if not checkouts and not extra:
            parser.error("give --official-gdlt and/or --official-cofinal (or --ours)")
        args.scratch.mkdir(parents=True, exist_ok=True)
        args.results.mkdir(parents=True, exist_ok=True)
        trees = {m: official_run.prepare(m, p, args.scratch) for m, p in checkouts.items()}
        specs = seeds.plan(list(checkouts), args.subsets.split(","), _ints(args.seeds),
                           args.epochs, extra)
        exports = {s: export(args.scratch, s) for s in args.subsets.split(",")}

        def one(spec: seeds.Spec) -> str:
            try:
                path = seeds.run_spec(spec, args.results, exports[spec.subset], args.scratch,
                                      trees)
                return f"done {path.name}"
            except RuntimeError as exc:
                return f"FAILED {spec.name}: {exc}"

        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for message in pool.map(one, specs):
                print(message, flush=True)
    print(seeds.summary(seeds.load(args.results)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
