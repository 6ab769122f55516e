"""Parity with the official implementations, measured (issue 20). See docs/parity.md.

    python benchmarks/parity.py --official-gdlt PATH --official-cofinal PATH \
        [--official-hgcn PATH] [--official-mslstm PATH] [--train-epochs 5] [--diff-only]

Each PATH is the user's own checkout of the official repository (xuangch/CVPR22_GDLT,
ZhouKanglei/CoFInAl_AQA, ZhouKanglei/HGCN_AQA, chmxu/MS_LSTM). Their code carries no licence,
so none of it is in aqabench: the official modules are imported from PATH at run time, on the
CPU, with the in-memory shims each method's module documents. For every method given:

(a) forward parity: the official model and our plugin's model, the official weights
    transplanted into ours by a name map (``parity_tools/<method>.py:RULES``), compared in eval
    mode on random RG-layout features ``[B, 68, 1024]`` (score, loss inputs, loss; gradients in
    train mode with dropout 0 where both are deterministic); tolerance 1e-5 max abs;
(b) the hyper-parameter diff: the official training configuration vs our resolved defaults;
(c) training parity (GDLT, CoFInAl and MS-LSTM code variants): a few epochs from the same
    weights on the same batches of a tiny RG-layout twin written to a temporary folder.

Methods not given are skipped with a note. Exit status 1 if a check that should agree does not.
Runs in about 17 s on one CPU thread.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from parity_tools import cofinal, configs, gdlt, hgcn, mslstm, training  # noqa: E402
from parity_tools.core import render_checks  # noqa: E402

METHODS = {"gdlt": gdlt, "cofinal": cofinal, "hgcn": hgcn, "mslstm": mslstm}
REPOS = {"gdlt": "xuangch/CVPR22_GDLT", "cofinal": "ZhouKanglei/CoFInAl_AQA",
         "hgcn": "ZhouKanglei/HGCN_AQA", "mslstm": "chmxu/MS_LSTM"}


def commit_of(path: Path) -> str:
    try:
        out = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=10, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in METHODS:
        parser.add_argument(f"--official-{name}", type=Path, metavar="PATH",
                            help=f"a checkout of github.com/{REPOS[name]}")
    parser.add_argument("--batch", type=int, default=4, help="videos per forward batch (4)")
    parser.add_argument("--clips", type=int, default=68, help="clips per video (68)")
    parser.add_argument("--diff-only", action="store_true",
                        help="print only the configuration keys that differ")
    parser.add_argument("--train-epochs", type=int, default=5,
                        help="epochs of the training-parity runs; 0 skips them (5)")
    args = parser.parse_args(argv)
    import torch
    torch.set_num_threads(1)

    paths = {m: getattr(args, f"official_{m}") for m in METHODS}
    given = {m: p for m, p in paths.items() if p is not None}
    print("# Parity with the official implementations\n")
    for name, path in paths.items():
        if path is None:
            print(f"- {name}: skipped (no --official-{name} given)")
        else:
            print(f"- {name}: {REPOS[name]} at {path}, commit {commit_of(path)}")
    if not given:
        parser.error("give at least one --official-<method> PATH")

    checks = []
    for name, path in given.items():
        checks += METHODS[name].check(path, batch=args.batch, clips=args.clips)
    print("\n## (a) Forward parity (eval unless stated; tolerance 1e-5)\n")
    print(render_checks(checks))
    print("\n## (b) Configuration diff (official training setup vs aqabench defaults)\n")
    print(configs.report(given, args.diff_only))
    if args.train_epochs:
        print("\n## (c) Training parity (same weights, batches and order; dropout 0)\n")
        for name in ("gdlt", "cofinal"):
            if name in given:
                print(f"### {name}\n")
                print(training.render(training.run(name, given[name], args.train_epochs)))
                print()
        if "mslstm" in given:
            print("### mslstm (official Adam 5e-4; then SGD 1e-5, where no update is normalised)\n")
            print(training.render(training.run_mslstm(given["mslstm"], min(args.train_epochs, 3))))
            print()
            print(training.render(training.run_mslstm(given["mslstm"], min(args.train_epochs, 3),
                                                      lr=1e-5, optimizer="sgd")))
            print()
        if "hgcn" in given:
            print("- hgcn: not run (the plugin is the paper model; see docs/parity.md)")
    failed = [c for c in checks if c.expected_equal and not c.passed]
    print(f"\n{len(checks) - len(failed)} of {len(checks)} checks as expected"
          + (f"; FAILED: {[(c.method, c.setting, c.quantity) for c in failed]}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
