"""The ``judge_scores`` extra: the FineDiving twin's three judges, the real FineDiving loader's
optional coarse annotation (3, 5 or 7 stored scores -> the three counted ones), and the need."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from aqabench.api import DataRequest
from aqabench.errors import DataError, UsageError
from aqabench_datasets import real_diving, real_judges, twins
from tests.test_datasets_real import _dump, write_finediving

#: Per fixture sample (9 of them): stored panels of 3, 7 and 5 scores, in turn.
PANELS = [[7.5, 7.5, 7.0], [9.0, 8.5, 9.0, 8.0, 9.0, 8.5, 9.0], [6.0, 6.5, 7.0, 6.5, 6.0]]


def write_coarse(root: Path, skip: int | None = None) -> None:
    ann = real_diving.read_annotations(root / real_diving.FD_ANNOTATIONS)
    coarse = {key: {"judge_scores": PANELS[i % 3], "dive_score": value[1]}
              for i, (key, value) in enumerate(ann.items()) if i != skip}
    _dump(root / real_judges.FD_COARSE, coarse)


def test_twin_carries_three_judges_whose_sum_times_dd_is_the_score() -> None:
    bundle = twins.load_finediving(DataRequest(size="tiny"))
    for split in (bundle.train, bundle.test):
        judges = split.extras["judge_scores"]
        assert judges.shape == (len(split), 3) and judges.dtype == torch.float32
        assert torch.equal(judges * 2, (judges * 2).round())  # 0.5 steps
        total = (judges.sum(1) * split.extras["difficulty"]).double()
        assert torch.allclose(total, split.scores.double(), atol=0.006)


def test_counted_scores_follow_the_diving_rules() -> None:
    where = Path("coarse.pkl")
    assert real_judges.counted_scores(PANELS[0], "k", where) == [7.5, 7.5, 7.0]
    assert real_judges.counted_scores(PANELS[1], "k", where) == [8.5, 9.0, 9.0]  # middle three
    assert sum(real_judges.counted_scores(PANELS[2], "k", where)) == pytest.approx(0.6 * 32.0)
    with pytest.raises(DataError, match="has 4 entries"):
        real_judges.counted_scores([7, 7, 7, 7], "k", where)
    with pytest.raises(DataError, match="finite"):
        real_judges.counted_scores([7, float("nan"), 7], "k", where)


def test_real_loader_reads_judges_from_the_coarse_annotation(tmp_path: Path) -> None:
    root = write_finediving(tmp_path)
    plain = real_diving.load_finediving(DataRequest(root=root))
    assert "judge_scores" not in plain.train.extras  # the coarse file is optional
    write_coarse(root)
    bundle = real_diving.load_finediving(DataRequest(root=root))
    judges = torch.cat([bundle.train.extras["judge_scores"], bundle.test.extras["judge_scores"]])
    assert judges.shape == (9, 3)
    ann = list(real_diving.read_annotations(root / real_diving.FD_ANNOTATIONS))
    order = [*real_diving.read_split(root / real_diving.FD_SPLITS["train"], dict.fromkeys(ann),
                                     "train"),
             *real_diving.read_split(root / real_diving.FD_SPLITS["test"], dict.fromkeys(ann),
                                     "test")]
    for row, key in zip(judges.tolist(), order, strict=True):
        expected = real_judges.counted_scores(PANELS[ann.index(key) % 3], key, root)
        assert row == pytest.approx(expected)
    assert torch.equal(bundle.train.features, plain.train.features)


def test_a_sample_missing_from_the_coarse_file_is_named(tmp_path: Path, run_cli) -> None:
    root = write_finediving(tmp_path / "data")
    write_coarse(root, skip=4)
    with pytest.raises(DataError, match=r"FineDiving_coarse_annotation.pkl: sample .* has no "
                                        "judge_scores"):
        real_diving.load_finediving(DataRequest(root=root))
    code, out, _ = run_cli("data", "check", "finediving", "--data-root", root)
    assert code != 0 and "has no judge_scores" in out


def test_a_method_needing_judges_is_refused_where_there_are_none(tmp_path: Path) -> None:
    from aqabench.train import check_needs

    bundle = real_diving.load_finediving(DataRequest(root=write_finediving(tmp_path)))
    with pytest.raises(UsageError, match="needs judge_scores"):
        check_needs(frozenset({"judge_scores"}), bundle, "musdl", "finediving")
    write_coarse(tmp_path)
    check_needs(frozenset({"judge_scores"}), real_diving.load_finediving(
        DataRequest(root=tmp_path)), "musdl", "finediving")


def test_musdl_trains_on_mtl_aqa_with_seven_judges_and_the_middle_three(tmp_path: Path) -> None:
    from aqabench.runner import RunRequest, run
    from tests.test_datasets_real import write_mtl
    from tests.test_usdl import registry

    record, state, _ = run(RunRequest("musdl", "mtl-aqa", data_root=write_mtl(tmp_path),
                                      epochs=1), registry())
    assert state.config["judges"] == 7 and state.model.panel == "middle3"
    assert record["final"]["epoch"] == 1


def test_a_cache_written_before_the_judges_existed_is_regenerated(tmp_path: Path) -> None:
    from aqabench_datasets import twin_cache

    old = twins.make_twin("finediving-synth", None, "tiny")
    old.extra_dtypes = {k: v for k, v in old.extra_dtypes.items() if k != "judge_scores"}
    stale = twin_cache.twin_splits(old, tmp_path)  # a sound cache, without judge_scores
    assert "judge_scores" not in stale["train"].extras
    bundle = twins.load_finediving(DataRequest(size="tiny", cache_dir=tmp_path))
    assert bundle.train.extras["judge_scores"].shape == (64, 3)
    assert torch.equal(bundle.train.features, torch.from_numpy(stale["train"].features))
