"""Running an official main script as shipped, on the CPU, on an exported twin.

The official code is never copied into aqabench: :func:`prepare` copies the user's checkout
into a scratch folder and applies the few text patches listed in :data:`PATCHES` (each must
match the file exactly, else :class:`PatchError`), so the copy runs on a CPU-only machine with
the packages aqabench installs, at the seed the caller asks for. Every patch is described in
words in ``docs/parity.md`` ("Multi-seed training parity").

The command line is the official one: GDLT's README training command, CoFInAl's
``scripts/train_all_rg.sh`` command for the apparatus, with the data paths pointed at the
export and ``--epoch`` set to the caller's epoch count (the reduced protocol).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

from .configs import _commands

#: (file, text as shipped, replacement, why): applied in that order to the scratch copy.
PATCHES: dict[str, list[tuple[str, str, str, str]]] = {
    "gdlt": [
        ("models/model.py", "torch.linspace(0, 1, n_query, requires_grad=False).cuda()",
         "torch.linspace(0, 1, n_query, requires_grad=False)",
         "CPU: the grade values are built on the CPU instead of `.cuda()`"),
    ],
    "cofinal": [
        ("main.py", "labels=labels.squeeze(), feat=feat)",
         "labels=labels.squeeze(), feat=np.array([None] + list(feat), dtype=object)[1:])",
         "numpy >= 1.24 refuses the ragged per-video feature list the best-epoch dump saves; "
         "it is saved as an object array (the dump is a side file, not read back)"),
    ],
}
#: Marks a prepared copy (checkout path and patches): a later sweep reuses it as it is.
STAMP = ".parity-prepared"
#: Patches both main scripts take.
COMMON = [
    ("main.py", "setup_seed(0)", 'setup_seed(int(os.environ.get("OFFICIAL_SEED", "0")))',
     "seed: the hard-coded `setup_seed(0)` reads the seed from OFFICIAL_SEED (default 0)"),
    ("main.py", "num_workers=8", "num_workers=0",
     "CPU: the loaders run in the main process (the shipped 8 workers on a 2-core machine)"),
]
#: A stand-in for ``tensorboardX`` (imported by both main scripts, only to log scalars).
TENSORBOARDX_STUB = '''"""No-op SummaryWriter: the official scripts only log scalars through it."""


class SummaryWriter:
    def __init__(self, *args, **kwargs):
        pass

    def add_scalar(self, *args, **kwargs):
        pass

    def close(self):
        pass
'''
EPOCH_LINE = re.compile(r"^Epoch: (\d+)\tLoss: ([-\d.naif]+)\tTrain Coef: ([-\d.naif]+)\t"
                        r"Test Loss: ([-\d.naif]+)\tTest Coef: ([-\d.naif]+)", re.M)


class PatchError(RuntimeError):
    """An official file does not contain the text a patch expects (another commit?)."""


def prepare(method: str, checkout: Path, scratch: Path) -> Path:
    """A patched copy of ``checkout`` under ``scratch``, reused while the checkout path and the
    patches are unchanged (else rebuilt); returns its path.

    Also writes the ``tensorboardX`` stub to ``scratch/stub``: put it on ``PYTHONPATH``.
    """
    tree = scratch / f"official-{method}"
    stamp = f"{Path(checkout).resolve()}\n{PATCHES[method] + COMMON!r}\n"
    if not (tree / STAMP).exists() or (tree / STAMP).read_text() != stamp:
        # built beside, then renamed: a sweep already running from ``tree`` is not disturbed
        fresh = scratch / f".official-{method}-{os.getpid()}"
        shutil.copytree(checkout, fresh, ignore=shutil.ignore_patterns(
            ".git", "temp_log", "ckpt", "logs", "*.pkl", "*.pth"))
        for name, old, new, _why in PATCHES[method] + COMMON:
            path = fresh / name
            text = path.read_text()
            if old not in text:
                shutil.rmtree(fresh)
                raise PatchError(f"{checkout / name}: expected text not found: {old!r}")
            path.write_text(text.replace(old, new))
        (fresh / STAMP).write_text(stamp)
        if tree.exists():
            shutil.rmtree(tree)
        fresh.rename(tree)
    stub = scratch / "stub" / "tensorboardX"
    stub.mkdir(parents=True, exist_ok=True)
    (stub / "__init__.py").write_text(TENSORBOARDX_STUB)
    return tree


def official_args(method: str, tree: Path, export: Path, subset: str, epochs: int) -> list[str]:
    """The official training command's arguments for ``subset``, on ``export``, ``epochs`` long."""
    if method == "gdlt":
        readme = (tree / "README.md").read_text()
        line = next(x for x in readme.splitlines()
                    if "main.py" in x and "--epoch" in x and "--test " not in x)
        tokens = shlex.split(re.sub(r"\{[^}]*\}", "X", line.split("main.py", 1)[1]))
    else:
        script = (tree / "scripts" / "train_all_rg.sh").read_text()
        runs = [t for t in _commands(script) if _value(t, "--action-type") == subset]
        if not runs:
            raise PatchError(f"{tree}/scripts/train_all_rg.sh: no command for {subset}")
        tokens = runs[0]
    values = {"--video-path": str(export / "swintx_avg_fps25_clip32"),
              "--train-label-path": str(export / "train.txt"),
              "--test-label-path": str(export / "test.txt"),
              "--model-name": subset, "--action-type": subset, "--epoch": str(epochs)}
    out = list(tokens)
    for flag, value in values.items():
        if flag in out:
            out[out.index(flag) + 1] = value
        else:
            out += [flag, value]
    return out


def _value(tokens: list[str], flag: str) -> str | None:
    return tokens[tokens.index(flag) + 1] if flag in tokens else None


def parse_log(text: str) -> list[dict[str, float]]:
    """One row per ``Epoch: ...`` line the official main scripts print (epochs 1-based)."""
    rows = []
    for m in EPOCH_LINE.finditer(text):
        rows.append({"epoch": int(m.group(1)) + 1, "train_loss": float(m.group(2)),
                     "train_srcc": float(m.group(3)), "test_loss": float(m.group(4)),
                     "test_srcc": float(m.group(5))})
    return rows
