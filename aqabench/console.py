"""Shared rich consoles: progress and notes on stderr, tables and results on stdout."""

from __future__ import annotations

import sys
import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

# Off a terminal (CI logs, pipes) use a wide fixed width so names are never folded.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 160)


def progress(transient: bool = False) -> Progress:
    """A progress bar on stderr (silent when stderr is not a terminal: logs stay clean)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeRemainingColumn(),
        console=err,
        transient=transient,
        disable=not err.is_terminal,
    )


def duration(seconds: float) -> str:
    """``seconds`` as a person reads a wait: ``40 s``, ``12 min``, ``11 h 35 min``."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


class RunProgress:
    """Drives one run's progress: its task on ``bar`` on a terminal; off a terminal (nohup, CI
    logs), where the bar is silent, one plain line per epoch on stderr instead, with the time
    the rest will take at this process's mean epoch time (what the bar's own column shows), e.g.
    ``gdlt / rg-synth: epoch 3/20 loss 0.1234 test srcc 0.456 (1.2 s; about 20 s left)``.

    Pass :meth:`on_epoch` and :meth:`on_start` to :func:`aqabench.runner.run`."""

    def __init__(self, bar: Progress, label: str) -> None:
        self.bar, self.label = bar, label
        self.task = bar.add_task(label, total=None, status="loading")
        self.total: int | None = None
        self.clock = self.started = time.perf_counter()
        self.timed = 0  # epochs this process trained (a resumed run starts past epoch 1)

    def on_start(self, config: dict[str, Any]) -> None:
        self.total = int(config["epochs"])
        self.clock = self.started = time.perf_counter()
        self.bar.update(self.task, total=self.total, status="training")

    def on_epoch(self, row: dict[str, Any]) -> None:
        loss = row.get("train_loss", float("nan"))
        self.bar.update(self.task, advance=1,
                        status=f"loss {loss:.4f}  test SRCC {row['test_srcc']:.3f}")
        if self.bar.disable:
            now = time.perf_counter()
            self.timed += 1
            left = ""
            if self.total and row["epoch"] < self.total:
                per_epoch = (now - self.started) / self.timed
                left = f"; about {duration((self.total - row['epoch']) * per_epoch)} left"
            err.print(f"{self.label}: epoch {row['epoch']}/{self.total or '?'} loss {loss:.4f} "
                      f"test srcc {row['test_srcc']:.3f} ({now - self.clock:.1f} s{left})",
                      markup=False, highlight=False)
            self.clock = now

    def done(self) -> None:
        self.bar.remove_task(self.task)
