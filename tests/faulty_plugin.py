"""A test-only method plugin whose cells fail on purpose, installed as a fake distribution.

Methods (all the ridge baseline when they do not fail):

* ``fails``: its build raises ``RuntimeError("injected failure")``: an error inside a cell;
* ``dies-always``: its build kills the worker process (``os._exit``), every time;
* ``dies-once``: kills the worker the first time it is built (a marker file under
  ``$AQABENCH_FAULTY_DIR`` remembers it), then runs: what Ray's ``max_retries`` must absorb;
* ``dies-mid-run``: the ridge baseline that kills the worker as its third epoch starts, the
  first time: the retry must resume from the cell's partial state (aqabench/resume.py).

Never use the ``dies-*`` methods with the local executor: they would kill the test process.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_distribution

FAULTY_DIR_ENV = "AQABENCH_FAULTY_DIR"

SOURCE = '''
import os
from pathlib import Path

import aqabench
from aqabench.api import MethodSpec
from aqabench_baseline import RidgeBaseline, build as ridge_build, defaults


def fails(config, info):
    raise RuntimeError("injected failure")


def dies_always(config, info):
    os._exit(3)


def dies_once(config, info):
    marker = Path(os.environ["AQABENCH_FAULTY_DIR"]) / f"died-seed{config['seed']}"
    if not marker.exists():
        marker.touch()
        os._exit(3)
    return ridge_build(config, info)


class DiesMidRun(RidgeBaseline):
    def start_epoch(self, epoch, total):
        marker = Path(os.environ["AQABENCH_FAULTY_DIR"]) / "died-mid-run"
        if epoch == 2 and not marker.exists():
            marker.touch()
            os._exit(3)
        super().start_epoch(epoch, total)


def dies_mid_run(config, info):
    return DiesMidRun(info.feature_dim)


@aqabench.hookimpl
def aqabench_register_methods(register):
    for name, build in (("fails", fails), ("dies-always", dies_always),
                        ("dies-once", dies_once), ("dies-mid-run", dies_mid_run)):
        register(MethodSpec(name=name, build=build, defaults=defaults, datasets=("toy-synth",),
                            description="test-only: fails on purpose"))
'''


def install_faulty_plugin(site: Path) -> Path:
    """Write the ``aqabench-faulty`` distribution (entry point ``faulty``) into ``site``."""
    site.mkdir(parents=True, exist_ok=True)
    write_distribution(site, "aqabench-faulty", {"faulty": "aqabench_faulty"},
                       {"aqabench_faulty": SOURCE})
    return site
