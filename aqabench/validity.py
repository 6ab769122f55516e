"""Twin validity: does a synthetic twin rank the paper methods the way real features do?

Compares records of the ``validity`` suite (the paper methods at their papers' protocols on RG
Ball, RG Hoop and Fis-V TES; CoFInAl's ablations on RG Ball) with the published VST rows of
CoFInAl Tab. 1 and the ablation rows of Tab. 3 (``aqabench/reported/``): per subset each
method's twin SRCC beside the published one, whether it beats the ``ridge`` floor, and
Kendall's τ between the twin's order and the published order (per subset, and over every
within-subset pair pooled). ``benchmarks/twin_validity.py`` prints it; the leaderboard README
shows it beside the tables.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import kendalltau

from .tables import load_reported

#: twin record (method, variant, setting) -> the published row it stands for
METHODS = {("gdlt", None): "GDLT", ("cofinal", "paper"): "CoFInAl", ("hgcn", None): "HGCN",
           ("mslstm", "paper"): "MS-LSTM"}
EXTRA = {("cofinal", "code"): "CoFInAl (code variant)", ("ridge", None): "ridge"}
SUBSETS = (("rg-synth", "Ball"), ("rg-synth", "Hoop"), ("fisv-synth", "TES"))
ABLATIONS = {None: "Ours", "use_lr=false": "w/o L_R", "use_tfm=false": "w/o TFM",
             "use_gpm=false": "w/o GPM", "use_fgs=false": "w/o FGS"}


def published() -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """(method, subset) -> SRCC of Tab. 1 (VST rows and C3D+SVR); (setting, subset) -> Tab. 3."""
    tab1 = {(e["method"], e["subset"]): e["value"] for e in load_reported("cofinal-tab1")
            if e["metric"] == "srcc" and (e.get("backbone") == "VST" or e["method"] == "C3D+SVR")}
    tab3 = {(e["setting"], e["subset"]): e["value"] for e in load_reported("cofinal-tab3")
            if e["metric"] == "srcc"}
    return tab1, tab3


def twin_scores(records: list[dict[str, Any]], protocol: str
                ) -> dict[tuple[str, str, str | None], float]:
    """(label, subset, setting) -> the record's SRCC under ``protocol``."""
    out = {}
    for record in records:
        ident = record["identity"]
        key = (ident["method"], ident.get("variant"))
        label = METHODS.get(key) or EXTRA.get(key)
        if label is None or record.get(protocol) is None:
            continue
        setting = None if key in EXTRA else ident.get("setting")  # the variant is the label
        out[(label, ident["subset"], setting)] = float(record[protocol]["srcc"])
    return out


def tau(twin: list[float], real: list[float]) -> float:
    return float(kendalltau(twin, real).statistic) if len(twin) > 1 else float("nan")


def report(records: list[dict[str, Any]], protocol: str) -> list[str]:
    """The validity tables and figures as markdown lines (empty without validity records)."""
    tab1, tab3 = published()
    scores = twin_scores(records, protocol)
    if not scores:
        return []
    lines = [f"Twin validity, protocol `{protocol}` (twin SRCC vs CoFInAl Tab. 1 VST rows)", "",
             "| subset | method | twin | published | twin − published | > ridge |",
             "|---|---|---|---|---|---|"]
    pairs_twin, pairs_real, taus, beats = [], [], [], []
    for _dataset, subset in SUBSETS:
        ridge = scores.get(("ridge", subset, None))
        names = [m for m in METHODS.values() if (m, subset, None) in scores]
        twin = [scores[(m, subset, None)] for m in names]
        real = [tab1[(m, subset)] for m in names]
        for name, t, r in sorted(zip(names, twin, real), key=lambda x: -x[2]):
            above = "–" if ridge is None else ("yes" if t > ridge else "**no**")
            beats.append(above == "yes")
            lines.append(f"| {subset} | {name} | {t:.3f} | {r:.3f} | {t - r:+.3f} | {above} |")
        for label in EXTRA.values():  # beside, not ranked (ridge stands for C3D+SVR)
            if (label, subset, None) in scores:
                value = scores[(label, subset, None)]
                ref = tab1.get(("C3D+SVR", subset)) if label == "ridge" else None
                shown = "–" if ref is None else f"{ref:.3f} (C3D+SVR)"
                lines.append(f"| {subset} | {label} | {value:.3f} | {shown} | | |")
        taus.append(tau(twin, real))
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                pairs_twin.append(np.sign(twin[i] - twin[j]))
                pairs_real.append(np.sign(real[i] - real[j]))
    lines.append("")
    for (_dataset, subset), t in zip(SUBSETS, taus):
        lines.append(f"- Kendall τ, {subset}: " + ("not enough methods run" if np.isnan(t)
                                                  else f"{t:.2f}"))
    if pairs_twin:
        concord = float(np.mean(np.array(pairs_twin) * np.array(pairs_real)))
        lines.append(f"- pooled over {len(pairs_twin)} within-subset pairs: τ = {concord:.2f} "
                     f"(1 = the published order, 0 = chance, −1 = reversed)")
    lines.append(f"- paper methods above ridge: {sum(beats)} of {len(beats)}")
    ablation = [(ABLATIONS[s], scores[("CoFInAl", "Ball", s)], tab3[(ABLATIONS[s], "Ball")])
                for s in ABLATIONS if ("CoFInAl", "Ball", s) in scores]
    if len(ablation) > 1:
        lines += ["", "| CoFInAl on RG Ball | twin | Tab. 3 |", "|---|---|---|"]
        lines += [f"| {name} | {t:.3f} | {r:.3f} |" for name, t, r in ablation]
        lines.append(f"- Kendall τ of the ablation order vs Tab. 3: "
                     f"{tau([a[1] for a in ablation], [a[2] for a in ablation]):.2f}")
    return lines
