"""The papers' table layouts, filled from result records and the reported numbers.

Reported rows come from ``aqabench/reported/<layout>.json`` exactly as published; rows
reproduced by aqabench are marked † and take the metric of the chosen protocol (``final``:
last epoch; ``val``: the epoch chosen on a validation split, in runs with ``--select val``;
``best``: the epoch with the best test SRCC, as the papers select), averaged over seeds, with
their statistics (mean ± std (n), or one seed's bootstrap CI; :mod:`aqabench.table_stats`).
Subset averages of reproduced rows are Fisher-z means. A record's *setting* (for the
ablation tables) is how its method-specific config differs from the method's defaults:
``use_x = false`` reads "w/o X", anything else "key=value"; no difference reads "Ours".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .errors import DataError
from .kernels import torch_kernels_text
from .metrics import fisher_z_mean
from .results import iter_record_paths, read_record
from .table_labels import (
    DISPLAY,
    DefaultsFn,
    ablation_label,
    family,
    method_label,
    numerics_of,
    scope_of,
    setting_of,
    size_mark,
    twin_kind,
)
from .table_stats import average_stats, caption_line, cell_stats
from .tables import NOTE_MARK, REPRODUCED_MARK, Column, Row, Table, load_reported

ColKey = tuple[str, str | None, str]  # dataset family, subset (lower case) or None, metric
LAYOUTS = ("cofinal-tab1", "cofinal-tab2", "cofinal-tab3", "cofinal-tabS6", "mcore-finediving")
BACKBONES = {"vst": "VST", "i3d": "I3D", "c3d": "C3D", "synthetic": "synthetic twin"}
PROTOCOL_TEXT = {"final": "final (last) epoch",
                 "val": "epoch chosen on a validation split carved from the training split "
                        "(honest selection)",
                 "best": "best epoch, chosen on the test split as the papers do"}


def load_inputs(paths: Iterable[Path]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run records and profile files (``aqabench profile --out``) under ``paths``."""
    records, profiles = [], []
    for path in iter_record_paths(paths):
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise DataError(path, f"not readable JSON ({exc})") from exc
        if isinstance(data, dict) and data.get("kind") == "profile":
            profiles.append(data)
        else:
            records.append(read_record(path))
    return records, profiles


# --------------------------------------------------------------------------- row assembly
def reported_rows(entries: list[dict[str, Any]], keys: list[ColKey],
                  labels_of: Callable[[dict[str, Any]], list[str]],
                  group_of: Callable[[dict[str, Any]], str] = lambda e: "") -> list[Row]:
    rows: dict[tuple[str, ...], Row] = {}
    for entry in entries:
        key = (entry["dataset"], (entry.get("subset") or "").lower() or None, entry["metric"])
        if key not in keys:
            continue
        labels = labels_of(entry)
        row = rows.setdefault(tuple(labels), Row(labels, [None] * len(keys), group=group_of(entry)))
        j = keys.index(key)
        row.values[j] = float(entry["value"])
        if entry.get("note"):
            row.noted.add(j)
    return list(rows.values())


def record_rows(records: list[dict[str, Any]], keys: list[ColKey], protocol: str,
                labels_of: Callable[[dict[str, Any]], list[str] | None],
                group_of: Callable[[dict[str, Any]], str] = lambda r: "",
                averages: dict[int, list[int]] | None = None) -> tuple[list[Row], int]:
    """One row per (labels, real|synthetic, twin size): seed means with their statistics
    (:mod:`aqabench.table_stats`); ``averages`` = Fisher-z columns. Rows of a smaller twin
    or of a twin variant (:func:`twin_kind`) are marked (:func:`size_mark`) and ranked in
    their own scope. Records without the
    protocol (``val`` is only in runs with ``--select val``) are left out."""
    cells: dict[tuple[Any, ...], dict[int, list[dict[str, Any]]]] = {}
    groups: dict[tuple[Any, ...], str] = {}
    seeds: dict[tuple[Any, ...], set[Any]] = {}
    for record in records:
        labels = labels_of(record)
        if labels is None or protocol not in record:
            continue
        fam, synthetic = family(record["identity"]["dataset"])
        subset = (record["identity"].get("subset") or "").lower() or None
        row_key = (*labels, synthetic, twin_kind(record))
        for j, (k_family, k_subset, metric) in enumerate(keys):
            value = record[protocol].get(metric)
            if k_family == fam and k_subset == subset and value is not None:
                cells.setdefault(row_key, {}).setdefault(j, []).append(record)
                groups[row_key] = group_of(record)
                seeds.setdefault(row_key, set()).add(record["identity"].get("seed"))
    rows = []
    for row_key, by_column in cells.items():
        values: list[float | None] = [None] * len(keys)
        row_stats = {}
        for j, column_records in by_column.items():
            metric = keys[j][2]
            values[j] = sum(float(r[protocol][metric]) for r in column_records) / len(
                column_records)
            cell = cell_stats(column_records, protocol, metric)
            if cell is not None:
                row_stats[j] = cell
        for j, parts in (averages or {}).items():
            part_values = [values[p] for p in parts]
            if all(v is not None for v in part_values):
                values[j] = fisher_z_mean(part_values)  # type: ignore[arg-type]
                cell = average_stats([by_column[p] for p in parts], protocol)
                if cell is not None:
                    row_stats[j] = cell
        row_labels, size = [str(x) for x in row_key[:-2]], str(row_key[-1])
        row_labels[0] = size_mark(row_labels[0], size)
        rows.append(Row(row_labels, values, reproduced=True,
                        scope=scope_of(bool(row_key[-2]), size), group=groups[row_key],
                        stats=row_stats))
    return rows, max((len(s) for s in seeds.values()), default=0)


def order_by_group(rows: list[Row]) -> list[Row]:
    order: dict[str, int] = {}
    for row in rows:
        order.setdefault(row.group, len(order))
    return sorted(rows, key=lambda row: order[row.group])  # stable: reported rows stay first


def provenance_caption(paper_table: str, protocol: str, reproduced: list[Row], n_seeds: int,
                       rows: list[Row], reported_file: str) -> list[str]:
    lines = [f"Unmarked rows: as published in {paper_table} (best test epoch unless noted)."]
    if reproduced:
        seeds = f"mean of {n_seeds} seeds" if n_seeds > 1 else "one seed"
        sizes = sorted({row.scope.partition("-")[2] for row in reproduced} - {""})
        smaller = (f" and rows on the {', '.join(sizes)} twin (marked) only among those"
                   if sizes else "")
        lines.append(f"{REPRODUCED_MARK} reproduced with aqabench; protocol: "
                     f"{PROTOCOL_TEXT[protocol]}; {seeds}; rows on synthetic twins are ranked "
                     f"only among themselves{smaller}.")
    else:
        lines.append(f"Protocol for reproduced rows: {PROTOCOL_TEXT[protocol]} (no records "
                     f"given).")
    statistics = caption_line(reproduced)
    if statistics:
        lines.append(statistics)
    if any(row.noted for row in rows):
        lines.append(f"{NOTE_MARK} see the note in aqabench/reported/{reported_file}.json.")
    lines.append("'-': not reported / not run.")
    return lines


# --------------------------------------------------------------------------------- layouts
RG = ("Ball", "Clubs", "Hoop", "Ribbon")
FISV = ("TES", "PCS")


def _backbone(record: dict[str, Any]) -> str:
    name = str(record["identity"].get("backbone") or "")
    return BACKBONES.get(name.lower(), name)


def cofinal_tab1(records: list[dict[str, Any]], protocol: str, defaults: DefaultsFn | None,
                 reported_dir: Path | None = None) -> Table:
    columns = [Column(s, group="RG") for s in (*RG, "Avg")] + \
        [Column(s, group="Fis-V") for s in (*FISV, "Avg")]
    keys: list[ColKey] = [("rg", s.lower(), "srcc") for s in (*RG, "Avg")]
    keys += [("fisv", s.lower(), "srcc") for s in (*FISV, "Avg")]
    reported = reported_rows(load_reported("cofinal-tab1", reported_dir), keys,
                             lambda e: [e["method"], e["backbone"]],
                             lambda e: e["backbone"].split()[0])
    ours, seeds = record_rows(
        records, keys, protocol,
        lambda r: [method_label(r), _backbone(r)] if setting_of(r, defaults) == "Ours" else None,
        lambda r: _backbone(r).split()[0], averages={4: [0, 1, 2, 3], 7: [5, 6]})
    rows = order_by_group(reported + ours)
    caption = ["SRCC on Rhythmic Gymnastics (RG) and Fis-V; Avg = Fisher-z mean over subsets; "
               "best in bold, second underlined."]
    caption += provenance_caption("CoFInAl Tab. 1", protocol, ours, seeds, rows, "cofinal-tab1")
    return Table("cofinal-tab1", "CoFInAl Tab. 1: comparison on RG and Fis-V",
                 ["Method", "Backbone"], columns, rows, caption)


def _ablation(name: str, title: str, keys: list[ColKey], columns: list[Column],
              averages: dict[int, list[int]], records: list[dict[str, Any]], protocol: str,
              defaults: DefaultsFn | None, reported_dir: Path | None, what: str) -> Table:
    reported = reported_rows(load_reported(name, reported_dir), keys, lambda e: [e["setting"]])
    ours, seeds = record_rows(
        records, keys, protocol,
        lambda r: [ablation_label(r, defaults)] if r["identity"]["method"] == "cofinal" else None,
        lambda r: "ours", averages)
    rows = reported + ours
    caption = [f"Ablation of CoFInAl on {what} (SRCC); best in bold, second underlined."]
    caption += provenance_caption(f"CoFInAl {title}", protocol, ours, seeds, rows, name)
    return Table(name, f"CoFInAl {title}: ablation on {what}", ["Setting"], columns, rows,
                 caption)


def cofinal_tab3(records: list[dict[str, Any]], protocol: str, defaults: DefaultsFn | None,
                 reported_dir: Path | None = None) -> Table:
    keys: list[ColKey] = [("rg", s.lower(), "srcc") for s in RG]
    return _ablation("cofinal-tab3", "Tab. 3", keys, [Column(s) for s in RG], {}, records,
                     protocol, defaults, reported_dir, "RG")


def cofinal_tabs6(records: list[dict[str, Any]], protocol: str, defaults: DefaultsFn | None,
                  reported_dir: Path | None = None) -> Table:
    keys: list[ColKey] = [("fisv", s.lower(), "srcc") for s in (*FISV, "Avg")]
    columns = [Column(s) for s in FISV] + [Column("Average")]
    return _ablation("cofinal-tabS6", "Tab. S6", keys, columns, {2: [0, 1]}, records, protocol,
                     defaults, reported_dir, "Fis-V")


def mcore_finediving(records: list[dict[str, Any]], protocol: str, defaults: DefaultsFn | None,
                     reported_dir: Path | None = None) -> Table:
    metrics = ("srcc", "rl2", "aiou50", "aiou75")
    keys: list[ColKey] = [("finediving", None, m) for m in metrics]
    columns = [Column("SRCC", 4), Column("R-ℓ2 (×100)", 3, "min"), Column("AIoU@0.5 (%)", 2),
               Column("AIoU@0.75 (%)", 2)]

    def dn(record: dict[str, Any]) -> str:
        key = record["provenance"].get("config", {}).get("exemplar_key")
        return "w/ DN" if key == "dive_number" else "w/o DN"

    reported = reported_rows(load_reported("mcore-finediving", reported_dir), keys,
                             lambda e: [e["method"], e.get("setting") or "-"])
    ours, seeds = record_rows(
        records, keys, protocol,
        lambda r: [method_label(r), dn(r)] if setting_of(r, defaults) == "Ours" else None)
    rows = reported + ours
    caption = ["FineDiving: SRCC, R-ℓ2 (×100, range of the test labels), AIoU@0.5 / @0.75 (%); "
               "DN = exemplars share the dive number; best in bold, second underlined "
               "(lowest R-ℓ2 is best). The published MCoRe rows are its LAST epoch."]
    caption += provenance_caption("MCoRe's FineDiving table", protocol, ours, seeds, rows,
                                  "mcore-finediving")
    return Table("mcore-finediving", "MCoRe: comparison on FineDiving", ["Method", "DN"],
                 columns, rows, caption)


def cofinal_tab2(records: list[dict[str, Any]], profiles: list[dict[str, Any]],
                 reported_dir: Path | None = None) -> Table:
    """FLOPs (G) = G MACs / Parameter (M) / Inference Time (ms), the device beside each row;
    then the prepared model's time (``AQAModel.prepare_inference``, profile files only)."""
    keys: list[ColKey] = [("rg", None, m) for m in ("macs_g", "params_m", "latency_ms",
                                                    "prepared_latency_ms")]
    entries = load_reported("cofinal-tab2", reported_dir)
    rows = reported_rows(entries, keys, lambda e: [e["method"], "GPU (not stated)"])
    seen: set[tuple[str, str]] = set()
    devices: set[str] = set()
    threads: set[int] = set()
    cpu_kernels: set[str] = set()
    runs = [{**r["profile"], "identity": r["identity"], "numerics": numerics_of(r)}
            for r in records if isinstance(r.get("profile"), dict) and "macs" in r["profile"]]
    for prof in profiles + runs:  # profile files first: they carry latency
        lat = prof.get("latency") or None
        label = DISPLAY.get(prof["identity"]["method"], prof["identity"]["method"])
        if prof["identity"].get("variant"):
            label += f" ({prof['identity']['variant']})"
        shape = [f"T={prof.get('clips')}"] if prof.get("clips") != 68 else []
        shape += prof.get("numerics") or []  # counted on what ran: another order, other MACs
        if prof.get("feature_dim", 1024) != 1024:
            shape.append(f"D={prof['feature_dim']}")
        if shape:
            label += f" ({', '.join(shape)})"
        device = f"{lat['device_name']} ({lat['device']})" if lat else "-"
        if (label, device) in seen or (lat is None and any(s[0] == label for s in seen)):
            continue
        seen.add((label, device))
        if lat:
            devices.add(device)
            if lat.get("threads"):
                threads.add(int(lat["threads"]))
            if lat.get("kernels") and lat["device"] == "cpu":
                cpu_kernels.add(torch_kernels_text(lat["kernels"]))
        fast = prof.get("latency_prepared") or None
        if fast and fast.get("same_model"):  # no prepare_inference: nothing else was timed
            fast = None
        rows.append(Row([label, device], [prof["macs"] / 1e9, prof["params"] / 1e6,
                                          lat["median_ms"] if lat else None,
                                          fast["median_ms"] if fast else None],
                        reproduced=True))
    where = ", ".join(sorted(devices)) or "none timed"
    if threads:
        where += f" at {'/'.join(map(str, sorted(threads)))} torch thread(s)"
    if cpu_kernels:
        where += f", CPU kernels {'; '.join(sorted(cpu_kernels))}"
    caption = ["Backbone excluded; FLOPs (G) = billions of multiply-accumulates of one video of "
               "T = 68 clips at batch 1 (the papers' convention; true FLOPs are twice that).",
               "Unmarked rows: as published in CoFInAl Tab. 2, timed on an unstated GPU.",
               f"{REPRODUCED_MARK} measured with aqabench profile (FlopCounterMode + closed "
               f"forms); latency: eval, inference mode, batch 1, median of >= 50 runs after "
               f">= 10 warm-up; devices: {where}. Latencies compare only within one device.",
               "Inference Time: the training graph in eval mode; Prepared: the same outputs "
               "from the method's prepare_inference (exact eval-time re-expressions: BatchNorm "
               "folded, constant-query work precomputed, attention projections absorbed or "
               "composed), timed interleaved with it (aqabench profile); - where the method "
               "has no prepare_inference (the same model)."]
    if any(row.noted for row in rows):
        caption.append(f"{NOTE_MARK} see the note in aqabench/reported/cofinal-tab2.json.")
    columns = [Column("FLOPs (G)", 4, None), Column("Parameter (M)", 2, None),
               Column("Inference Time (ms)", 4, None), Column("Prepared (ms)", 4, None)]
    return Table("cofinal-tab2", "CoFInAl Tab. 2: computational comparison",
                 ["Method", "Device"], columns, rows, caption)


def build_table(layout: str, records: list[dict[str, Any]], profiles: list[dict[str, Any]],
                protocol: str = "final", defaults: DefaultsFn | None = None,
                reported_dir: Path | None = None) -> Table:
    if protocol not in PROTOCOL_TEXT:
        raise ValueError(f"unknown protocol {protocol!r}")
    if layout == "cofinal-tab2":
        return cofinal_tab2(records, profiles, reported_dir)
    builders = {"cofinal-tab1": cofinal_tab1, "cofinal-tab3": cofinal_tab3,
                "cofinal-tabS6": cofinal_tabs6, "mcore-finediving": mcore_finediving}
    if layout not in builders:
        raise ValueError(f"unknown layout {layout!r}; choose from {', '.join(LAYOUTS)}")
    return builders[layout](records, protocol, defaults, reported_dir)
