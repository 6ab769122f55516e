"""``--executor ray``: every cell is a Ray task (a laptop's local Ray, or an existing cluster).

Workers run :func:`~aqabench.executors.cells.run_cell` with the aqabench and plugins installed
on their node, generate the twins they need in their own cache, and return the record; the
driver writes it (no shared filesystem is needed for results). A task whose worker process dies
is retried ``max_retries`` times by Ray; an error inside a cell is not retried (it would fail
again) but returned and reported. Ray is imported only here, and only when jobs are submitted.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from ..errors import UsageError
from .cells import CellJob, CellResult, OnRun, run_cell

MISSING_HINT = "--executor ray needs Ray: pip install 'aqabench[ray]' (or pip install 'ray>=2.9')"


def import_ray() -> Any:
    """The ``ray`` module, or a one-line :class:`UsageError` saying how to install it."""
    try:
        import ray
    except ImportError:
        raise UsageError(MISSING_HINT) from None
    return ray


def first_line(exc: BaseException) -> str:
    """The first non-empty line of a Ray error (its messages span many lines)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": ")


class RayExecutor:
    """Submit every job as a task with ``cpus_per_cell`` CPUs (also the torch threads each cell
    is fixed to) and ``gpus_per_cell`` GPUs, then yield results as they complete.

    ``address``: ``None`` follows ``ray.init()`` (``$RAY_ADDRESS``, else the latest cluster
    started on this machine, else a new local Ray with every core); ``"auto"`` or
    ``"HOST:PORT"`` joins an existing cluster. A Ray this process already initialised is used
    as it is. What :meth:`map` connected to is disconnected (a local Ray it started stops)
    when the jobs are done."""

    def __init__(self, address: str | None = None, cpus_per_cell: int = 1,
                 gpus_per_cell: float = 0.0, max_retries: int = 2) -> None:
        self.address, self.cpus, self.gpus = address, cpus_per_cell, gpus_per_cell
        self.max_retries = max_retries

    def _connect(self, ray: Any) -> bool:
        """Start or join Ray; True when this call started it (and so must shut it down)."""
        if ray.is_initialized():
            return False
        try:
            ray.init(address=self.address)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = f"join Ray at {self.address}" if self.address else "start a local Ray"
            raise UsageError(f"--executor ray: cannot {where} ({first_line(exc)})") from None
        return True

    def _collect(self, ray: Any, ref: Any) -> CellResult:
        try:
            return ray.get(ref)  # type: ignore[no-any-return]
        except ray.exceptions.WorkerCrashedError as exc:
            return CellResult(None, f"the worker died {self.max_retries + 1} times "
                                    f"(max_retries={self.max_retries}): {first_line(exc)}",
                              0.0, "?")
        except ray.exceptions.RayError as exc:
            return CellResult(None, first_line(exc), 0.0, "?")

    def map(self, jobs: Sequence[CellJob], on_run: OnRun | None = None
            ) -> Iterator[tuple[CellJob, CellResult]]:
        """Yield (job, result) as tasks finish; ``on_run`` is not used (no epoch progress
        comes back from a worker, only the cell's result)."""
        if not jobs:
            return
        ray = import_ray()
        started_here = self._connect(ray)
        task = ray.remote(run_cell).options(num_cpus=self.cpus, num_gpus=self.gpus,
                                            max_retries=self.max_retries)
        pending = {task.remote(replace(job, threads=self.cpus)): job for job in jobs}
        try:
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1)
                for ref in ready:
                    yield pending.pop(ref), self._collect(ray, ref)
        finally:
            for ref in pending:  # interrupted: do not leave tasks running on the cluster
                ray.cancel(ref, force=True)
            if started_here:
                ray.shutdown()
