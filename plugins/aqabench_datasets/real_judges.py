"""FineDiving's per-judge scores (``judge_scores`` extra), from the optional coarse annotation.

``fine-grained_annotation_aqa.pkl`` (what TSA/MCoRe read) has no judge scores; the released
``Annotations/FineDiving_coarse_annotation.pkl`` does (``finediving.md`` §2-3): a dict keyed like
the others, each value a dict whose ``judge_scores`` is a list of 3 (individual events: the
three counted scores), 5 (synchronised events: the five retained scores) or 7 (the MTL-AQA
part: the whole panel) numbers. Where the file is present, every sample gets the extra
``judge_scores`` ``[N, 3]``: the three scores whose sum times DD is the final score, by
FINA's rules as the released numbers follow them (checked to 0.01 in ``finediving.md`` §3):

- 3 scores: as stored;
- 7 scores: the middle three after sorting (the two highest and two lowest dropped);
- 5 scores (synchronised): ``score = 0.6 x DD x sum of the five``, so each of the three is
  ``0.2 x sum of the five`` (the panel mean; which judge gave what is not kept).

Where the file is absent the extra is absent (methods that need it say so, one line).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from aqabench.errors import DataError

from .real_common import MAX_ABS_LABEL

FD_COARSE = "Annotations/FineDiving_coarse_annotation.pkl"
PANEL = 3


def counted_scores(raw: Any, key: Any, where: Path) -> list[float]:
    """The three counted judge scores of one sample's stored ``judge_scores`` (3, 5 or 7)."""
    try:
        scores = np.asarray(raw, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError, OverflowError):
        raise DataError(where, f"sample {key!r}: judge_scores is not a flat list of "
                               "numbers") from None
    if not np.isfinite(scores).all() or (np.abs(scores) > MAX_ABS_LABEL).any():
        raise DataError(where, f"sample {key!r}: judge_scores must be finite numbers")
    if scores.size == 3:
        return scores.tolist()
    if scores.size == 7:
        return np.sort(scores)[2:5].tolist()
    if scores.size == 5:
        return [0.2 * float(scores.sum())] * PANEL
    raise DataError(where, f"sample {key!r}: judge_scores has {scores.size} entries; "
                           "expected 3, 5 or 7")


def read_coarse(path: Path) -> dict[Any, Any]:
    """The coarse annotation dict (read with the loaders' safe unpickler)."""
    from .real_diving import read_annotations  # the same reader and checks as the main file

    return read_annotations(path)


Parser = Callable[[Any, Any, Path], dict[str, Any]]


def with_judges(parse: Parser, root: Path) -> Parser:
    """``parse`` plus ``judge_scores`` from ``root``'s coarse file; ``parse`` if it is absent."""
    path = root / FD_COARSE
    if not path.is_file():
        return parse
    coarse = read_coarse(path)

    def parse_with_judges(key: Any, value: Any, where: Path) -> dict[str, Any]:
        sample = parse(key, value, where)
        entry = coarse.get(key)
        if not isinstance(entry, dict) or "judge_scores" not in entry:
            raise DataError(path, f"sample {key!r} has no judge_scores in the coarse "
                                  "annotation")
        sample["judge_scores"] = counted_scores(entry["judge_scores"], key, path)
        return sample

    return parse_with_judges
