"""Every pointer into the docs leads somewhere: ``docs/NAME.md`` names a page that exists, and
``docs/NAME.md, "Section"`` (or ``("Section")``) a heading or a bold paragraph lead on it, so
that moving a section without its references fails here rather than in a reader's hands."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("aqabench", "plugins", "benchmarks", "docs", "tests")
SUFFIXES = {".py", ".md", ".json", ".toml"}
REFERENCE = re.compile(r"docs/([a-z][a-z0-9_-]*\.md)(?:[,;]? *\(?[\"'“]([^\"'”]{3,80})[\"'”])?")


def squash(text: str) -> str:
    """Whitespace runs and comment markers of wrapped lines to one space; no backticks."""
    return re.sub(r"\s+(?:#\s+)?", " ", text).replace("`", "")


def texts() -> list[Path]:
    paths = [ROOT / "README.md", ROOT / ".ci" / "run", ROOT / "tox.ini", ROOT / "pyproject.toml"]
    for top in SOURCES:
        paths += [p for p in (ROOT / top).rglob("*") if p.suffix in SUFFIXES and p.is_file()]
    paths += list((ROOT / "leaderboards").rglob("*.md"))  # its JSON files are result records
    return [p for p in paths if p.exists() and p.name != Path(__file__).name]


def anchors(page: Path) -> list[str]:
    """The page's headings and bold leads, squashed and lower-cased."""
    text = page.read_text(encoding="utf-8")
    heads = [line.lstrip("#") for line in text.splitlines() if line.startswith("#")]
    bold = re.findall(r"\*\*(.+?)\*\*", squash(text))
    return [squash(a).strip().lower() for a in heads + bold]


def references() -> list[tuple[Path, str, str | None]]:
    found = []
    for path in texts():
        for match in REFERENCE.finditer(squash(path.read_text(encoding="utf-8"))):
            found.append((path, match.group(1), match.group(2)))
    return found


def test_the_pattern_finds_the_references_it_must() -> None:
    found = {(page, section) for _, page, section in references()}
    assert ("datasets.md", "Determinism and cost") in found  # .ci/run, kernels.py, README
    assert any(page == "twin-validity.md" for page, _ in found)


def test_every_docs_reference_names_a_page_and_a_section_that_exist() -> None:
    broken = []
    for path, page, section in references():
        target = ROOT / "docs" / page
        if not target.exists():
            broken.append(f"{path.relative_to(ROOT)}: docs/{page} does not exist")
        elif section and not any(section.lower() in a for a in anchors(target)):
            broken.append(f"{path.relative_to(ROOT)}: docs/{page} has no section {section!r}")
    assert not broken, "\n".join(broken)
