"""Executors: how the cells of a suite run, one small strategy per engine.

:func:`aqabench.bench.run_suite` is the one loop over cells: it decides which cells are current
(skipped), hands the others to an executor as picklable :class:`CellJob` objects, and owns what
happens to each :class:`CellResult` that comes back (hash check, atomic write, progress,
failure report). An executor only maps jobs to results, in any order::

    class Executor(Protocol):
        def map(self, jobs, on_run=None) -> Iterator[tuple[CellJob, CellResult]]: ...

``local`` (:class:`~aqabench.executors.local.LocalExecutor`, the default) runs them one after
the other in this process; ``ray`` (:mod:`aqabench.executors.ray_executor`) runs each as a Ray
task, on a laptop or a cluster. Both call the same :func:`~aqabench.executors.cells.run_cell`.
"""

from __future__ import annotations

from .cells import CellJob, CellResult, Executor, run_cell
from .local import LocalExecutor

EXECUTORS = ("local", "ray")

__all__ = ["EXECUTORS", "CellJob", "CellResult", "Executor", "LocalExecutor", "make_executor",
           "run_cell"]


def make_executor(name: str, address: str | None = None, cpus_per_cell: int | None = None,
                  gpus_per_cell: float = 0.0, max_retries: int = 2) -> Executor:
    """The executor called ``name`` (``local`` or ``ray``). ``cpus_per_cell`` fixes the torch
    threads of every cell (``None``, local only: torch's default, today's behaviour); the Ray
    options are ignored by ``local``. Ray is imported only when the first job is submitted."""
    if name == "local":
        return LocalExecutor(threads=cpus_per_cell)
    if name == "ray":
        from .ray_executor import RayExecutor

        return RayExecutor(address=address, cpus_per_cell=cpus_per_cell or 1,
                           gpus_per_cell=gpus_per_cell, max_retries=max_retries)
    raise ValueError(f"unknown executor {name!r}; choose from {', '.join(EXECUTORS)}")
