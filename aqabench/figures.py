"""Figures of result records: the data behind each plot, and its drawing (matplotlib, Agg).

Three kinds, each split into a pure ``*_data`` function (the arrays plotted; what the tests
check) and a ``draw_*`` function that writes PNG or PDF:

- ``scatter``: one record's test predictions against the labels, SRCC in the title;
- ``curves``: train loss and test SRCC over the epochs, the final and best epochs marked;
- ``bars``: SRCC per method for each subset of a dataset (one panel per subset); error bars
  are the std over seeds (mean ± std) when a cell has several seeds, else the record's 95%
  bootstrap CI (``final.srcc_ci``; :mod:`aqabench.table_stats`); the twin's oracle ceiling
  is a dashed line;
- ``bands`` (the leaderboard's validity sections): the pooled τ a perfect, a perfect against
  noisy published rows, and a chance twin would show (:mod:`aqabench.validity_power`), as
  histograms, with the observed τ and the 0.5 target marked.

matplotlib is the optional ``[plot]`` extra: without it :func:`pyplot` raises a one-line
UsageError. Output is as deterministic as matplotlib allows (no creation date in PDFs, a
fixed SVG hash salt); pixels may still differ between matplotlib versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import UsageError
from .stats import predictions
from .table_labels import method_label, own_setting
from .table_stats import cell_stats

if TYPE_CHECKING:  # the bands need scipy, which the CLI's parser must not import
    from .validity_power import Power

FORMATS = ("png", "pdf")
KINDS = ("scatter", "curves", "bars")
FIGURE_PREFIX = "srcc-"  # the bar charts: srcc-<dataset>.<format>
BANDS_PREFIX = "tau-bands-"  # the validity bands: tau-bands-<records folder>.<format>
HINT = "aqabench plot needs matplotlib: pip install 'aqabench[plot]' (or pip install matplotlib)"


def has_matplotlib() -> bool:
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend, or a one-line UsageError."""
    try:
        import matplotlib
    except ImportError:
        raise UsageError(HINT) from None
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "aqabench"
    import matplotlib.pyplot as plt

    return plt


def save(fig: Any, path: Path, fmt: str) -> Path:
    if fmt not in FORMATS:
        raise UsageError(f"unknown figure format {fmt!r}; choose from {', '.join(FORMATS)}")
    path = Path(path).with_suffix(f".{fmt}")
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"CreationDate": None} if fmt == "pdf" else {"Software": None}
    fig.savefig(path, format=fmt, metadata=metadata, dpi=120)
    pyplot().close(fig)
    return path


def title_of(record: dict[str, Any]) -> str:
    ident = record["identity"]
    where = ident["dataset"] + (f" / {ident['subset']}" if ident.get("subset") else "")
    setting = f" [{ident['setting']}]" if ident.get("setting") else ""
    return f"{method_label(record)}{setting} on {where}, seed {ident.get('seed')}"


def stem_of(record: dict[str, Any]) -> str:
    """A record's figures are named like its file (:func:`aqabench.results.record_filename`),
    so two runs that keep two records also keep two figures."""
    from .results import record_filename

    return Path(record_filename(record)).stem

# ----------------------------------------------------------------------------- the data
def scatter_data(record: dict[str, Any], protocol: str = "final") -> dict[str, Any]:
    """Predictions vs labels of ``protocol``'s epoch and the title with its SRCC."""
    pair = predictions(record, protocol)
    if pair is None or protocol not in record:
        raise UsageError(f"{title_of(record)}: the record holds no {protocol} predictions")
    _, pred, truth = pair
    srcc = float(record[protocol]["srcc"])
    epoch = record[protocol].get("epoch")
    return {"pred": pred, "truth": truth, "srcc": srcc,
            "title": f"{title_of(record)}\n{protocol} epoch {epoch}: SRCC {srcc:.3f}"}


def curve_data(record: dict[str, Any]) -> dict[str, Any]:
    """Per-epoch train loss and test SRCC, and the final and best (test) epochs."""
    curve = record.get("curve") or []
    if not curve:
        raise UsageError(f"{title_of(record)}: the record holds no per-epoch curve")
    nan = float("nan")
    return {"epochs": np.array([row["epoch"] for row in curve]),
            "train_loss": np.array([row.get("train_loss", nan) for row in curve], dtype=float),
            "test_srcc": np.array([row.get("test_srcc", nan) for row in curve], dtype=float),
            "final_epoch": int(record["final"]["epoch"]),
            "best_epoch": int(record["best"]["epoch"]), "title": title_of(record)}


@dataclass
class Bar:
    label: str
    value: float
    low: float  # error-bar extent below and above the value
    high: float
    n: int


@dataclass
class Panel:
    dataset: str
    subset: str | None
    bars: list[Bar] = field(default_factory=list)
    ceiling: float | None = None
    size: str = "full"  # the twin size: a smaller twin is its own panel, with its own ceiling

    @property
    def title(self) -> str:
        name = self.subset or self.dataset
        return name if self.size == "full" else f"{name} ({self.size} twin)"


def row_label(record: dict[str, Any]) -> str:
    """``"CoFInAl (paper) [use_gpm=false]"``; a variant's own setting (``variant="code"``) is
    already in the method label."""
    setting = own_setting(record["identity"])
    return method_label(record) + (f" [{setting}]" if setting else "")


def bar_data(records: Iterable[dict[str, Any]], protocol: str = "final"
             ) -> dict[str, list[Panel]]:
    """dataset -> one panel per subset and twin size (tiny and full never share a panel or
    a ceiling), one bar per method (setting): mean ± std over seeds,
    or one seed's bootstrap CI (no bar extent when neither is known)."""
    cells: dict[tuple[str, str | None, str], dict[str, list[dict[str, Any]]]] = {}
    ceilings: dict[tuple[str, str | None, str], float] = {}
    for record in records:
        if protocol not in record:
            continue
        ident = record["identity"]
        key = (ident["dataset"], ident.get("subset"), str(ident.get("size") or "full"))
        cells.setdefault(key, {}).setdefault(row_label(record), []).append(record)
        ceiling = ((record.get("data") or {}).get("meta") or {}).get("ceiling")
        if ceiling is not None:
            ceilings[key] = float(ceiling)
    out: dict[str, list[Panel]] = {}
    for key in sorted(cells, key=lambda k: (k[0], str(k[1]), k[2] != "full", k[2])):
        dataset, subset, size = key
        panel = Panel(dataset, subset, ceiling=ceilings.get(key), size=size)
        for label, group in sorted(cells[key].items()):
            stats = cell_stats(group, protocol, "srcc")
            value = float(np.mean([float(r[protocol]["srcc"]) for r in group]))
            if stats is not None and stats.std is not None:
                low = high = stats.std
            elif stats is not None and stats.interval is not None:
                low, high = value - stats.interval[0], stats.interval[1] - value
            else:
                low = high = 0.0
            panel.bars.append(Bar(label, value, low, high, len(group)))
        out.setdefault(dataset, []).append(panel)
    return out


# --------------------------------------------------------------------------- the drawing
def draw_scatter(record: dict[str, Any], path: Path, fmt: str = "png",
                 protocol: str = "final") -> Path:
    data = scatter_data(record, protocol)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(4.5, 4.5), layout="constrained")
    ax.scatter(data["truth"], data["pred"], s=14, alpha=0.7)
    low = float(min(data["truth"].min(), data["pred"].min()))
    high = float(max(data["truth"].max(), data["pred"].max()))
    ax.plot([low, high], [low, high], color="grey", linewidth=0.8, linestyle="--")
    ax.set(xlabel="true score", ylabel="predicted score")
    ax.set_title(data["title"], fontsize=9)
    return save(fig, path, fmt)


def draw_curves(record: dict[str, Any], path: Path, fmt: str = "png") -> Path:
    data = curve_data(record)
    plt = pyplot()
    fig, (loss_ax, srcc_ax) = plt.subplots(1, 2, figsize=(9, 3.5), layout="constrained")
    loss_ax.plot(data["epochs"], data["train_loss"], marker=".")
    loss_ax.set(xlabel="epoch", ylabel="train loss")
    srcc_ax.plot(data["epochs"], data["test_srcc"], marker=".", color="tab:green")
    srcc_ax.set(xlabel="epoch", ylabel="test SRCC")
    for ax in (loss_ax, srcc_ax):
        ax.axvline(data["final_epoch"], color="black", linestyle="--", linewidth=0.8,
                   label=f"final epoch {data['final_epoch']}")
        ax.axvline(data["best_epoch"], color="tab:red", linestyle=":", linewidth=1.0,
                   label=f"best epoch {data['best_epoch']} (chosen on test)")
    srcc_ax.legend(fontsize=7)
    fig.suptitle(data["title"], fontsize=9)
    return save(fig, path, fmt)


def draw_bars(dataset: str, panels: Sequence[Panel], path: Path, fmt: str = "png",
              protocol: str = "final") -> Path:
    plt = pyplot()
    width = max(3.0, 0.45 * max(len(p.bars) for p in panels) + 1.0)
    fig, axes = plt.subplots(1, len(panels), figsize=(width * len(panels), 3.8), squeeze=False,
                             layout="constrained")
    for ax, panel in zip(axes[0], panels):
        x = np.arange(len(panel.bars))
        errors = np.array([[b.low for b in panel.bars], [b.high for b in panel.bars]])
        ax.bar(x, [b.value for b in panel.bars], yerr=errors, capsize=3, color="tab:blue")
        ax.set_xticks(x, [f"{b.label} (n={b.n})" for b in panel.bars], rotation=60,
                      ha="right", fontsize=7)
        top = max([b.value + b.high for b in panel.bars] + [panel.ceiling or 0.0])
        bottom = min(0.0, *(b.value - b.low for b in panel.bars))
        ax.set_ylim(bottom * 1.1 - (0.01 if bottom < 0 else 0.0), max(top, 0.0) * 1.1 + 0.01)
        if panel.ceiling is not None:
            ax.axhline(panel.ceiling, color="grey", linestyle="--", linewidth=0.8,
                       label="oracle ceiling")
            ax.legend(fontsize=7)
        ax.set_title(panel.title, fontsize=9)
        ax.set_ylabel(f"SRCC ({protocol} epoch)")
    fig.suptitle(f"{dataset}: SRCC per method (error bars: std over seeds, or one seed's "
                 "95% bootstrap CI)", fontsize=9)
    return save(fig, path, fmt)


def draw_board(records: Sequence[dict[str, Any]], folder: Path, fmt: str = "png",
               protocol: str = "final") -> list[Path]:
    """One bar chart per dataset: ``<folder>/srcc-<dataset>.<fmt>``."""
    return [draw_bars(dataset, panels, folder / f"{FIGURE_PREFIX}{dataset}", fmt, protocol)
            for dataset, panels in bar_data(records, protocol).items()]


def band_data(bands: Power) -> dict[str, Any]:
    """Per hypothesis the share of draws (%) at each τ a pooled sign agreement can take
    (steps of 2 / pairs), and the observed τ."""
    values = np.linspace(-1.0, 1.0, bands.pairs + 1)
    shares = {}
    for label, band in (("perfect twin", bands.perfect),
                        ("perfect twin, noisy published rows", bands.noisy_reference),
                        ("chance twin", bands.null)):
        nearest = np.abs(band.draws[:, None] - values[None, :]).argmin(axis=1)
        shares[label] = 100.0 * np.bincount(nearest, minlength=values.size) / band.draws.size
    return {"tau": values, "shares": shares, "observed": bands.observed, "pairs": bands.pairs}


def draw_bands(title: str, bands: Power, path: Path, fmt: str = "png") -> Path:
    from .validity_power import TARGET

    plt = pyplot()
    data = band_data(bands)
    fig, ax = plt.subplots(figsize=(6.4, 3.4), layout="constrained")
    for (label, shares), color in zip(data["shares"].items(),
                                      ("tab:green", "tab:olive", "tab:grey")):
        ax.step(data["tau"], shares, where="mid", color=color, linewidth=1.4, label=label)
    ax.axvline(data["observed"], color="tab:red", linestyle="--",
               label=f"observed τ {data['observed']:.2f}")
    ax.axvline(TARGET, color="black", linestyle=":", linewidth=0.8, label=f"target {TARGET}")
    ax.set_xlabel(f"pooled Kendall τ against the published VST order ({data['pairs']} pairs)")
    ax.set_ylabel("% of draws")
    ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=9)
    return save(fig, path, fmt)
