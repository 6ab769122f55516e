"""Leaderboards: result records + reported numbers -> ``leaderboards/README.md`` and tables.

``build`` renders every paper-format table (markdown + LaTeX) from the records under
``leaderboards/results/``, the profiles under ``leaderboards/profiles/`` and the papers' numbers
shipped in the package (``aqabench/reported/``, :mod:`aqabench.package_data`); twins' oracle
ceilings become rows of their own. ``check`` compares what the records produce with the
committed files and names the first differing cell of each table. Numbers are compared as
printed (3-4 decimals), which absorbs cross-machine float noise below the printed precision;
measured latencies are machine noise and are not compared (every other cell is).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import stats
from .errors import DataError
from .figures import FIGURE_PREFIX
from .identity import config_difference, unfilled_config
from .kernels import PINS
from .leaderboard_tables import CI_FOLDERS, TABLES, TableFile
from .leaderboard_validity import ValidityFolder, validity_folders, validity_sections
from .table_labels import registry_defaults
from .table_layouts import DISPLAY, load_inputs
from .table_layouts import build_table as build_layout
from .tables import render
from .validity import twin_records
from .validity_ablations import ablation_lines

UNCHECKED_COLUMNS = {"Inference Time (ms)", "Prepared (ms)"}
ORACLE = "oracle"  # shown as "Oracle ceiling" (table_layouts.DISPLAY)


def oracle_records(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One pseudo-record per (twin, subset, size) whose SRCC is that twin's oracle ceiling
    (a tiny twin's ceiling is its own row, never the full twin's)."""
    seen: dict[tuple[str, str | None, str], dict[str, Any]] = {}
    for record in records:
        ident = record["identity"]
        ceiling = (record.get("data") or {}).get("meta", {}).get("ceiling")
        key = (ident["dataset"], ident.get("subset"), str(ident.get("size") or "full"))
        if ceiling is None or key in seen:
            continue
        oracle: dict[str, Any] = {
            "identity": {**copy.deepcopy(ident), "method": ORACLE, "variant": None,
                         "setting": None},
            "final": {"srcc": float(ceiling)}, "best": {"srcc": float(ceiling)},
            "provenance": {"config": {}, "argv": []}, "profile": None}
        seen[key] = oracle
    return sorted(seen.values(), key=lambda r: r["identity"].get("size", "full") != "full")


def _defaults(method: str, dataset: str, subset: str | None,
              variant: str | None = None) -> dict[str, Any] | None:
    if method == ORACLE:
        return None
    return registry_defaults(method, dataset, subset, variant)


def record_order(record: dict[str, Any]) -> tuple[str, ...]:
    """Table order: method, dataset, subset, size, setting ("Ours" first), seed: what the
    record is, never what its file is called."""
    ident = record["identity"]
    return (ident["method"], ident["dataset"], str(ident.get("subset")),
            str(ident.get("size", "full")), str(ident.get("setting") or ""),
            f"{ident.get('seed', 0):012d}" if isinstance(ident.get("seed"), int) else "")


def one_config_per_cell(records: Iterable[dict[str, Any]], where: Path) -> None:
    """Two records of one table cell (method, data, size, setting, seed) with different
    configs would be averaged as if they were one run: a :class:`DataError` naming the cell,
    both config hashes (in the records' file names) and what differs; keep one of them."""
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for record in records:
        ident = record["identity"]
        key = tuple(str(ident.get(k)) for k in ("method", "dataset", "subset", "backbone",
                                                  "size", "setting", "variant", "seed"))
        other = seen.setdefault(key, record)
        if other["provenance"].get("config_hash") != record["provenance"].get("config_hash"):
            before, after = (unfilled_config(r) or r["provenance"].get("config") or {}
                             for r in (other, record))
            difference = config_difference(before, after)
            hashes = sorted(str(r["provenance"].get("config_hash"))[:8] for r in (other, record))
            raise DataError(where, f"two records of one table cell ({ident['method']} "
                                   f"{ident['dataset']}/{ident.get('subset')} seed "
                                   f"{ident.get('seed')}, {ident.get('size', 'full')}) have "
                                   f"different configs (hashes {' and '.join(hashes)}: "
                                   f"{difference}); keep one")


def board_inputs(root: Path, folders: tuple[str, ...] = CI_FOLDERS,
                 leave_out: tuple[str, ...] = ()
                 ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The records under ``root/FOLDER`` for each of ``folders`` (in table order; without
    those whose ``identity.changed`` is in ``leave_out``) and the profiles (``root/profiles``,
    the ci suite's: only with the default ``folders``)."""
    paths = [root / folder for folder in folders]
    if folders == CI_FOLDERS:
        paths.append(root / "profiles")
    records, profiles = load_inputs(p for p in paths if p.exists())
    records = [r for r in records if r["identity"].get("changed") not in leave_out]
    one_config_per_cell(records, paths[0] if len(folders) == 1 else root)
    records = sorted(records, key=record_order)
    return records, profiles


def figure_links(records: list[dict[str, Any]], what: str = "") -> list[str]:
    """Markdown links to the bar charts of ``records`` (one per dataset: ``figures.draw_board``)."""
    return [f"![SRCC per method on {d}{f' {what}' if what else ''}]"
            f"(figures/{FIGURE_PREFIX}{d}.png)"
            for d in sorted({r["identity"]["dataset"] for r in records})]


def figures_section(records: list[dict[str, Any]]) -> str:
    """Links to the bar charts (one per dataset); the same text with or without matplotlib,
    so ``--check`` does not depend on it (the figures themselves are never compared)."""
    links = "\n".join(figure_links(records))
    if not links:
        return ""
    return ("## Figures\n\nSRCC per method and subset, final epoch; error bars: std over seeds, "
            "or one seed's 95% bootstrap CI; dashed: the twin's oracle ceiling. Drawn into "
            "`figures/` by `aqabench leaderboard build` when matplotlib is installed "
            "(`pip install 'aqabench[plot]'`); `--check` does not compare them.\n\n"
            + links + "\n")


def render_all(root: Path, reported: Path | None = None,
               validity: list[ValidityFolder] | None = None) -> dict[Path, str]:
    """Every generated file under ``root`` (the leaderboards folder) and its content;
    ``reported``: the papers' numbers (default: the packaged ``aqabench/reported/``);
    ``validity``: the validity folders' records and bands where the caller has read them
    (:func:`validity_folders`; read here when None)."""
    inputs: dict[tuple[tuple[str, ...], tuple[str, ...]],
                 tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
    files: dict[Path, str] = {}
    sections = []
    for spec in TABLES:
        if not spec.available(root):
            continue
        if spec.source not in inputs:  # each record folder set is read once
            table_records, profiles = board_inputs(root, *spec.source)
            inputs[spec.source] = (table_records + oracle_records(table_records), profiles)
        everything, profiles = inputs[spec.source]
        table = build_layout(spec.layout, everything, profiles, spec.protocol, _defaults,
                             reported)
        for row in table.rows:  # a bound, not a competitor: ranked on its own, never bold
            if row.labels and row.labels[0].startswith(DISPLAY[ORACLE]):
                row.scope = f"{ORACLE}:{row.scope}"
        markdown = render(table, "markdown")
        files[root / "tables" / f"{spec.stem}.md"] = markdown
        files[root / "tables" / f"{spec.stem}.tex"] = render(table, "latex")
        runs = [r for r in everything if r["identity"]["method"] != ORACLE]
        what = (f"{spec.what} {len(runs)} records; {seeds_line(runs)}.\n\n" if spec.what
                else "")
        reading = ablation_reading(runs, spec) if spec.what else []
        if spec.figures:
            reading += ["", *figure_links(runs, "at the papers' protocols")]
        sections.append(f"## {spec.title}\n\n{what}{markdown}\n" +
                        "".join(f"{line}\n" for line in reading))
    sections += validity_sections(validity_folders(root) if validity is None else validity)
    records = [r for r in inputs[CI_FOLDERS, ()][0] if r["identity"]["method"] != ORACLE]
    figures = figures_section(records)
    if figures:
        sections.append(figures)
    files[root / "README.md"] = readme(records, sections)
    return files


def ablation_reading(records: list[dict[str, Any]], spec: TableFile) -> list[str]:
    """Under an ablation table of committed records: its twin-validity reading (per-subset and
    pooled τ against the published ablation order, :mod:`aqabench.validity_ablations`)."""
    if spec.layout not in ("cofinal-tab3", "cofinal-tabS6"):
        return []
    lines = ablation_lines(twin_records(records, spec.protocol), spec.protocol)
    if not lines:
        return []
    return ["", "Does the twin order the settings as the published table does? Each subset on "
                "the seeds all its settings have (`aqabench.validity_ablations`):", *lines]


def seeds_line(records: list[dict[str, Any]]) -> str:
    """``"seeds 0, 1, 2; 3 seeds for 20 cells, 1 for 12"``: how many seeds each cell has."""
    per_cell: dict[tuple[Any, ...], set[Any]] = {}
    for r in records:
        ident = r["identity"]
        key = (ident["method"], ident["dataset"], ident.get("subset"), ident.get("size"),
               ident.get("setting"))
        per_cell.setdefault(key, set()).add(ident.get("seed"))
    seeds = sorted({s for cell in per_cell.values() for s in cell}, key=str)
    counts: dict[int, int] = {}
    for cell in per_cell.values():
        counts[len(cell)] = counts.get(len(cell), 0) + 1
    spread = ", ".join(f"{n} seed{'s' if n > 1 else ''} for {c} cell{'s' if c > 1 else ''}"
                       for n, c in sorted(counts.items(), reverse=True))
    return f"seeds {', '.join(map(str, seeds)) or '-'} ({spread or 'no cells'})"


def kernels_line(records: list[dict[str, Any]]) -> str:
    """The CPU kernel pins the records ran under (``provenance.kernels``, aqabench/kernels.py)."""
    seen: dict[str, int] = {}
    for r in records:
        pins = r["provenance"].get("kernels")
        text = (", ".join(f"{k}={pins[k]}" for k in PINS if k in pins) if pins
                else "not recorded")
        seen[text] = seen.get(text, 0) + 1
    return "; ".join(f"{text} ({n} record{'s' if n > 1 else ''})"
                     for text, n in sorted(seen.items())) or "-"


def readme(records: list[dict[str, Any]], sections: list[str]) -> str:
    devices = sorted({r["provenance"].get("device_name") or r["provenance"].get("device", "?")
                      for r in records})
    sizes = sorted({r["identity"].get("size", "full") for r in records})
    norms: dict[str, set[str]] = {}
    for r in records:
        norm = r["provenance"].get("config", {}).get("feature_norm", "none")
        norms.setdefault(norm, set()).add(r["identity"]["method"])
    preprocessing = "; ".join(f"`{norm}` for {', '.join(sorted(methods))}"
                              for norm, methods in sorted(norms.items()))
    head = [
        "# aqabench leaderboards",
        "",
        "Generated by `aqabench leaderboard build` from `leaderboards/results/` (one JSON record "
        "per run, produced by `aqabench bench --suite ci --out leaderboards/results`), "
        "`leaderboards/profiles/` "
        "(`aqabench profile`) and `aqabench/reported/` (the papers' numbers as data). "
        "Do not edit by hand: CI regenerates the records and fails "
        "(`aqabench leaderboard build --check`) when a committed number differs.",
        "",
        f"- Runs: {len(records)} records; {seeds_line(records)}; "
        f"twin sizes: {', '.join(sizes) or '-'}; "
        f"devices: {', '.join(devices) or '-'}; CPU kernels: {kernels_line(records)}. "
        "The `ci` suite uses a reduced protocol "
        "(few epochs, see `aqabench/suites/ci.json`), so reproduced numbers rank methods on "
        "the synthetic twins and are not comparable with the papers' rows.",
        "- Twins: `rg-synth` and `fisv-synth` tell the irregular-execution story, the default "
        "since 2026-12-07, chosen over the v5 twins (`rg-synth-v5`, `fisv-synth-v5`) by a rule "
        "declared before its last data (docs/twin-validity.md, \"The rule, applied\"); how far "
        "their rankings can be trusted: the twin validity sections below.",
        f"- Harness feature preprocessing (`feature_norm`): {preprocessing or '-'}.",
        "- † reproduced with aqabench; unmarked rows are as published (best test epoch unless "
        "noted); ‡ a note in `aqabench/reported/`. *Oracle ceiling*: the best SRCC any "
        "method could reach on a twin (noise-free vs observed scores).",
        "- Final epoch = the honest protocol; best epoch = chosen on the test split, as the "
        "papers do. Each table says which it shows. Every table is also in `tables/` as "
        "markdown and LaTeX.",
        "- Statistics (docs/statistics.md): a reproduced cell with several seeds reads "
        "`mean ± std (n=seeds)`; with one seed, `value [95% bootstrap CI over the test "
        "videos]`. The best reproduced cell is bold only when it is separated from the "
        f"second ({stats.SEPARATION_TEXT}); otherwise ≈ marks the cells not separated from "
        "the best. `aqabench compare A B` tests two runs on the same videos (paired "
        "bootstrap).",
        "",
    ]
    return "\n".join(head) + "\n".join(sections)


def write_all(files: dict[Path, str]) -> None:
    from .results import write_json_atomic

    for path, text in files.items():
        write_json_atomic(text, path)


def _pipe_rows(text: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in text.splitlines() if line.lstrip().startswith("|")
            and not set(line.strip()) <= set("|-: ")]


def first_difference(path: Path, committed: str, generated: str) -> str:
    """Name the first cell that differs between two renderings of one table file."""
    if path.suffix != ".md":
        return f"{path}: differs from what the records produce"
    old, new = _pipe_rows(committed), _pipe_rows(generated)
    if not old or not new:
        return f"{path}: text differs from what the records produce"
    header = new[0]
    for i in range(max(len(old), len(new))):
        a = old[i] if i < len(old) else None
        b = new[i] if i < len(new) else None
        if a == b:
            continue
        if a is None or b is None or len(a) != len(b):
            row = (b or a or ["?"])[0]
            return f"{path}: row {row!r} is {'missing' if a is None else 'extra or reshaped'}"
        for j, (x, y) in enumerate(zip(a, b)):
            if x != y:
                label = " / ".join(c for c in b[:2] if c)
                column = header[j] if j < len(header) else f"#{j}"
                return (f"{path}: row {label!r}, column {column!r}: committed {x!r}, "
                        f"records give {y!r}")
    return f"{path}: text outside the table differs (caption or notes)"


def _mask(text: str, path: Path) -> str:
    """Blank the unchecked columns (latency) of a markdown table."""
    if path.suffix != ".md":
        return text
    lines, header, drop = [], None, set()
    for line in text.splitlines():
        if line.lstrip().startswith("|"):
            cells = line.strip().strip("|").split("|")
            if header is None:
                header = [c.strip() for c in cells]
                drop = {j for j, c in enumerate(header) if c in UNCHECKED_COLUMNS}
            cells = [("" if j in drop and header is not None else c) for j, c in enumerate(cells)]
            line = "|" + "|".join(cells) + "|"
        elif not line.strip():
            header = None
        lines.append(line)
    return "\n".join(lines)


def check(files: dict[Path, str]) -> list[str]:
    """Problems: committed files that are missing or differ from the generated ones."""
    problems = []
    for path, generated in files.items():
        if not path.is_file():
            problems.append(f"{path}: missing (run 'aqabench leaderboard build')")
            continue
        committed = path.read_text(encoding="utf-8")
        if path.suffix == ".tex" and path.stem == "cofinal-tab2":
            continue  # the LaTeX twin of a latency table; its markdown is checked
        if _mask(committed, path) != _mask(generated, path):
            problems.append(first_difference(path, _mask(committed, path),
                                             _mask(generated, path)))
    return problems
