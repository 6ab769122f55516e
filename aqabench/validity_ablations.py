"""Twin validity of CoFInAl's ablations: does a twin order the paper model's settings on a
subset as the published ablation tables do (Tab. 3 on RG, Tab. S6 on Fis-V)?

Per subset, the settings that have a cell ("Ours" and the four ``use_*=false`` ablations) are
compared on the seeds all of them have (so an "Ours" with three seeds is not set against
ablations of one): Kendall τ of the twin's order against the published one, pooled over the
within-subset pairs as :func:`aqabench.validity.pooled_tau` pools Tab. 1's, and the coarser
reading both tables support: are the published two lowest settings (removing GPM and TFM, on
every subset) the twin's two lowest?
"""

from __future__ import annotations

from typing import Any

from .table_labels import switch_label
from .tables import load_reported

#: identity.setting -> the published row
ABLATIONS: dict[str | None, str] = {
    None: "Ours", **{f"{k}=false": switch_label(k) for k in ("use_lr", "use_tfm", "use_gpm",
                                                            "use_fgs")}}
#: subset -> (the table's name, its reported file)
PUBLISHED = {"Ball": ("Tab. 3", "cofinal-tab3"), "Clubs": ("Tab. 3", "cofinal-tab3"),
             "Hoop": ("Tab. 3", "cofinal-tab3"), "Ribbon": ("Tab. 3", "cofinal-tab3"),
             "TES": ("Tab. S6", "cofinal-tabS6"), "PCS": ("Tab. S6", "cofinal-tabS6")}

Cell = tuple[str, float, float, str]  # published row, twin SRCC, published SRCC, as shown


def published_ablations() -> dict[tuple[str, str], float]:
    """(row, subset) -> SRCC of Tab. 3 and Tab. S6."""
    out = {}
    for file in sorted({name for _title, name in PUBLISHED.values()}):
        out.update({(e["setting"], e["subset"]): float(e["value"])
                    for e in load_reported(file) if e["metric"] == "srcc"})
    return out


def ablation_cells(chosen: dict[Any, list[dict[str, Any]]], subset: str, protocol: str
                   ) -> list[Cell]:
    """CoFInAl's settings on ``subset`` that the twin has, each on the seeds all of them have."""
    from .validity import cell_mean, shown  # imported here: validity's report calls this module

    runs = {s: chosen[("CoFInAl", subset, s)] for s in ABLATIONS
            if ("CoFInAl", subset, s) in chosen}
    if len(runs) < 2:
        return []
    shared = set.intersection(*({r["identity"]["seed"] for r in rs} for rs in runs.values()))
    table = published_ablations()
    cells = []
    for setting, records in runs.items():
        kept = [r for r in records if r["identity"]["seed"] in shared]
        if kept:
            row = ABLATIONS[setting]
            cells.append((row, cell_mean(kept, protocol), table[(row, subset)],
                          shown(kept, protocol)))
    return cells


def lowest_two(values: dict[str, float]) -> set[str]:
    return set(sorted(values, key=values.__getitem__)[:2])


def ablation_lines(chosen: dict[Any, list[dict[str, Any]]], protocol: str) -> list[str]:
    """The markdown lines of the ablation reading (empty when no subset has two settings)."""
    from .validity import pooled_tau, tau

    by_subset = {s: c for s in PUBLISHED if len(c := ablation_cells(chosen, s, protocol)) > 1}
    if not by_subset:
        return []
    lines = ["", "| CoFInAl setting | subset | twin | published |", "|---|---|---|---|"]
    pairs: list[tuple[float, float]] = []
    per_subset, lowest = [], []
    for subset, cells in by_subset.items():
        title = PUBLISHED[subset][0]
        lines += [f"| {row} | {subset} | {text} | {ref:.3f} ({title}) |"
                  for row, _t, ref, text in cells]
        twin, real = [c[1] for c in cells], [c[2] for c in cells]
        per_subset.append(f"{subset} {tau(twin, real):.2f}")
        pairs += [(twin[i] - twin[j], real[i] - real[j])
                  for i in range(len(cells)) for j in range(i + 1, len(cells))]
        if len(cells) == len(ABLATIONS):
            same = lowest_two({c[0]: c[1] for c in cells}) == lowest_two(
                {c[0]: c[2] for c in cells})
            lowest.append(f"{subset} {'yes' if same else 'no'}")
    lines.append(f"- Kendall τ of the ablation order vs the published one (Tab. 3 on RG, "
                 f"Tab. S6 on Fis-V; each subset on the seeds all its settings have): "
                 f"{', '.join(per_subset)}; pooled over {len(pairs)} within-subset pairs: "
                 f"τ = {pooled_tau(pairs):.2f}")
    if lowest:
        lines.append(f"- the published two lowest settings the twin's two lowest: "
                     f"{', '.join(lowest)}")
    return lines
