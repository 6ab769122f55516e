"""The unit of work an executor ships: a picklable cell job in, a record (or an error) out."""

from __future__ import annotations

import platform
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import AqabenchError, DataError

if TYPE_CHECKING:  # torch and the harness load when a cell runs
    from ..bench import Cell
    from ..runner import RunRequest
    from ..train import EpochCallback

#: ``on_run(cell)``: the (on_epoch, on_start) callbacks of a cell that starts in this process.
OnRun = Callable[["Cell"], "tuple[EpochCallback | None, EpochCallback | None]"]


@dataclass(frozen=True)
class CellJob:
    """One cell to run: its position in the suite, its suite cell (for labels), the run request
    (``out_dir`` is ignored: the driver writes the record) and the torch threads to fix
    (``None``: leave torch's)."""

    index: int
    cell: Cell
    request: RunRequest
    threads: int | None = None


@dataclass
class CellResult:
    """What comes back from a cell: its record, or a one-line ``error``; the node it ran on
    and the seconds it took there."""

    record: dict[str, Any] | None
    error: str | None
    seconds: float
    node: str


class Executor(Protocol):
    """Maps cell jobs to results, yielding each (job, result) as it completes (any order)."""

    def map(self, jobs: Sequence[CellJob], on_run: OnRun | None = None
            ) -> Iterator[tuple[CellJob, CellResult]]: ...


def node_name() -> str:
    """This machine's host name (what a failure on a cluster names)."""
    return platform.node() or "?"


def check_data_root(root: Path | None, node: str) -> None:
    """``--data-root`` must exist on the node that runs the cell (no shared filesystem is
    assumed for results, but real data is read where the cell runs)."""
    if root is not None and not Path(root).is_dir():
        raise DataError(root, f"--data-root not found on node {node}: the path must be valid "
                              "on every node that runs cells")


def describe_failure(exc: BaseException) -> str:
    """One line: an aqabench error as it is, anything else with its type and where it rose."""
    if isinstance(exc, AqabenchError):
        return " ".join(str(exc).split())
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}{where}"


def run_cell(job: CellJob, on_epoch: EpochCallback | None = None,
             on_start: EpochCallback | None = None) -> CellResult:
    """Run one cell here (this process, or a Ray worker) and return its record unwritten.

    A failure is returned as a one-line error, not raised, so the driver reports it and goes
    on; a Ctrl-C (or a dying process) is not caught. The plugins are those installed where the
    cell runs (the driver checks the record's code hash against its own)."""
    import torch

    from ..plugins import get_registry
    from ..runner import run

    node, clock = node_name(), time.perf_counter()
    threads = torch.get_num_threads()
    try:
        if job.threads is not None:
            torch.set_num_threads(job.threads)
        check_data_root(job.request.data_root, node)
        record, _, _ = run(replace(job.request, out_dir=None), get_registry(), on_epoch, on_start)
        return CellResult(record, None, time.perf_counter() - clock, node)
    except Exception as exc:  # noqa: BLE001 - one cell's failure must not stop the suite
        return CellResult(None, describe_failure(exc), time.perf_counter() - clock, node)
    finally:
        torch.set_num_threads(threads)
