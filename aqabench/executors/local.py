"""``--executor local``: the cells one after the other in this process (the default)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from .cells import CellJob, CellResult, OnRun, run_cell


class LocalExecutor:
    """Runs each job in suite order here; ``on_run`` gives a starting cell its epoch progress.
    ``threads`` fixes torch's threads for every cell (``None``: torch's default, as before)."""

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads

    def map(self, jobs: Sequence[CellJob], on_run: OnRun | None = None
            ) -> Iterator[tuple[CellJob, CellResult]]:
        """Yield (job, result) for each job as it finishes."""
        for job in jobs:
            callbacks = on_run(job.cell) if on_run is not None else (None, None)
            yield job, run_cell(replace(job, threads=self.threads), *callbacks)
