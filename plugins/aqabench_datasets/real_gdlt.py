"""Real RG and Fis-V: the GDLT-released Video Swin (VST) clip features and the label files.

Layout (``--data-root`` is the ``swintx_avg_fps25_clip32`` folder, or a folder holding it)::

    train.txt  test.txt         # label files, beside the feature folder (GDLT's release) ...
    swintx_avg_fps25_clip32/
        train.txt  test.txt     # ... or inside it (found there first)
        <video>.npy             # float [clips, 1024], one per video

GDLT's VST features are 1024-d; any dim every file shares is read (the AQA-Benchmark tree's
I3D variant, an ``aqabench data export`` of a tiny twin), an odd file is named.

- RG (ACTION-NET labels): a header line, then ``Video_Name Difficulty_Score Execution_Score
  Total_Score Penalty Video_length`` per row, e.g. ``Ball_001 10.50 8.30 18.80 0.00 92``. The
  subset is the name's prefix before ``_``. Target: Total; extras difficulty, execution, penalty.
- Fis-V (MS-LSTM labels): NO header, ``<id> <TES> <PCS> <deductions>`` per row. Every row is a
  sample (the GDLT-derived loaders skip line 0 and so drop one video per split; we do not — a
  first line is treated as a header only if its first token is not a number). Target: TES or
  PCS; extras deductions and the other component score.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from aqabench.api import DataBundle, DataRequest
from aqabench.errors import DataError, UsageError

from .real_common import (
    Problems,
    check_unique,
    data_root,
    feature_set,
    is_file,
    parse_number,
    require_file,
)

FEATURE_DIR = "swintx_avg_fps25_clip32"
FEATURE_DIM = 1024
RG_COLUMNS = ("Video_Name", "Difficulty_Score", "Execution_Score", "Total_Score", "Penalty",
              "Video_length")
FISV_COLUMNS = ("id", "TES", "PCS", "deductions")
SPLITS = ("train", "test")


@dataclass(frozen=True)
class Layout:
    name: str
    subsets: tuple[str, ...]
    columns: tuple[str, ...]
    has_header: bool
    sizes: tuple[int, int]  # official train / test videos (per subset for RG)


RG = Layout("rg", ("Ball", "Clubs", "Hoop", "Ribbon"), RG_COLUMNS, True, (200, 50))
FISV = Layout("fisv", ("TES", "PCS"), FISV_COLUMNS, False, (400, 100))


def feature_folder(root: Path) -> Path:
    nested = root / FEATURE_DIR
    return nested if nested.is_dir() else root


def label_file_of(folder: Path, split: str) -> Path:
    """``<split>.txt`` inside the feature folder, else beside it (GDLT's OneDrive release and
    AQA-Benchmark's tree keep ``train.txt`` / ``test.txt`` next to ``swintx_avg_fps25_clip32/``).
    A file in neither place is reported at the inside path."""
    inside = folder / f"{split}.txt"
    beside = folder.parent / f"{split}.txt"
    if not is_file(inside) and folder.name == FEATURE_DIR and is_file(beside):
        return beside
    return inside


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def read_labels(path: Path, layout: Layout) -> list[tuple[str, list[float]]]:
    """Rows ``(video id, numeric columns)`` of a label file, every line validated."""
    require_file(path, "label file")
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()  # a BOM is not the first id
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(path, f"cannot read label file ({exc})") from None
    rows: list[tuple[str, list[float]]] = []
    for number, line in enumerate(lines, start=1):
        tokens = line.split()
        if not tokens:
            continue
        if number == 1 and (layout.has_header or not _is_number(tokens[0])) and \
                not _is_number(tokens[1] if len(tokens) > 1 else "x"):
            continue  # header (RG always has one; Fis-V's files have none)
        if len(tokens) != len(layout.columns):
            raise DataError(path, f"line {number}: expected {len(layout.columns)} columns "
                                  f"({' '.join(layout.columns)}), found {len(tokens)}")
        values = [parse_number(tok, path, number, col)
                  for tok, col in zip(tokens[1:], layout.columns[1:], strict=True)]
        if layout is RG and subset_of(tokens[0]) not in layout.subsets:
            raise DataError(path, f"line {number}: video {tokens[0]!r} matches no subset "
                                  f"(its name must start with {', '.join(layout.subsets)} + '_')")
        rows.append((tokens[0], values))
    return rows


def subset_of(video: str) -> str:
    """An RG video's apparatus: its name's prefix before ``_``."""
    return video.split("_")[0]


def _subset(layout: Layout, subset: str | None) -> str:
    subset = subset or layout.subsets[0]
    if subset not in layout.subsets:
        raise UsageError(f"unknown subset {subset!r} of {layout.name!r}; "
                         f"choose from {', '.join(layout.subsets)}")
    return subset


def split_rows(layout: Layout, subset: str, rows: list[tuple[str, list[float]]]
               ) -> tuple[list[str], list[float], dict[str, torch.Tensor]]:
    if layout is RG:
        rows = [r for r in rows if subset_of(r[0]) == subset]
        ids = [r[0] for r in rows]
        scores = [r[1][2] for r in rows]
        extras = {key: torch.tensor([r[1][col] for r in rows], dtype=torch.float32)
                  for key, col in (("difficulty", 0), ("execution", 1), ("penalty", 3))}
        return ids, scores, extras
    target, other = (0, 1) if subset == "TES" else (1, 0)
    ids = [r[0] for r in rows]
    extras = {"deductions": torch.tensor([r[1][2] for r in rows], dtype=torch.float32),
              FISV_COLUMNS[1 + other].lower(): torch.tensor([r[1][other] for r in rows],
                                                            dtype=torch.float32)}
    return ids, [r[1][target] for r in rows], extras


def load(layout: Layout, request: DataRequest) -> DataBundle:
    subset = _subset(layout, request.subset)
    folder = feature_folder(data_root(request, layout.name))
    sets = {}
    for split in SPLITS:
        label_file = label_file_of(folder, split)
        ids, scores, extras = split_rows(layout, subset, read_labels(label_file, layout))
        check_unique(ids, label_file)
        if not ids:
            raise DataError(label_file, f"the {split} split has no {subset} videos")
        paths = [folder / f"{vid}.npy" for vid in ids]
        sets[split] = feature_set(ids, paths, scores, extras, None, label_file, split)
    if sets["train"].feature_dim != sets["test"].feature_dim:
        raise DataError(folder / f"{sets['test'].ids[0]}.npy",
                        f"wrong feature dim: expected {sets['train'].feature_dim} like the "
                        f"train videos, got {sets['test'].feature_dim}")
    overlap = set(sets["train"].ids) & set(sets["test"].ids)
    if overlap:
        raise DataError(label_file_of(folder, "test"),
                        f"video {sorted(overlap)[0]!r} is also in train.txt")
    return DataBundle(train=sets["train"], test=sets["test"], backbone="vst",
                      split_id="official", meta={"source": str(folder), "subset": subset})


def check(layout: Layout, request: DataRequest) -> list[str]:
    """Every problem of a download, file by file (all subsets)."""
    problems = Problems()
    root = problems.attempt(data_root, request, layout.name)
    if root is None:
        return problems.items
    folder = feature_folder(root)
    seen: dict[str, str] = {}
    for split in SPLITS:
        label_file = label_file_of(folder, split)
        rows = problems.attempt(read_labels, label_file, layout)
        if rows is None:
            continue
        ids = [r[0] for r in rows]
        problems.attempt(check_unique, ids, label_file)
        for vid in ids:
            if vid in seen and seen[vid] != split:
                problems.items.append(f"{label_file}: video {vid!r} is also in {seen[vid]}.txt")
            seen[vid] = split
        expected = layout.sizes[SPLITS.index(split)]
        for subset in layout.subsets if layout is RG else (None,):
            found = len(split_rows(layout, subset, rows)[0]) if subset else len(rows)
            if found != expected:
                what = f"{subset} videos" if subset else "videos"
                problems.items.append(f"{label_file}: {found} {what}, the official {split} "
                                      f"split has {expected}")
        problems.check_features([folder / f"{vid}.npy" for vid in dict.fromkeys(ids)], None)
    return problems.items


def load_rg(request: DataRequest) -> DataBundle:
    return load(RG, request)


def load_fisv(request: DataRequest) -> DataBundle:
    return load(FISV, request)


def check_rg(request: DataRequest) -> list[str]:
    return check(RG, request)


def check_fisv(request: DataRequest) -> list[str]:
    return check(FISV, request)


def tree(layout: Layout) -> str:
    example = "Ball_001.npy  Ball_002.npy  ...  Ribbon_250.npy" if layout is RG \
        else "1.npy  2.npy  ...  500.npy"
    return (f"<data-root>/\n    train.txt\n    test.txt        # (or inside {FEATURE_DIR}/)\n"
            f"    {FEATURE_DIR}/\n        {example}        # float [clips, 1024] each")


def found_layout(root: Path) -> str:
    """Which of the two layouts a download has: where the feature folder is and whether the
    label files lie inside it or beside it (``data info --data-root`` / ``data check``)."""
    if not Path(root).is_dir():
        return f"{root} does not exist or is not a folder"
    folder = feature_folder(Path(root))
    places = {}
    for split in SPLITS:
        path = label_file_of(folder, split)
        places[split] = ("missing" if not path.is_file() else
                         "inside" if path.parent == folder else "beside")
    if len(set(places.values())) == 1:
        where = {"inside": "inside it", "beside": "beside it (GDLT's release)",
                 "missing": "not found inside or beside it"}[places["train"]]
        labels = f"train.txt and test.txt {where}"
    else:
        labels = ", ".join(f"{split}.txt {place}" for split, place in places.items())
    return f"features in {folder}; labels {labels}"


def info(layout: Layout, request: DataRequest) -> dict[str, Any]:
    subset = _subset(layout, request.subset)
    found = {"layout": found_layout(request.root)} if request.root is not None else {}
    if layout is RG:
        ranges = {"Ball": (3.85, 23.70), "Clubs": (6.50, 24.00), "Hoop": (4.45, 23.65),
                  "Ribbon": (5.35, 21.70)}
        low, high = ranges[subset]
        sizes, lengths = (200, 50), (68, 77)
        extras = {k: "float [N]" for k in ("difficulty", "execution", "penalty")}
    else:
        low, high = {"TES": (6.33, 42.81), "PCS": (10.48, 38.28)}[subset]
        sizes, lengths = (400, 100), (124, 140)
        extras = {"deductions": "float [N]",
                  ("pcs" if subset == "TES" else "tes"): "float [N], the other component"}
    return {"dataset": layout.name, "subset": subset, "synthetic": False,
            "feature_dim": FEATURE_DIM, "min_length": lengths[0], "max_length": lengths[1],
            "lengths_note": "approximate (derived from video durations)",
            "train_size": sizes[0], "test_size": sizes[1], "score_min": low, "score_max": high,
            "ceiling": None, "extras": extras, "backbone": "vst", **found, "tree": tree(layout)}
