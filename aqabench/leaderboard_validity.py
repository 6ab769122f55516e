"""The leaderboard's twin validity sections, from record folders committed and not rerun by CI.

Each folder of :data:`VALIDITY_SECTIONS` is one validity suite's records (``aqabench bench
--suite FOLDER --out leaderboards/FOLDER``); its section prints
:func:`aqabench.validity.report_lines` (τ against the published order, above-ridge counts, the
noise bands) and, where the folder has CoFInAl ``variant=code`` records, the same figures with
that model in CoFInAl's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .figures import BANDS_PREFIX
from .leaderboard_tables import VALIDITY_SECTIONS
from .results import load_records
from .validity import report_lines, summary
from .validity_power import Power, power


@dataclass(frozen=True)
class ValidityFolder:
    """One validity section's inputs, read and computed once a build: its records and the
    noise bands of their pooled τ (None where no subset has two paper methods), which the
    README text and the band figure both show."""

    folder: str
    title: str
    what: str
    records: list[dict[str, Any]]
    bands: Power | None


def validity_folders(root: Path) -> list[ValidityFolder]:
    """The folders of :data:`VALIDITY_SECTIONS` present under ``root``, in that order."""
    found = []
    for folder, title, what in VALIDITY_SECTIONS:
        if (root / folder).is_dir():
            records = load_records([root / folder])
            found.append(ValidityFolder(folder, title, what, records, power(records, "final")))
    return found


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


def validity_sections(folders: list[ValidityFolder]) -> list[str]:
    """One markdown section per validity folder (:func:`validity_folders`)."""
    sections = []
    for v in folders:
        lines = report_lines(v.records, "final", v.bands) + code_variant_summary(v.records)
        if v.bands is not None:
            lines += ["", f"![pooled τ of a perfect and a chance twin, and the observed one]"
                          f"(figures/{BANDS_PREFIX}{v.folder}.png)"]
        if lines:
            sections.append(f"## {v.title}\n\n{v.what} Records in `leaderboards/{v.folder}/` "
                            f"(`aqabench bench --suite {v.folder} --out leaderboards/{v.folder}`, "
                            "committed, not rerun by CI); the twins were calibrated on "
                            "`ridge` alone (docs/datasets.md).\n\n" + "\n".join(lines) + "\n")
    return sections


def draw_validity_bands(root: Path, folders: list[ValidityFolder]) -> list[Path]:
    """``figures/tau-bands-<folder>.png`` for each validity section with noise bands."""
    from .figures import draw_bands

    return [draw_bands(v.title.replace("`", ""), v.bands,
                       root / "figures" / f"{BANDS_PREFIX}{v.folder}")
            for v in folders if v.bands is not None]
