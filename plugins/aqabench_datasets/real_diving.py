"""Real FineDiving and MTL-AQA: annotation pickles (read with :mod:`aqabench.safe_pickle`) and
per-video feature files the user extracts (the videos themselves are not redistributable).

FineDiving (``finediving.md``)::

    <data-root>/Annotations/fine-grained_annotation_aqa.pkl   # key -> [action_type, dive_score,
    <data-root>/Annotations/train_split.pkl                   #   difficulty, steps_transit_frames,
    <data-root>/Annotations/test_split.pkl                    #   frames_labels]
    <data-root>/features/<folder_name>/<instance_index>.npy   # float [frames, D], e.g. 96 frames
    <data-root>/Annotations/FineDiving_coarse_annotation.pkl  # optional: judge_scores

Keys are ``(folder_name, instance_index)``. Extras: ``dive_number`` (code of ``action_type``,
the names in ``meta["dive_numbers"]``), ``difficulty``, ``transitions`` ``(t1, t2)`` derived
from ``frames_labels`` on the 96-frame sampling grid exactly as TSA/MCoRe do (t1 = first
sampled index whose label is the second label to appear, t2 = first sampled index of the last
label; ``steps_transit_frames`` is not used: 9 clips disagree with their labels), and, where
the coarse annotation is present, ``judge_scores`` ``[N, 3]`` (:mod:`.real_judges`).

MTL-AQA (CoRe's ``info`` folder)::

    <data-root>/info/final_annotations_dict_with_dive_number.pkl
    <data-root>/info/train_split_0.pkl  test_split_0.pkl
    <data-root>/features/<video_no:02d>_<sample_no:02d>.npy   # float [clips, D]

Extras: ``difficulty``, ``dive_number`` (code), ``judge_scores`` ``[N, 7]``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from aqabench import safe_pickle
from aqabench.api import DataBundle, DataRequest
from aqabench.errors import DataError, UsageError

from . import real_judges
from .real_common import MAX_ABS_LABEL, Problems, check_unique, data_root, feature_set

GRID = 96
FD_ANNOTATIONS = "Annotations/fine-grained_annotation_aqa.pkl"
FD_SPLITS = {"train": "Annotations/train_split.pkl", "test": "Annotations/test_split.pkl"}
MTL_ANNOTATIONS = "info/final_annotations_dict_with_dive_number.pkl"
MTL_SPLITS = {"train": "info/train_split_0.pkl", "test": "info/test_split_0.pkl"}
SIZES = {"finediving": (2251, 749), "mtl-aqa": (1059, 353)}


def _number(value: Any, where: Path, key: Any, field: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DataError(where, f"sample {key!r}: {field} {value!r} is not a number") from None
    if not np.isfinite(number):
        raise DataError(where, f"sample {key!r}: {field} is not finite")
    if abs(number) > MAX_ABS_LABEL:
        raise DataError(where, f"sample {key!r}: {field} {number:g} is out of range "
                               f"(|value| > {MAX_ABS_LABEL:g})")
    return number


def _array(value: Any, where: Path, key: Any, field: str, dtype: Any = None) -> np.ndarray:
    """``value`` as a flat array; ragged lists or text where numbers belong name the sample."""
    try:
        return np.asarray(value, dtype=dtype).reshape(-1)
    except (TypeError, ValueError, OverflowError):
        raise DataError(where, f"sample {key!r}: {field} is not a flat array of numbers "
                               "(ragged, or not numeric)") from None


def _scalar(item: Any) -> bool:
    return isinstance(item, (str, int, np.integer)) and not isinstance(item, bool)


def check_key(key: Any, where: Path) -> Any:
    """A split key as the annotation file spells it: a ``(folder, index)`` pair of str/int
    (a list is read as a tuple); anything else (a dict, a pair holding a list) is named."""
    if isinstance(key, list):
        key = tuple(key)
    if not isinstance(key, tuple) or len(key) != 2 or not all(map(_scalar, key)):
        raise DataError(where, f"sample key {key!r} is not a (folder, index) pair")
    return key


def read_annotations(path: Path) -> dict[Any, Any]:
    data = safe_pickle.load(path)
    if not isinstance(data, dict) or not data:
        raise DataError(path, "expected a non-empty dict of annotations, "
                              f"got {type(data).__name__}")
    return data


def read_split(path: Path, annotations: dict[Any, Any], split: str) -> list[Any]:
    keys = safe_pickle.load(path)
    if not isinstance(keys, (list, tuple)):
        raise DataError(path, f"expected a list of sample keys, got {type(keys).__name__}")
    if not keys:
        raise DataError(path, f"the {split} split is empty")
    keys = [check_key(k, path) for k in keys]
    check_unique([repr(k) for k in keys], path)
    for key in keys:
        if key not in annotations:
            raise DataError(path, f"sample {key!r} is not in the annotation file")
    return keys


def stage_transitions(labels: np.ndarray, grid: int = GRID) -> tuple[int, int]:
    """(t1, t2) on a ``grid``-step sampling of the clip's per-frame step labels (TSA/MCoRe)."""
    picked = labels[np.linspace(0, len(labels) - 1, grid).astype(np.int64)]
    order = list(dict.fromkeys(labels.tolist()))
    if len(order) < 3:
        raise ValueError(f"frames_labels has {len(order)} distinct steps, need at least 3")
    hits_second = np.flatnonzero(picked == order[1])
    hits_last = np.flatnonzero(picked == order[-1])
    t1 = int(hits_second[0]) if hits_second.size else 1
    t2 = int(hits_last[0]) if hits_last.size else grid - 1
    return t1, max(t2, t1)


def finediving_sample(key: Any, value: Any, where: Path) -> dict[str, Any]:
    if isinstance(value, dict):  # FineDiving_fine-grained_annotation.pkl layout
        value = [value.get(k) for k in ("action_type", "dive_score", "difficulty",
                                        "steps_transit_frames", "frames_labels")]
    if not isinstance(value, (list, tuple)) or len(value) != 5:
        raise DataError(where, f"sample {key!r}: expected [action_type, dive_score, difficulty, "
                               "steps_transit_frames, frames_labels]")
    labels = _array(value[4], where, key, "frames_labels")
    if labels.size == 0 or labels.dtype.kind not in "iu":
        raise DataError(where, f"sample {key!r}: frames_labels must be a non-empty int array")
    try:
        transitions = stage_transitions(labels)
    except ValueError as exc:
        raise DataError(where, f"sample {key!r}: {exc}") from None
    return {"dive_number": str(value[0]), "score": _number(value[1], where, key, "dive_score"),
            "difficulty": _number(value[2], where, key, "difficulty"),
            "transitions": transitions}


def mtl_sample(key: Any, value: Any, where: Path) -> dict[str, Any]:
    if not (isinstance(key, tuple) and len(key) == 2 and all(_integral(k) for k in key)):
        raise DataError(where, f"sample key {key!r} is not a (video_no, sample_no) pair of "
                               "integers")
    if not isinstance(value, dict):
        raise DataError(where, f"sample {key!r}: expected a dict of fields")
    for field in ("final_score", "difficulty", "judge_scores", "dive_number"):
        if field not in value:
            raise DataError(where, f"sample {key!r}: field {field!r} is missing")
    judges = _array(value["judge_scores"], where, key, "judge_scores", np.float64)
    if judges.size != 7 or not np.isfinite(judges).all() or \
            (np.abs(judges) > MAX_ABS_LABEL).any():
        raise DataError(where, f"sample {key!r}: judge_scores must be 7 finite numbers")
    return {"dive_number": str(value["dive_number"]).lower(),
            "score": _number(value["final_score"], where, key, "final_score"),
            "difficulty": _number(value["difficulty"], where, key, "difficulty"),
            "judge_scores": judges.tolist()}


def _integral(item: Any) -> bool:
    if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
        return True
    return isinstance(item, str) and item.isdigit()


def fd_feature(root: Path, key: Any) -> Path:
    return root / "features" / str(key[0]) / f"{key[1]}.npy"


def mtl_feature(root: Path, key: Any) -> Path:
    if not all(map(_integral, key)):
        raise DataError(root / MTL_ANNOTATIONS, f"sample key {key!r} is not a (video_no, "
                                                "sample_no) pair of integers")
    return root / "features" / f"{int(key[0]):02d}_{int(key[1]):02d}.npy"


def _key_ok(key: Any, where: Path) -> None:
    if not isinstance(key, tuple) or len(key) != 2:
        raise DataError(where, f"sample key {key!r} is not a (folder, index) pair")


def split_overlap(train: Sequence[Any], test: Sequence[Any], where: Path) -> str | None:
    """The problem of a test split sharing samples with the train split, or None."""
    shared = set(train) & set(test)
    if not shared:
        return None
    first = sorted(shared, key=repr)[0]
    return f"sample {first!r} is also in train ({len(shared)} shared)"


Parser = Callable[[Any, Any, Path], dict[str, Any]]


def _load(request: DataRequest, name: str, annotations: str, splits: dict[str, str],
          parse: Parser, feature: Callable[[Path, Any], Path]) -> DataBundle:
    if request.subset is not None:
        raise UsageError(f"dataset {name!r} has no subsets (got --subset {request.subset})")
    root = data_root(request, name)
    ann_path = root / annotations
    ann = read_annotations(ann_path)
    keys = {split: read_split(root / path, ann, split) for split, path in splits.items()}
    overlap = split_overlap(keys["train"], keys["test"], root / splits["test"])
    if overlap:
        raise DataError(root / splits["test"], overlap)
    samples = {}
    for split_keys in keys.values():
        for key in split_keys:
            _key_ok(key, ann_path)
            samples[key] = parse(key, ann[key], ann_path)
    names = sorted({s["dive_number"] for s in samples.values()})
    code = {n: i for i, n in enumerate(names)}
    sets = {}
    for split, split_keys in keys.items():
        rows = [samples[k] for k in split_keys]
        extras = {"dive_number": torch.tensor([code[r["dive_number"]] for r in rows]),
                  "difficulty": torch.tensor([r["difficulty"] for r in rows])}
        for field, dtype in (("transitions", torch.long), ("judge_scores", torch.float32)):
            if field in rows[0]:
                extras[field] = torch.tensor([r[field] for r in rows], dtype=dtype)
        ids = [f"{k[0]}/{k[1]}" for k in split_keys]
        paths = [feature(root, k) for k in split_keys]
        sets[split] = feature_set(ids, paths, [r["score"] for r in rows], extras, None,
                                  root / splits[split], split)
    return DataBundle(train=sets["train"], test=sets["test"], backbone="precomputed",
                      split_id="official", meta={"dive_numbers": names, "source": str(root)})


def _check(request: DataRequest, name: str, annotations: str, splits: dict[str, str],
           parse: Parser, feature: Callable[[Path, Any], Path]) -> list[str]:
    problems = Problems()
    root = problems.attempt(data_root, request, name)
    if root is None:
        return problems.items
    ann = problems.attempt(read_annotations, root / annotations)
    if ann is None:
        return problems.items
    for key, value in ann.items():
        problems.attempt(parse, key, value, root / annotations)
    found: dict[str, Sequence[Any]] = {}
    for split, path in splits.items():
        keys: Sequence[Any] | None = problems.attempt(read_split, root / path, ann, split)
        if keys is not None:
            found[split] = keys
        if split == "test" and keys is not None and "train" in found:
            overlap = split_overlap(found["train"], keys, root / path)
            if overlap:
                problems.items.append(f"{root / path}: {overlap}")
        expected = SIZES[name][list(splits).index(split)]
        if keys is not None and len(keys) != expected:
            problems.items.append(f"{root / path}: {len(keys)} samples, the official {split} "
                                  f"split has {expected}")
        if keys is not None:
            paths = [problems.attempt(feature, root, k) for k in keys]
            problems.check_features([p for p in paths if p is not None], None)
    return problems.items


def _finediving_parser(request: DataRequest) -> Parser:
    """FineDiving's sample parser, with ``judge_scores`` where the coarse file is present."""
    return real_judges.with_judges(finediving_sample, data_root(request, "finediving"))


def load_finediving(request: DataRequest) -> DataBundle:
    return _load(request, "finediving", FD_ANNOTATIONS, FD_SPLITS, _finediving_parser(request),
                 fd_feature)


def check_finediving(request: DataRequest) -> list[str]:
    coarse = Problems()  # a bad coarse file is listed once, beside the main file's problems
    parse = coarse.attempt(_finediving_parser, request) or finediving_sample
    found = _check(request, "finediving", FD_ANNOTATIONS, FD_SPLITS, parse, fd_feature)
    return found + [item for item in coarse.items if item not in found]


def load_mtl(request: DataRequest) -> DataBundle:
    return _load(request, "mtl-aqa", MTL_ANNOTATIONS, MTL_SPLITS, mtl_sample, mtl_feature)


def check_mtl(request: DataRequest) -> list[str]:
    return _check(request, "mtl-aqa", MTL_ANNOTATIONS, MTL_SPLITS, mtl_sample, mtl_feature)


FD_TREE = """<data-root>/
    Annotations/fine-grained_annotation_aqa.pkl
    Annotations/train_split.pkl
    Annotations/test_split.pkl
    features/<folder_name>/<instance_index>.npy     # float [frames, D], you extract these
    Annotations/FineDiving_coarse_annotation.pkl    # optional: judge scores (MUSDL)"""
MTL_TREE = """<data-root>/
    info/final_annotations_dict_with_dive_number.pkl
    info/train_split_0.pkl
    info/test_split_0.pkl
    features/<video_no:02d>_<sample_no:02d>.npy     # float [clips, D], you extract these"""


def info_finediving(request: DataRequest) -> dict[str, Any]:
    return {"dataset": "finediving", "synthetic": False, "feature_dim": None,
            "max_length": GRID, "train_size": 2251, "test_size": 749,
            "score_min": 0.0, "score_max": 114.8, "ceiling": None,
            "extras": {"dive_number": "long [N] (52 DNs)", "difficulty": "float [N]",
                       "transitions": "long [N, 2] on the 96-frame grid",
                       "judge_scores": "float [N, 3], the counted judges (with the coarse "
                                       "annotation)"},
            "tree": FD_TREE}


def info_mtl(request: DataRequest) -> dict[str, Any]:
    return {"dataset": "mtl-aqa", "synthetic": False, "feature_dim": None,
            "max_length": None, "train_size": 1059, "test_size": 353,
            "score_min": 0.0, "score_max": 104.5, "ceiling": None,
            "extras": {"dive_number": "long [N] (58 DNs)", "difficulty": "float [N]",
                       "judge_scores": "float [N, 7]"},
            "tree": MTL_TREE}
