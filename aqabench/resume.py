"""Resumable training: a run's state between epochs, saved so that a killed run goes on.

A paper protocol runs for hours on a CPU (CoFInAl's 200 epochs on Fis-V TES: 40 min; MCoRe's:
about 12 h), and a session that ends, a Ctrl-C or a killed Ray worker used to lose all of it:
records are written only at the end. While a run trains, :class:`PartialState` saves, at most
every ``every`` seconds and only between epochs, everything the next epoch depends on: the
model's and the optimiser's state, the data-order generator, the Python / NumPy / torch (and
CUDA) random states, the curve so far and the final, best and validation-selected evaluations.
The same command then resumes at the next epoch, and the record it writes is the one the
uninterrupted run writes (``tests/test_resume.py`` checks it for every method), apart from the
wall time and ``provenance.resumed_at``, the epochs it resumed after.

The file is ``<folder>/<record name>.pt`` (the folder: ``<--out>/.partial``), one
``torch.save`` of tensors and plain types that loads with ``weights_only=True``: a partial file
never executes code. It is tied to the run's config hash and code hash; a stale, foreign or
unreadable one is removed with a note and the run starts at epoch 1. It is removed when the
record is written, and ``--force`` discards it first.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from . import __version__, console
from .checkpoint import cpu_state_dict, plain, torch_save_atomic
from .errors import DataError
from .results import record_filename

if TYPE_CHECKING:
    from .train import Evaluation, TrainState

FORMAT = "aqabench-partial"
VERSION = 1
#: The folder under a run's ``--out`` that holds the partial states of runs in progress.
PARTIAL_FOLDER = ".partial"
#: Seconds between saves (0: after every epoch; the last epoch is never saved: the record is).
DEFAULT_EVERY = 60.0


def rng_states() -> dict[str, Any]:
    """Python's, NumPy's, torch's (and CUDA's) global random states, as storable values."""
    name, keys, pos, has_gauss, cached = np.random.get_state(legacy=True)
    states: dict[str, Any] = {
        "python": plain(random.getstate()),
        "numpy": {"name": name, "keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
                  "pos": int(pos), "has_gauss": int(has_gauss), "cached": float(cached)},
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def set_rng_states(states: dict[str, Any]) -> None:
    """Restore what :func:`rng_states` returned."""
    version, internal, gauss = states["python"]
    random.setstate((version, tuple(internal), gauss))
    np_state = states["numpy"]
    np.random.set_state((np_state["name"], np_state["keys"].numpy().astype(np.uint32),
                         np_state["pos"], np_state["has_gauss"], np_state["cached"]))
    torch.set_rng_state(states["torch"])
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])


def pack_evaluation(evaluation: Evaluation) -> dict[str, Any]:
    """An :class:`~aqabench.train.Evaluation` as tensors and plain types."""
    return {
        "ids": list(evaluation.ids),
        "predictions": torch.from_numpy(np.asarray(evaluation.predictions, dtype=np.float64)),
        "truth": torch.from_numpy(np.asarray(evaluation.truth, dtype=np.float64)),
        "metrics": plain(evaluation.metrics),
        "transitions": None if evaluation.transitions is None
        else torch.from_numpy(np.asarray(evaluation.transitions, dtype=np.float64)),
    }


def unpack_evaluation(packed: dict[str, Any]) -> Evaluation:
    from .train import Evaluation

    transitions = packed["transitions"]
    return Evaluation(list(packed["ids"]), packed["predictions"].numpy(),
                      packed["truth"].numpy(), dict(packed["metrics"]),
                      None if transitions is None else transitions.numpy())


class PartialState:
    """The partial state of one run at ``path``, tied to its config and code hashes."""

    def __init__(self, path: Path, config_hash: str, code_hash: str,
                 every: float = DEFAULT_EVERY) -> None:
        self.path, self.config_hash, self.code_hash = Path(path), config_hash, code_hash
        self.every = float(every)
        self.last_save = time.monotonic()
        self.failed = False  # a save that failed once is not tried again in this run
        self.saved = 0  # the epochs the file at ``path`` holds (0: none saved by this run)

    def load(self) -> dict[str, Any] | None:
        """The saved payload, or None (none there; a bad or stale one is removed, noted)."""
        if not self.path.is_file():
            return None
        try:
            payload = torch.load(self.path, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - foreign bytes: any failure is "unreadable"
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            self._drop(f"unreadable ({first[:120]})")
            return None
        if not isinstance(payload, dict) or payload.get("format") != FORMAT \
                or payload.get("version") != VERSION:
            self._drop("not an aqabench partial state of this version")
            return None
        if (payload.get("config_hash"), payload.get("code_hash")) != \
                (self.config_hash, self.code_hash):
            self._drop("saved by another config or other code")
            return None
        return payload

    def _drop(self, why: str) -> None:
        console.err.print(f"{self.path}: {why}; removed, starting at epoch 1")
        self.path.unlink(missing_ok=True)

    def due(self, epochs_done: int, total: int) -> bool:
        """Save after ``epochs_done`` of ``total`` epochs? Never after the last one."""
        if self.failed or epochs_done >= total:
            return False
        return time.monotonic() - self.last_save >= self.every

    def save(self, state: TrainState, optimizer: torch.optim.Optimizer,
             generator: torch.Generator, wall: float) -> None:
        """Write the state atomically (a temp file and a rename). A failed write is a note,
        not a failure: the run goes on without saving."""
        payload = {
            "format": FORMAT, "version": VERSION, "aqabench": __version__,
            "config_hash": self.config_hash, "code_hash": self.code_hash,
            "epochs_done": len(state.curve), "wall_seconds": float(wall),
            "resumed_at": list(state.resumed_at),
            "model": cpu_state_dict(state.model),
            "optimizer": optimizer.state_dict(),
            "generator": generator.get_state(),
            "rng": rng_states(),
            "curve": plain(state.curve),
            "final": None if state.final is None else pack_evaluation(state.final),
            "best": None if state.best is None
            else {"epoch": state.best[0], "evaluation": pack_evaluation(state.best[1])},
            "val": None if state.val is None
            else {"epoch": state.val[0], "evaluation": pack_evaluation(state.val[1]),
                  "held_out": plain(state.val[2])},
        }
        try:
            torch_save_atomic(payload, self.path)
            self.saved = len(state.curve)
        except (OSError, RuntimeError) as exc:  # torch reports a failed write as RuntimeError
            self.failed = True
            console.err.print(f"{self.path}: cannot save the partial state ({exc}); the run "
                              "goes on without it")
        self.last_save = time.monotonic()

    def restore(self, payload: dict[str, Any], state: TrainState,
                optimizer: torch.optim.Optimizer, generator: torch.Generator) -> float:
        """Put a loaded payload back into a fresh run; returns the wall seconds spent before."""
        try:
            state.model.load_state_dict(payload["model"], strict=True)
            optimizer.load_state_dict(payload["optimizer"])
        except (KeyError, RuntimeError, ValueError) as exc:
            raise DataError(self.path, "does not fit this run's model: "
                                       f"{' '.join(str(exc).split())[:200]}") from None
        generator.set_state(payload["generator"])
        set_rng_states(payload["rng"])
        state.curve = [dict(row) for row in payload["curve"]]
        state.final = None if payload["final"] is None else unpack_evaluation(payload["final"])
        if payload["best"] is not None:
            state.best = (int(payload["best"]["epoch"]),
                          unpack_evaluation(payload["best"]["evaluation"]))
        if payload["val"] is not None:
            state.val = (int(payload["val"]["epoch"]),
                         unpack_evaluation(payload["val"]["evaluation"]),
                         dict(payload["val"]["held_out"]))
        state.resumed_at = [*payload["resumed_at"], len(state.curve)]
        self.saved = len(state.curve)
        self.last_save = time.monotonic()
        return float(payload["wall_seconds"])

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def partial_state(folder: Path | None, ident: dict[str, Any], code_hash: str,
                  every: float | None, force: bool = False) -> PartialState | None:
    """The partial state of the run ``ident`` names under ``folder`` (None: not resumable:
    no folder, or ``every`` None); ``force`` discards a saved one."""
    if folder is None or every is None:
        return None
    path = Path(folder) / (Path(record_filename({"identity": ident})).stem + ".pt")
    partial = PartialState(path, ident["config_hash"], code_hash, every)
    if force:
        partial.discard()
    return partial
