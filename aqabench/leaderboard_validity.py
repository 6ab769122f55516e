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
from .leaderboard_tables import VALIDITY_SECTIONS
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
