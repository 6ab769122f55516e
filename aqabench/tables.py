"""Paper-format tables: one data model, GitHub markdown and LaTeX (booktabs) renderers.

A :class:`Table` holds rows of numbers (``None`` prints as '-'); each column says how many
decimals it prints and whether higher or lower is better. Per column, the best value is bold and
the second underlined, compared at the printed precision (ties share the mark), and only among
rows of the same ``scope`` (numbers on a synthetic twin are never ranked against real data);
a scope with a single number in a column marks nothing, and a cell whose every seed predicted
one constant value for all test videos (printed with ``const.``: its correlation is undefined,
counted as 0) is not ranked. Reproduced cells may carry
:class:`CellStats`: several seeds print ``mean ± std (n=k)``, one seed prints its 95% bootstrap
CI ``value [low, high]``; where the two best cells of a column both carry statistics, the best
is bold only when :func:`aqabench.stats.separated` says it is separated from the second;
otherwise nothing is bold and every cell not separated from the best is marked ≈.
Both renderers are written here, not by tabulate (no longer a dependency of the package):
tabulate pads every cell to its column's width (``| Ridge †  |``, ``|----------|``), even with a
custom ``TableFormat`` of zero padding, so it cannot give the committed leaderboard's unpadded
markdown (``| Ridge † |``, ``|:--|--:|``) byte for byte, and its ``latex_booktabs`` escapes
``\\textbf``.
Layouts (which rows and columns each paper table has) live in :mod:`aqabench.table_layouts`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DataError
from .package_data import REPORTED_DIR
from .stats import separated

REPRODUCED_MARK = "†"
NOTE_MARK = "‡"
TIE_MARK = "≈"
TIE = 3  # rank of a cell not separated from the best (see Table.ranks)
#: after a cell whose seeds predicted one constant value on the test videos (SRCC undefined)
CONSTANT_MARK = "const."
FORMATS = ("markdown", "latex")


@dataclass(frozen=True)
class Column:
    label: str
    decimals: int = 3
    better: str | None = "max"  # "max", "min" or None (not ranked)
    group: str = ""  # spanning header, e.g. "RG"


@dataclass(frozen=True)
class CellStats:
    """Seed statistics of a reproduced cell: the per-seed values, their std (None for one
    seed) and an interval: the bootstrap CI of one seed or the t-interval of the seed mean."""

    samples: tuple[float, ...]
    std: float | None = None
    interval: tuple[float, float] | None = None
    #: how many of the seeds predicted one constant value for every test video (a rank
    #: correlation is undefined there: :func:`aqabench.metrics.srcc` counts it as 0)
    constant: int = 0

    @property
    def n(self) -> int:
        return len(self.samples)


@dataclass
class Row:
    labels: list[str]  # the leading text cells (e.g. method, backbone)
    values: list[float | None]
    reproduced: bool = False
    scope: str = "real"  # rows are ranked only against rows of the same scope
    noted: set[int] = field(default_factory=set)  # value columns whose number carries a note
    group: str = ""  # rows of one group are printed together, separated by a rule
    stats: dict[int, CellStats] = field(default_factory=dict)  # value column -> statistics


@dataclass
class Table:
    name: str
    title: str
    label_columns: list[str]
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    caption: list[str] = field(default_factory=list)

    def text(self, row: Row, j: int) -> str:
        value = row.values[j]
        if value is None:
            return "-"
        d = self.columns[j].decimals
        text = f"{value:.{d}f}"
        cell = row.stats.get(j)
        if cell is not None and cell.std is not None:
            text += f" ± {cell.std:.{d}f} (n={cell.n}"
            text += f", {cell.constant} {CONSTANT_MARK})" if cell.constant else ")"
        elif cell is not None and cell.interval is not None:
            text += f" [{cell.interval[0]:.{d}f}, {cell.interval[1]:.{d}f}]"
        if cell is not None and cell.constant and cell.std is None:
            text += f" {CONSTANT_MARK}"
        return text

    def _separated(self, i: int, k: int, j: int) -> bool | None:
        a, b = self.rows[i].stats.get(j), self.rows[k].stats.get(j)
        if a is None or b is None:
            return None
        return separated(a.samples, a.interval, b.samples, b.interval)

    @staticmethod
    def _all_constant(row: Row, j: int) -> bool:
        """Every seed of the cell predicted one constant: no rank order to be best at."""
        cell = row.stats.get(j)
        return cell is not None and cell.constant == cell.n

    def ranks(self) -> dict[tuple[int, int], int]:
        """``(row, column) -> 1 | 2`` for the best and second-best printed values, or
        ``TIE`` for every cell not separated from the best when the best is not separated
        from the second (only between cells with statistics; see the module docstring)."""
        out: dict[tuple[int, int], int] = {}
        for j, column in enumerate(self.columns):
            if column.better is None:
                continue
            for scope in {row.scope for row in self.rows}:
                cells = [(i, round(row.values[j], column.decimals))  # type: ignore[arg-type]
                         for i, row in enumerate(self.rows)
                         if row.scope == scope and row.values[j] is not None
                         and not self._all_constant(row, j)]
                if len(cells) < 2:  # a lone number is not "best"
                    continue
                distinct = sorted({v for _, v in cells}, reverse=column.better == "max")
                if len(distinct) < 2 or not self._mark_ties(cells, distinct, j, out):
                    for i, v in cells:
                        if v in distinct[:2]:
                            out[(i, j)] = distinct.index(v) + 1
        return out

    def _mark_ties(self, cells: list[tuple[int, float]], distinct: list[float], j: int,
                   out: dict[tuple[int, int], int]) -> bool:
        """Mark ``TIE`` when the best is not separated from the second; False (nothing done)
        when it is separated or when the test does not apply."""
        best = [i for i, v in cells if v == distinct[0]]
        second = next(i for i, v in cells if v == distinct[1])
        if self._separated(best[0], second, j) is not False:
            return False
        for i, v in cells:
            if v == distinct[0] or self._separated(best[0], i, j) is False:
                out[(i, j)] = TIE
        return True


# ------------------------------------------------------------------------------ reported data
def load_reported(name: str, directory: Path | None = None) -> list[dict[str, Any]]:
    """Entries of ``aqabench/reported/<name>.json`` (package data) or of ``directory``."""
    path = (directory or REPORTED_DIR) / f"{name}.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        entries = doc["entries"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise DataError(path, f"not a reported-results file ({exc})") from exc
    required = {"method", "dataset", "metric", "value", "paper", "table", "protocol"}
    for k, entry in enumerate(entries):
        missing = required - set(entry)
        if missing:
            raise DataError(path, f"entry {k} lacks {', '.join(sorted(missing))}")
    return entries


# --------------------------------------------------------------------------------- rendering
def _group_spans(columns: list[Column]) -> list[tuple[str, int]]:
    spans: list[tuple[str, int]] = []
    for column in columns:
        if spans and spans[-1][0] == column.group:
            spans[-1] = (column.group, spans[-1][1] + 1)
        else:
            spans.append((column.group, 1))
    return spans


def _header_labels(table: Table) -> list[str]:
    return [f"{c.group} {c.label}".strip() if c.group else c.label for c in table.columns]


def _row_label(row: Row, mark: str) -> list[str]:
    labels = list(row.labels)
    if row.reproduced:
        labels[0] = f"{labels[0]} {mark}"
    return labels


def render_markdown(table: Table) -> str:
    """GitHub markdown: ``**best**``, ``<ins>second</ins>``, caption as a paragraph."""
    ranks = table.ranks()
    header = table.label_columns + _header_labels(table)
    align = [":--"] * len(table.label_columns) + ["--:"] * len(table.columns)
    lines = [f"**{table.title}**", "", "| " + " | ".join(header) + " |",
             "|" + "|".join(align) + "|"]
    for i, row in enumerate(table.rows):
        cells = []
        for j in range(len(table.columns)):
            text = table.text(row, j) + (NOTE_MARK if j in row.noted else "")
            rank = ranks.get((i, j))
            cells.append(f"**{text}**" if rank == 1 else f"<ins>{text}</ins>" if rank == 2
                         else f"{text} {TIE_MARK}" if rank == TIE else text)
        lines.append("| " + " | ".join(_row_label(row, REPRODUCED_MARK) + cells) + " |")
    lines += ["", *(f"{line}  " for line in table.caption)]
    return "\n".join(lines).rstrip() + "\n"


_LATEX_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                  "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                  "^": r"\textasciicircum{}", "†": r"$^\dagger$", "‡": r"$^\ddagger$",
                  "ℓ": r"$\ell$", "×": r"$\times$", "≥": r"$\geq$", "±": r"$\pm$",
                  "≈": r"$\approx$"}


def latex_escape(text: str) -> str:
    return "".join(_LATEX_ESCAPES.get(ch, ch) for ch in str(text))


def render_latex(table: Table) -> str:
    """A booktabs ``table`` environment; ``\\textbf`` best, ``\\underline`` second."""
    ranks = table.ranks()
    n_labels = len(table.label_columns)
    spec = "l" * n_labels + "c" * len(table.columns)
    lines = [r"\begin{table}[t]", r"\centering",
             r"\caption{" + latex_escape(" ".join(table.caption)) + "}",
             r"\label{tab:" + table.name + "}", r"\begin{tabular}{" + spec + "}", r"\toprule"]
    spans = _group_spans(table.columns)
    if any(group for group, _ in spans):
        cells, rules, start = [""] * n_labels, [], n_labels + 1
        for group, width in spans:
            cells.append(rf"\multicolumn{{{width}}}{{c}}{{{latex_escape(group)}}}" if group
                         else "")
            if group:
                rules.append(rf"\cmidrule(lr){{{start}-{start + width - 1}}}")
            start += width
        lines += [" & ".join(cells) + r" \\", "".join(rules)]
    labels = table.label_columns + [c.label for c in table.columns]
    lines += [" & ".join(latex_escape(x) for x in labels) + r" \\", r"\midrule"]
    previous = None
    for i, row in enumerate(table.rows):
        if previous is not None and row.group != previous:
            lines.append(r"\midrule")
        previous = row.group
        cells = [latex_escape(x) for x in _row_label(row, REPRODUCED_MARK)]
        for j in range(len(table.columns)):
            text = latex_escape(table.text(row, j))
            rank = ranks.get((i, j))
            text = rf"\textbf{{{text}}}" if rank == 1 else rf"\underline{{{text}}}" \
                if rank == 2 else rf"{text} $\approx$" if rank == TIE else text
            cells.append(text + (r"$^\ddagger$" if j in row.noted else ""))
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def render(table: Table, fmt: str) -> str:
    if fmt == "markdown":
        return render_markdown(table)
    if fmt == "latex":
        return render_latex(table)
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
