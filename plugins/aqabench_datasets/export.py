"""``aqabench data export``: write a loaded dataset in its real released layout, so external code
(the official GDLT / CoFInAl / MCoRe repositories) runs on exactly the bytes aqabench uses, and
the real loaders (``rg``, ``fisv``, ``finediving``) read them back unchanged.

The writers see only the loaders' public answer (:class:`~aqabench.api.DataBundle`), so any
twin or real download exports the same way. One small writer per format; every one goes
through :func:`write_features`, the only loop over videos. The harness hands each writer a
fresh folder and renames it into place (``DatasetSpec.export``).

- RG and Fis-V, GDLT's release (read by :mod:`real_gdlt`)::

      train.txt  test.txt                     # labels, beside the feature folder
      swintx_avg_fps25_clip32/<video>.npy     # float32 [clips, dim]

  RG: ACTION-NET's header line, then tab-separated ``Video_Name Difficulty_Score
  Execution_Score Total_Score Penalty Video_length``; the exported subsets share one file, as
  released (``--subset`` writes one apparatus). No loader keeps ``Video_length`` (seconds): it
  is derived from the clip count, ``round(clips * 32 / 25)`` (32-frame clips at 25 fps).
  Fis-V: no header, space-separated ``<id> <TES> <PCS> <deductions>``; a subset's bundle
  carries the other component and the deductions as extras, so one export holds both columns.
- FineDiving (read by :mod:`real_diving`)::

      Annotations/fine-grained_annotation_aqa.pkl   # {(folder, index): [action_type,
      Annotations/train_split.pkl  test_split.pkl   #   dive_score, difficulty,
      features/<folder>/<index>.npy                 #   steps_transit_frames, frames_labels]}
      Annotations/FineDiving_coarse_annotation.pkl  # {key: {"judge_scores": [3 floats]}}

  Plain pickles (tuples, lists, str, float, int numpy arrays: what :mod:`aqabench.safe_pickle`
  accepts). A video id ``folder/index`` (what the loader makes) becomes the key
  ``(folder, index)``; any other id ``x`` becomes ``(x, 0)`` and reads back as ``x/0``.
  ``action_type`` is the dive number's name (``meta["dive_numbers"]``; the loader recodes the
  names it finds in sorted order, so codes may change, names never). The loader keeps only the
  stage transitions ``(t1, t2)`` on the 96-frame grid, so ``frames_labels`` is rebuilt on that
  grid (96 labels): the take-off group's sub-action id (1-7, from the dive number's digits),
  then ``0`` over the flight (FineDiving's table has no id 0: the somersaults and twists are
  not known) from ``t1``, then 36 ``Entry`` from ``t2``; ``steps_transit_frames`` is
  ``[t1 - 1, t2 - 1]`` (the last frame of each step, as released). Where the bundle has
  ``judge_scores`` (the twin's three judges), the coarse annotation holds them (only that
  field of the released file), so MUSDL runs on the export through the real loader.

Numbers in text are written with two decimals (the released files' style; deductions as
integers) when that reads back as the very float32 the loader produced, else with the shortest
text that does, so every round trip is exact; pickled floats are those texts' values.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from aqabench.api import DataBundle, FeatureSet
from aqabench.errors import DataError, UsageError

from . import real_diving, real_gdlt, real_judges

SPLITS = ("train", "test")
Loader = Callable[[str | None], DataBundle]
Progress = Callable[[int, int], None]
CLIP_SECONDS = 32 / 25  # one VST clip: 32 frames at 25 fps
FLIGHT = 0  # not a FineDiving sub-action id (see the module docstring)
ENTRY = 36  # FineDiving's "Entry"


def decimal(value: float, places: int = 2) -> str:
    """Text for ``value`` that reads back (``float`` then float32) as the same float32."""
    target = np.float32(value)
    if not np.isfinite(target):
        raise DataError("export", f"score or label {value!r} is not a finite number")
    for text in (f"{float(target):.{places}f}",
                 np.format_float_positional(target, unique=True, trim="-"),
                 repr(float(target))):  # the exact value: always reads back
        if np.float32(float(text)) == target:
            return text
    raise AssertionError(value)  # pragma: no cover


def file_name(name: str, what: str) -> str:
    """``name`` if it can be a file name and a whitespace-separated label token."""
    if name in ("", ".", "..") or any(c.isspace() or c in "/\\\0" for c in name):
        raise DataError("export", f"{what} {name!r} cannot be a file name in the released "
                                  "layout")
    return name


def need(split: FeatureSet, keys: Sequence[str], dataset: str) -> None:
    missing = [k for k in keys if k not in split.extras]
    if missing:
        raise UsageError(f"this {dataset} bundle has no {', '.join(missing)} extra: the released "
                         "layout needs it")


def write_features(parts: Sequence[tuple[FeatureSet, Sequence[Path]]],
                   progress: Progress | None) -> None:
    """Each video's ``[length, dim]`` float32 features to its path (the one loop over videos);
    ``parts`` pairs a split (or one subset of it) with its videos' paths."""
    every = [path for _, paths in parts for path in paths]
    seen: set[Path] = set()
    for path in every:
        if path in seen:
            raise DataError(path, "two videos of the export would share this file")
        seen.add(path)
    done = 0
    for features, paths in parts:
        for i, path in enumerate(paths):
            path.parent.mkdir(parents=True, exist_ok=True)
            array = features.features[i, : int(features.lengths[i])].detach().cpu().numpy()
            np.save(path, np.ascontiguousarray(array, dtype=np.float32), allow_pickle=False)
            done += 1
            if progress is not None:
                progress(done, len(every))


def summary(dataset: str, subsets: Sequence[str], counts: dict[str, int]) -> dict[str, Any]:
    return {"dataset": dataset, "subsets": list(subsets), "videos": counts}


# ----------------------------------------------------------------------- RG and Fis-V (GDLT)
Rows = Callable[[FeatureSet, str], list[list[str]]]


def write_gdlt(layout: real_gdlt.Layout, bundles: dict[str, DataBundle], rows: Rows,
               folder: Path, progress: Progress | None) -> dict[str, Any]:
    header = "\t".join(layout.columns) + "\n" if layout.has_header else ""
    sep = "\t" if layout.has_header else " "
    parts: list[tuple[FeatureSet, list[Path]]] = []
    for split in SPLITS:
        lines = []
        for subset, bundle in bundles.items():
            part = getattr(bundle, split)
            lines += rows(part, subset)
            parts.append((part, [folder / real_gdlt.FEATURE_DIR / f"{file_name(vid, 'video id')}"
                                 ".npy" for vid in part.ids]))
        (folder / f"{split}.txt").write_text(header + "".join(sep.join(r) + "\n" for r in lines))
    write_features(parts, progress)
    counts = {split: sum(len(getattr(b, split)) for b in bundles.values()) for split in SPLITS}
    return summary(layout.name, list(bundles), counts)


def rg_rows(split: FeatureSet, subset: str) -> list[list[str]]:
    need(split, ("difficulty", "execution", "penalty"), "rg")
    d, e, p = (split.extras[k].tolist() for k in ("difficulty", "execution", "penalty"))
    rows = []
    for i, vid in enumerate(split.ids):
        if vid.split("_")[0] != subset:
            raise DataError("export", f"RG video id {vid!r} does not start with its apparatus "
                                      f"{subset}_ (the loader finds subsets by that prefix)")
        seconds = round(int(split.lengths[i]) * CLIP_SECONDS)
        rows.append([vid, decimal(d[i]), decimal(e[i]), decimal(float(split.scores[i])),
                     decimal(p[i]), str(seconds)])
    return rows


def fisv_rows(split: FeatureSet, subset: str) -> list[list[str]]:
    other = "pcs" if subset == "TES" else "tes"
    need(split, ("deductions", other), "fisv")
    score, other_score = split.scores.tolist(), split.extras[other].tolist()
    tes, pcs = (score, other_score) if subset == "TES" else (other_score, score)
    deductions = split.extras["deductions"].tolist()
    return [[vid, decimal(tes[i]), decimal(pcs[i]), decimal(deductions[i], 0)]
            for i, vid in enumerate(split.ids)]


def export_rg(load: Loader, subset: str | None, folder: Path,
              progress: Progress | None = None) -> dict[str, Any]:
    subsets = [subset] if subset else list(real_gdlt.RG.subsets)
    return write_gdlt(real_gdlt.RG, {s: load(s) for s in subsets}, rg_rows, folder, progress)


def export_fisv(load: Loader, subset: str | None, folder: Path,
                progress: Progress | None = None) -> dict[str, Any]:
    subset = subset or real_gdlt.FISV.subsets[0]
    result = write_gdlt(real_gdlt.FISV, {subset: load(subset)}, fisv_rows, folder, progress)
    return {**result, "subsets": list(real_gdlt.FISV.subsets)}  # both columns are written


# -------------------------------------------------------------------------------- FineDiving
def sample_key(video_id: str) -> tuple[str, int]:
    """``folder/index`` -> ``(folder, index)`` (the loader's ids); any other id -> ``(id, 0)``."""
    folder, sep, index = video_id.rpartition("/")
    if sep and folder and index.isdigit() and str(int(index)) == index:
        return file_name(folder, "sample folder"), int(index)
    return file_name(video_id, "video id"), 0


def takeoff_group(dive_number: str) -> int:
    """FineDiving's take-off sub-action id from a dive number's digits: 1 Forward, 2 Back,
    3 Reverse, 4 Inward (groups 1-4, and twisters 5xxx by their second digit), 5-7
    Arm.Forward/Back/Reverse (armstand 61x-63x); 1 where the digits say nothing."""
    if len(dive_number) >= 2 and dive_number[:2].isdigit():
        group, second = int(dive_number[0]), int(dive_number[1])
        if 1 <= group <= 4:
            return group
        if group == 5 and 1 <= second <= 4:
            return second
        if group == 6 and 1 <= second <= 3:
            return 4 + second
    return 1


def frames_labels(dive_number: str, t1: int, t2: int, key: Any) -> np.ndarray:
    """96 per-frame step labels whose TSA/MCoRe transitions are exactly ``(t1, t2)``."""
    if not 0 < t1 < t2 < real_diving.GRID:
        raise DataError("export", f"sample {key!r}: transitions ({t1}, {t2}) do not make three "
                                  f"steps on the {real_diving.GRID}-frame grid")
    labels = np.full(real_diving.GRID, ENTRY, dtype=np.int64)
    labels[:t1] = takeoff_group(dive_number)
    labels[t1:t2] = FLIGHT
    return labels


def coarse_judges(splits: dict[str, FeatureSet], keys: dict[str, list[tuple[str, int]]]
                  ) -> dict[tuple[str, int], dict[str, list[float]]]:
    """The coarse annotation's ``judge_scores`` (the three counted scores of each sample)."""
    return {key: {"judge_scores": [float(j) for j in part.extras["judge_scores"][i].tolist()]}
            for split, part in splits.items() for i, key in enumerate(keys[split])}


def export_finediving(load: Loader, subset: str | None, folder: Path,
                      progress: Progress | None = None) -> dict[str, Any]:
    bundle = load(None)
    names = bundle.meta.get("dive_numbers")
    if not names:
        raise UsageError("this finediving bundle has no meta['dive_numbers']: the released "
                         "layout names each dive number")
    annotations: dict[tuple[str, int], list[Any]] = {}
    keys: dict[str, list[tuple[str, int]]] = {}
    splits = {split: getattr(bundle, split) for split in SPLITS}
    for split, part in splits.items():
        need(part, ("dive_number", "difficulty", "transitions"), "finediving")
        keys[split] = [sample_key(vid) for vid in part.ids]
        codes = part.extras["dive_number"].tolist()
        difficulty = part.extras["difficulty"].tolist()
        transitions = part.extras["transitions"].tolist()
        for i, key in enumerate(keys[split]):
            if key in annotations:
                raise DataError("export", f"sample {key!r} occurs twice in the export")
            dn = str(names[codes[i]])
            t1, t2 = (int(t) for t in transitions[i])
            annotations[key] = [dn, float(decimal(float(part.scores[i]))),
                                float(decimal(difficulty[i])),
                                np.array([t1 - 1, t2 - 1], dtype=np.int64),
                                frames_labels(dn, t1, t2, key)]
    pickles: dict[str, Any] = {real_diving.FD_ANNOTATIONS: annotations,
                               **{real_diving.FD_SPLITS[split]: keys[split] for split in SPLITS}}
    if all("judge_scores" in part.extras for part in splits.values()):
        pickles[real_judges.FD_COARSE] = coarse_judges(splits, keys)
    for relative, obj in pickles.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(obj, protocol=4))
    write_features([(splits[split], [real_diving.fd_feature(folder, key) for key in keys[split]])
                    for split in SPLITS], progress)
    return summary("finediving", [], {split: len(part) for split, part in splits.items()})
