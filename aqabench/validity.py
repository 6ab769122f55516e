"""Twin validity: does a synthetic twin rank the paper methods the way real features do?

Compares records of the ``validity`` suite (the paper methods at their papers' protocols on RG
Ball, RG Hoop and Fis-V TES; CoFInAl's ablations on RG Ball), or of ``validity-unseen`` (RG
Clubs and Ribbon, the subsets no choice was made on), with the published rows of
CoFInAl Tab. 1 and the ablation rows of Tab. 3 (``aqabench/reported/``): per subset each
method's twin SRCC beside the published VST and I3D figures, whether it beats the ``ridge``
floor, and Kendall's τ between the twin's order and the published order (per subset, and over
every within-subset pair pooled), against the VST rows (the features the methods' headline
numbers use) and against the I3D rows (the backbone the twins' nuisance statistics were
measured on). A cell's twin SRCC is the mean over the seeds its records hold (the
``validity`` suite runs seed 0; ``validity-seeds`` adds seeds 1 and 2 on RG Ball and Hoop). Each
within-subset pair is also tested for significance before it is counted as agreeing with or
reversing the published order: where both cells have two or more seeds, Welch's t over the
seeds (:func:`aqabench.stats.separated`, the test the tables use: it covers training-seed
noise); otherwise a paired bootstrap over the test videos of their seed-matched records
(:func:`aqabench.stats.paired_bootstrap`: test-set sampling only). Resolved means p < 0.05.
The observed τ is read against what the records' own noise allows a perfect twin and a chance
twin (:mod:`aqabench.validity_power`). ``benchmarks/twin_validity.py`` prints it; the
leaderboard README shows it beside the tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.stats import kendalltau

from . import stats
from .compare import aligned
from .errors import UsageError
from .table_labels import own_setting
from .tables import load_reported
from .validity_ablations import ablation_lines

if TYPE_CHECKING:  # validity_power builds on this module
    from .validity_power import Power

#: twin record (method, variant, setting) -> the published row it stands for
METHODS = {("gdlt", None): "GDLT", ("cofinal", "paper"): "CoFInAl", ("hgcn", None): "HGCN",
           ("mslstm", "paper"): "MS-LSTM"}
EXTRA = {("cofinal", "code"): "CoFInAl (code variant)", ("ridge", None): "ridge"}
#: which CoFInAl variant stands in its published rows: the paper model (the default) or the
#: official code's (``variant=code``), the other shown beside, not ranked
COFINAL_VARIANTS = ("paper", "code")


Labels = dict[tuple[str, Any], str]


def labels(cofinal: str = "paper") -> tuple[Labels, Labels]:
    """(ranked, beside): record (method, variant) -> the row it is shown in, with CoFInAl's
    ``cofinal`` variant in the published CoFInAl rows."""
    if cofinal not in COFINAL_VARIANTS:
        raise UsageError(f"CoFInAl variant {cofinal!r}: expected one of {COFINAL_VARIANTS}")
    if cofinal == "paper":
        return METHODS, EXTRA
    ranked = {**{k: v for k, v in METHODS.items() if k[0] != "cofinal"},
              ("cofinal", "code"): "CoFInAl"}
    beside = {**{k: v for k, v in EXTRA.items() if k[0] != "cofinal"},
              ("cofinal", "paper"): "CoFInAl (paper model)"}
    return ranked, beside
#: every subset Tab. 1 reports, in its column order; a report shows those its records cover
SUBSETS = (("rg-synth", "Ball"), ("rg-synth", "Clubs"), ("rg-synth", "Hoop"),
           ("rg-synth", "Ribbon"), ("fisv-synth", "TES"), ("fisv-synth", "PCS"))
#: the significance level of the paired test that decides whether a twin pair is resolved
ALPHA = 0.05


def published(backbone: str = "VST") -> dict[tuple[str, str], float]:
    """(method, subset) -> SRCC of Tab. 1 (the ``backbone`` rows and C3D+SVR); the ablation
    tables: :func:`aqabench.validity_ablations.published_ablations`."""
    return {(e["method"], e["subset"]): e["value"] for e in load_reported("cofinal-tab1")
            if e["metric"] == "srcc"
            and (e.get("backbone") == backbone or e["method"] == "C3D+SVR")}


Key = tuple[str, str, "str | None"]


def twin_records(records: list[dict[str, Any]], protocol: str, cofinal: str = "paper"
                 ) -> dict[Key, list[dict[str, Any]]]:
    """(label, subset, setting) -> its records that have a ``protocol`` block, one per seed,
    in seed order (CoFInAl's ``cofinal`` variant labelled CoFInAl: :func:`labels`). Two
    records of one cell and seed must be the same run (the same config hash; then the last
    read wins): otherwise one is stale and which one a report reads would be an accident, so
    it is refused, naming the cell."""
    ranked, beside = labels(cofinal)
    out: dict[Key, dict[int, dict[str, Any]]] = {}
    for record in records:
        ident = record["identity"]
        key = (ident["method"], ident.get("variant"))
        label = ranked.get(key) or beside.get(key)
        if label is None or record.get(protocol) is None:
            continue
        setting = own_setting(ident)  # the variant is the label
        if key in beside and setting is not None:
            continue  # a row beside shows the variant itself, not its ablations
        seeds, seed = out.setdefault((label, ident["subset"], setting), {}), int(ident["seed"])
        before, now = seeds.get(seed), record["provenance"].get("config_hash")
        if before is not None and before["provenance"].get("config_hash") != now:
            raise UsageError(
                f"two records of {ident['method']} {ident['dataset']}/{ident['subset']} seed "
                f"{seed}{f' ({setting})' if setting else ''} hold different runs (config hashes "
                f"{before['provenance'].get('config_hash')}, {now}): remove the stale one")
        seeds[seed] = record
    return {key: [by_seed[s] for s in sorted(by_seed)] for key, by_seed in out.items()}


def seed_values(runs: list[dict[str, Any]], protocol: str) -> list[float]:
    """The ``protocol`` SRCC of each seed's record."""
    return [float(record[protocol]["srcc"]) for record in runs]


def cell_mean(runs: list[dict[str, Any]], protocol: str) -> float:
    """A cell's twin SRCC: the mean over its seeds' records."""
    return float(np.mean(seed_values(runs, protocol)))


def shown(runs: list[dict[str, Any]], protocol: str) -> str:
    """A cell's twin SRCC as the report prints it: the value, or mean ± std (n=seeds)."""
    mean, std, n = stats.seed_summary(seed_values(runs, protocol))
    return f"{mean:.3f}" if std is None else f"{mean:.3f} ± {std:.3f} (n={n})"


def covered(scores: dict[Key, float]) -> list[str]:
    """The subsets of :data:`SUBSETS` in which some paper method has a twin score."""
    return [subset for _dataset, subset in SUBSETS
            if any((m, subset, None) in scores for m in METHODS.values())]


def tau(twin: list[float], real: list[float]) -> float:
    return float(kendalltau(twin, real).statistic) if len(twin) > 1 else float("nan")


def resolved(a: list[dict[str, Any]], b: list[dict[str, Any]], protocol: str, seed: int
             ) -> bool | None:
    """Whether the twin separates two cells (p < ALPHA): Welch's t over seeds when both have
    two or more; otherwise a paired bootstrap over the test videos of the records of their
    first shared seed. None when neither applies (no shared seed, no ``protocol``
    predictions, other videos: :func:`aqabench.compare.aligned` decides, as for
    ``aqabench compare``)."""
    if len(a) >= 2 and len(b) >= 2:
        return stats.separated(seed_values(a, protocol), None, seed_values(b, protocol), None,
                               ALPHA)
    b_by_seed = {record["identity"]["seed"]: record for record in b}
    pair = next(((record, b_by_seed[record["identity"]["seed"]]) for record in a
                 if record["identity"]["seed"] in b_by_seed), None)
    if pair is None:
        return None
    try:
        pred_a, pred_b, truth = aligned(*pair, protocol, "validity")
    except UsageError:
        return None
    result = stats.paired_bootstrap(pred_a, pred_b, truth, n_resamples=2000, seed=seed)
    return result.p_value < ALPHA


def pooled_tau(pairs: list[tuple[float, float]]) -> float:
    """Mean sign agreement over pairs of (twin difference, published difference)."""
    return float(np.mean([np.sign(t) * np.sign(r) for t, r in pairs]))


def ranking(records: dict[Key, list[dict[str, Any]]], scores: dict[Key, float], protocol: str,
            backbones: tuple[str, ...] = ("VST", "I3D")) -> list[str]:
    """Per-subset and pooled τ against the ``backbones``' rows, with the resolved pairs."""
    lines: list[str] = []
    for backbone in backbones:
        tab1 = published(backbone)
        pairs: list[tuple[float, float]] = []
        agree = reverse = unresolved = 0
        per_subset = []
        for subset in covered(scores):
            names = [m for m in METHODS.values()
                     if (m, subset, None) in scores and (m, subset) in tab1]
            twin = [scores[(m, subset, None)] for m in names]
            per_subset.append((subset, tau(twin, [tab1[(m, subset)] for m in names])))
            for i in range(len(names)):
                for j in range(i + 1, len(names)):
                    t = twin[i] - twin[j]
                    r = tab1[(names[i], subset)] - tab1[(names[j], subset)]
                    pairs.append((t, r))
                    sure = resolved(records[(names[i], subset, None)],
                                    records[(names[j], subset, None)], protocol, len(pairs))
                    if not sure:
                        unresolved += 1
                    elif np.sign(t) == np.sign(r):
                        agree += 1
                    else:
                        reverse += 1
        if not pairs:
            continue
        shown = ", ".join(f"{s} {t:.2f}" if not np.isnan(t) else f"{s} –"
                          for s, t in per_subset)
        lines.append(f"- Kendall τ vs the {backbone} rows: {shown}; pooled over {len(pairs)} "
                     f"within-subset pairs: τ = {pooled_tau(pairs):.2f} (1 = the published "
                     f"order, 0 = chance, −1 = reversed); resolved by the twin (p < "
                     f"{ALPHA}: Welch's t over seeds where both cells have ≥ 2, else a paired "
                     f"bootstrap over test videos): {agree} agree, {reverse} reversed, "
                     f"{unresolved} not resolved")
    return lines


def chosen_scores(records: list[dict[str, Any]], protocol: str, cofinal: str
                  ) -> tuple[dict[Key, list[dict[str, Any]]], dict[Key, float]]:
    """The records standing in each (method, subset, setting) cell, and each cell's mean."""
    chosen = twin_records(records, protocol, cofinal)
    return chosen, {key: cell_mean(runs, protocol) for key, runs in chosen.items()}


def above_ridge(scores: dict[Key, float], name: str, subset: str) -> bool | None:
    """Whether ``name``'s cell on ``subset`` beats ridge's there; None without a ridge cell."""
    ridge = scores.get(("ridge", subset, None))
    return None if ridge is None else scores[(name, subset, None)] > ridge


def paper_methods(scores: dict[Key, float], subset: str) -> list[str]:
    """The paper methods with a cell on ``subset``, in the published VST order."""
    vst = published("VST")
    names = [m for m in METHODS.values() if (m, subset, None) in scores]
    return sorted(names, key=lambda m: -vst[(m, subset)])


def summary_lines(chosen: dict[Key, list[dict[str, Any]]], scores: dict[Key, float],
                  protocol: str, backbones: tuple[str, ...] = ("VST", "I3D")) -> list[str]:
    """The Kendall τ lines (against the ``backbones``' rows) and the count of paper-method cells
    above ridge."""
    beats = [above_ridge(scores, name, subset) is True
             for subset in covered(scores) for name in paper_methods(scores, subset)]
    return ranking(chosen, scores, protocol, backbones) + [
        f"- paper methods above ridge: {sum(beats)} of {len(beats)}"]


def summary(records: list[dict[str, Any]], protocol: str, cofinal: str = "paper",
            backbones: tuple[str, ...] = ("VST", "I3D")) -> list[str]:
    """:func:`report`'s τ and above-ridge lines alone (no tables, no noise bands): what the
    leaderboard adds for a second ``cofinal`` variant."""
    chosen, scores = chosen_scores(records, protocol, cofinal)
    return summary_lines(chosen, scores, protocol, backbones) if scores else []


def report(records: list[dict[str, Any]], protocol: str, cofinal: str = "paper") -> list[str]:
    """The validity tables and figures as markdown lines (empty without validity records);
    ``cofinal``: which CoFInAl variant stands in its published rows (:func:`labels`)."""
    from .validity_power import power  # imported here: it builds on this module

    return report_lines(records, protocol, power(records, protocol, cofinal=cofinal), cofinal)


def report_lines(records: list[dict[str, Any]], protocol: str, bands: Power | None,
                 cofinal: str = "paper") -> list[str]:
    """:func:`report` with the records' noise bands given (None: none to describe), for a
    caller that computed them already (the leaderboard draws them too)."""
    vst, i3d = published("VST"), published("I3D")
    chosen, scores = chosen_scores(records, protocol, cofinal)
    if not scores:
        return []
    lines = [f"Twin validity, protocol `{protocol}` (twin SRCC vs CoFInAl Tab. 1, VST and I3D "
             f"rows)" + ("" if cofinal == "paper" else
                         f"; CoFInAl's rows: its `variant={cofinal}` records"), "",
             "| subset | method | twin | VST | I3D | twin − VST | > ridge |",
             "|---|---|---|---|---|---|---|"]
    for subset in covered(scores):
        for name in paper_methods(scores, subset):
            t, r = scores[(name, subset, None)], vst[(name, subset)]
            other = i3d.get((name, subset))
            beats = above_ridge(scores, name, subset)
            above = "–" if beats is None else ("yes" if beats else "**no**")
            lines.append(f"| {subset} | {name} | {shown(chosen[(name, subset, None)], protocol)} | "
                         f"{r:.3f} | "
                         f"{'–' if other is None else f'{other:.3f}'} | {t - r:+.3f} | {above} |")
        for label in labels(cofinal)[1].values():  # beside, not ranked (ridge: C3D+SVR)
            if (label, subset, None) in scores:
                value = shown(chosen[(label, subset, None)], protocol)
                ref = vst.get(("C3D+SVR", subset)) if label == "ridge" else None
                published_ref = "–" if ref is None else f"{ref:.3f} (C3D+SVR)"
                lines.append(f"| {subset} | {label} | {value} | {published_ref} | | | |")
    lines.append("")
    lines += summary_lines(chosen, scores, protocol)
    if bands is not None:
        from .validity_power import describe  # imported here: it builds on this module

        lines += describe(bands)
    lines += ablation_lines(chosen, protocol)
    return lines
