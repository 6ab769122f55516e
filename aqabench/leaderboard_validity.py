"""The leaderboard's twin validity sections, from record folders committed and not rerun by CI.

Each folder of :data:`VALIDITY_SECTIONS` is one validity suite's records (``aqabench bench
--suite FOLDER --out leaderboards/FOLDER``); its section prints :func:`aqabench.validity.report`
(τ against the published order, above-ridge counts, the noise bands) and, where the folder has
CoFInAl ``variant=code`` records, the same figures with that model in CoFInAl's rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .figures import BANDS_PREFIX
from .results import load_records
from .validity import report, summary


def code_variant_summary(records: list[dict[str, Any]]) -> list[str]:
    """The τ and above-ridge lines with CoFInAl's ``variant=code`` records in its published rows
    (``benchmarks/twin_validity.py DIR --cofinal code``), where a folder has any: the published
    CoFInAl figures were measured on the official code, and the default-twin rule read these
    (docs/twin-validity.md, "Which twins should be the default")."""
    if not any(r["identity"]["method"] == "cofinal" and r["identity"].get("variant") == "code"
               for r in records):
        return []
    lines = summary(records, "final", cofinal="code", backbones=("VST",))
    return ["", "With the official code's CoFInAl (`variant=code`) in CoFInAl's rows instead, "
                "the model its published figures were measured on (`benchmarks/twin_validity.py "
                "DIR --cofinal code`):", *lines]


#: (records folder = suite name, section title, what it asks) of the twin validity sections
VALIDITY_SECTIONS = (
    ("validity-irregular",
     "Twin validity of the default twins: the irregular-execution story (`validity-irregular`)",
     "Do the twins rank the paper methods as real features do? The paper methods at their "
     "papers' protocols on `fisv-synth-irregular` / `rg-synth-irregular`, where an element's "
     "execution is the size of its clips' deviations from the element's ideal form, in "
     "directions that change from clip to clip, rather than a shift along a fixed direction "
     "(recalibrated on C3D+SVR; docs/twin-validity.md), its deviations' size set on one "
     "published same-backbone margin (MS-LSTM on C3D, Fis-V TES). A candidate when these "
     "records were made (hence their dataset names, the same bytes as `rg-synth` / "
     "`fisv-synth`), the default twins since 2026-12-07. Every cell has seeds 0, 1 and 2 "
     "(the `validity-irregular-seeds` suite adds 1 and 2), so its pairs are tested over "
     "seeds."),
    ("validity-unseen-irregular",
     "Twin validity of the default twins on unseen subsets (`validity-unseen-irregular`)",
     "The same question for the irregular-execution story on the subsets none of its choices "
     "looked at (RG Clubs and Ribbon, Fis-V PCS); every cell has seeds 0, 1 and 2."),
    ("validity", "Twin validity of the v5 twins (the `validity` suite, paper protocols)",
     "Do the twins rank the paper methods as real features do? On `rg-synth-v5` / "
     "`fisv-synth-v5`, the default twins until 2026-12-07. Seed 0 in every cell; the "
     "main-table cells of RG Ball, RG Hoop and Fis-V TES also seeds 1 and 2 (the "
     "`validity-seeds` suite), so their pairs are tested over seeds."),
    ("validity-unseen", "Twin validity of the v5 twins on unseen subsets (`validity-unseen`)",
     "The same question, the same protocols, on the subsets that no choice of the v5 twins, "
     "the calibration or the corrections after the first validity run looked at (RG Clubs "
     "and Ribbon, Fis-V PCS)."),
    ("validity-roster", "Twin validity of the roster candidates (`validity-roster`)",
     "The same question for `rg-synth-roster` / `fisv-synth-roster`, the v5 story with "
     "videos that share athletes and events as Fis-V's do (docs/datasets.md, \"Rosters\"); "
     "not the default twins."),
    ("validity-onevenue", "The one-venue bound (`validity-onevenue`)",
     "The same cells on `rg-synth-onevenue`, the v5 RG twin without its per-video offset "
     "(recalibrated on C3D+SVR): a sensitivity bound for the diagnosis that the offset lets "
     "the learned methods memorise their training videos (docs/twin-validity.md); not a "
     "candidate twin."),
)


def validity_sections(root: Path) -> list[str]:
    """One markdown section per validity folder under ``root`` (the leaderboards folder)."""
    sections = []
    for folder, title, what in VALIDITY_SECTIONS:
        if not (root / folder).is_dir():
            continue
        validity_records = load_records([root / folder])
        lines = report(validity_records, "final") + code_variant_summary(validity_records)
        if any(line.startswith("- What the noise allows") for line in lines):
            lines += ["", f"![pooled τ of a perfect and a chance twin, and the observed one]"
                          f"(figures/{BANDS_PREFIX}{folder}.png)"]
        if lines:
            sections.append(f"## {title}\n\n{what} Records in `leaderboards/{folder}/` "
                            f"(`aqabench bench --suite {folder} --out leaderboards/{folder}`, "
                            "committed, not rerun by CI); the twins were calibrated on "
                            "`ridge` alone (docs/datasets.md).\n\n" + "\n".join(lines) + "\n")
    return sections


def draw_validity_bands(root: Path) -> list[Path]:
    """``figures/tau-bands-<folder>.png`` for each validity section with noise bands."""
    from .figures import draw_bands
    from .validity_power import power

    drawn = []
    for folder, title, _what in VALIDITY_SECTIONS:
        if not (root / folder).is_dir():
            continue
        bands = power(load_records([root / folder]), "final")
        if bands is not None:
            drawn.append(draw_bands(title.replace("`", ""), bands,
                                    root / "figures" / f"{BANDS_PREFIX}{folder}"))
    return drawn
