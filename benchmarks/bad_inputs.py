"""The bad-input campaign: every hostile case of docs/robustness.md, run and counted.

Runs the campaign's test files (data, pickles, outputs, checkpoints, faults, plus the
malformed-input cases of ``tests/test_datasets_real.py``) with pytest and prints, per group,
how many cases there are and how many pass (one line, exit 2, no traceback, nothing
half-written), then the total. Exit 1 if any case fails.

    python benchmarks/bad_inputs.py            # the whole campaign (~1-2 min on 2 cores)
    python benchmarks/bad_inputs.py -k pickle  # a part of it (pytest's -k)
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent.parent / "tests"
GROUPS = {
    "data (run + data check)": "test_bad_data.py",
    "data (earlier cases)": "test_datasets_real.py",
    "pickles": "test_bad_pickle.py",
    "outputs": "test_bad_outputs.py",
    "checkpoints": "test_bad_checkpoints.py",
    "faults, records, plugins": "test_bad_faults.py",
}


class Tally:
    """A pytest plugin counting the outcome of every case, by test file."""

    def __init__(self) -> None:
        self.cases: Counter[str] = Counter()
        self.passing: Counter[str] = Counter()
        self.failed: list[str] = []

    def pytest_runtest_logreport(self, report: Any) -> None:
        file = report.nodeid.split("::")[0].rsplit("/", 1)[-1]
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self.cases[file] += 1  # a skipped case counts, but not as passing
            self.passing[file] += int(report.passed)
            if report.failed:
                self.failed.append(report.nodeid)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", dest="select", help="only cases matching (pytest -k)")
    args = parser.parse_args()
    tally = Tally()
    argv = ["-q", "-p", "no:cacheprovider", "--no-header", "-o", "console_output_style=classic",
            *(str(TESTS / f) for f in GROUPS.values())]
    if args.select:
        argv += ["-k", args.select]
    pytest.main(argv, plugins=[tally])
    print(f"\n{'group':<28} {'cases':>6} {'passing':>8}")
    for group, file in GROUPS.items():
        print(f"{group:<28} {tally.cases[file]:>6} {tally.passing[file]:>8}")
    total, passing = sum(tally.cases.values()), sum(tally.passing.values())
    print(f"{'total':<28} {total:>6} {passing:>8}")
    for nodeid in tally.failed:
        print(f"FAILED {nodeid}")
    return 0 if total and passing == total else 1


if __name__ == "__main__":
    sys.exit(main())
