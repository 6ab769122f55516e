"""``aqabench data export``: tiny twins written in their released layout read back unchanged by
the real loaders; the command's refusals and its all-or-nothing write."""

from __future__ import annotations

import pickle
import shlex
from pathlib import Path

import numpy as np
import pytest
import torch

from aqabench.api import DataBundle, DataRequest, FeatureSet
from aqabench.errors import DataError
from aqabench_datasets import export, real_diving, real_gdlt, twins

VST = real_gdlt.FEATURE_DIR


def assert_same(made: FeatureSet, read: FeatureSet, extras: tuple[str, ...],
                ids: list[str] | None = None) -> None:
    assert list(read.ids) == (ids if ids is not None else list(made.ids))
    assert torch.equal(read.features, made.features)
    assert torch.equal(read.lengths, made.lengths)
    assert read.scores.dtype == made.scores.dtype and torch.equal(read.scores, made.scores)
    assert sorted(read.extras) == sorted(extras)
    for key in extras:
        assert read.extras[key].dtype == made.extras[key].dtype, key
        assert torch.equal(read.extras[key], made.extras[key]), key


def splits(bundle: DataBundle) -> list[FeatureSet]:
    return [bundle.train, bundle.test]


def others(folder: Path) -> list[str]:
    """What is in ``folder`` besides the twins' cache (the conftest puts it there)."""
    return sorted(p.name for p in folder.iterdir() if p.name != "cache")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


# ------------------------------------------------------------------------------- round trips
def test_rg_synth_round_trips_through_the_real_rg_loader(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "rg"
    code, _, err = run_cli("data", "export", "rg-synth", "--size", "tiny", "--subset", "Hoop",
                           "--out", out)
    assert code == 0, err
    header = (out / "train.txt").read_text().splitlines()[0]
    assert header.split() == list(real_gdlt.RG_COLUMNS)
    made = twins.load_rg(DataRequest(subset="Hoop", size="tiny"))
    read = real_gdlt.load_rg(DataRequest(subset="Hoop", root=out))
    for a, b in zip(splits(made), splits(read), strict=True):
        assert_same(a, b, ("difficulty", "execution", "penalty"))
    assert read.train.feature_dim == made.train.feature_dim == 64  # tiny: not VST's 1024
    # the GDLT scripts read the same bytes: <name>.npy float32 [clips, dim], Total in column 3
    row = (out / "test.txt").read_text().splitlines()[1].split("\t")
    array = np.load(out / VST / f"{row[0]}.npy")
    assert array.dtype == np.float32 and torch.equal(torch.from_numpy(array),
                                                     made.test.features[0, : len(array)])
    assert np.float32(float(row[3])) == made.test.scores[0].numpy()
    assert float(row[1]) + float(row[2]) - float(row[4]) == pytest.approx(float(row[3]))


def test_fisv_synth_one_export_holds_tes_and_pcs(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "fisv"
    code, _, err = run_cli("data", "export", "fisv-synth", "--size", "tiny", "--out", out)
    assert code == 0, err
    first = (out / "train.txt").read_text().splitlines()[0].split(" ")
    assert len(first) == 4 and first[0] == "1"  # no header: <id> <TES> <PCS> <deductions>
    for subset, other in (("TES", "pcs"), ("PCS", "tes")):
        made = twins.load_fisv(DataRequest(subset=subset, size="tiny"))
        read = real_gdlt.load_fisv(DataRequest(subset=subset, root=out))
        for a, b in zip(splits(made), splits(read), strict=True):
            assert_same(a, b, ("deductions", other))


def test_finediving_synth_round_trips_through_the_real_finediving_loader(
        run_cli, tmp_path: Path) -> None:
    out = tmp_path / "fd"
    code, _, err = run_cli("data", "export", "finediving-synth", "--size", "tiny", "--out", out)
    assert code == 0, err
    made = twins.load_finediving(DataRequest(size="tiny"))
    read = real_diving.load_finediving(DataRequest(root=out))
    for a, b in zip(splits(made), splits(read), strict=True):
        # ids ``x`` are keys (x, 0), which the loader names ``x/0``
        assert_same(a, b, ("dive_number", "difficulty", "transitions", "judge_scores"),
                    ids=[f"{vid}/0" for vid in a.ids])
    names = [made.meta["dive_numbers"], read.meta["dive_numbers"]]
    for a, b in zip(splits(made), splits(read), strict=True):  # names equal (codes may differ)
        assert [names[0][c] for c in a.extras["dive_number"].tolist()] == \
            [names[1][c] for c in b.extras["dive_number"].tolist()]
    ann = pickle.loads((out / real_diving.FD_ANNOTATIONS).read_bytes())
    action_type, score, difficulty, transit, labels = ann[(made.train.ids[0], 0)]
    assert isinstance(action_type, str) and type(score) is float and type(difficulty) is float
    assert labels.dtype == np.int64 and len(labels) == real_diving.GRID
    changes = np.flatnonzero(np.diff(labels))  # last frame of each step, as released
    assert transit.tolist() == changes.tolist() and len(set(labels.tolist())) == 3
    assert pickle.loads((out / real_diving.FD_SPLITS["train"]).read_bytes())[0] == \
        (made.train.ids[0], 0)


def test_a_loaded_real_dataset_exports_to_the_same_bytes(run_cli, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert run_cli("data", "export", "rg-synth", "--size", "tiny", "--subset", "Ball",
                   "--out", first)[0] == 0
    code, _, err = run_cli("data", "export", "rg", "--data-root", first, "--subset", "Ball",
                           "--out", second)
    assert code == 0, err
    assert snapshot(second) == snapshot(first)


def test_decimal_reads_back_as_the_same_float32() -> None:
    for value in (18.8, 0.3 * 3, 1 / 3, 114.8, 0.0, 2.0, 1e-7, 123456.789):
        text = export.decimal(value)
        assert np.float32(float(text)) == np.float32(value), (value, text)
    assert export.decimal(18.8) == "18.80" and export.decimal(1.0, 0) == "1"
    assert export.decimal(0.5, 0) == "0.5"
    with pytest.raises(DataError, match="not a finite number"):
        export.decimal(float("nan"))


def test_finediving_frames_labels_give_back_the_transitions() -> None:
    for t1, t2 in ((1, 2), (28, 62), (58, 88), (94, 95)):
        labels = export.frames_labels("5253b", t1, t2, "k")
        assert real_diving.stage_transitions(labels) == (t1, t2)
        assert labels[0] == 2 and labels[-1] == export.ENTRY  # 5253b: a back take-off
    with pytest.raises(DataError, match="do not make three steps"):
        export.frames_labels("107b", 0, 40, "k")


# ------------------------------------------------------------------------------------ CLI
def test_cli_writes_every_file_and_prints_a_command_that_reads_it_back(
        run_cli, tmp_path: Path) -> None:
    out = tmp_path / "exports" / "rg"  # the parent is created
    code, stdout, stderr = run_cli("data", "export", "rg-synth", "--size", "tiny", "--out", out)
    assert code == 0, stderr
    made = {s: twins.load_rg(DataRequest(subset=s, size="tiny")) for s in real_gdlt.RG.subsets}
    ids = {vid for bundle in made.values() for part in splits(bundle) for vid in part.ids}
    assert {p.stem for p in (out / VST).iterdir()} == ids and len(ids) == 4 * 96
    assert sorted(p.name for p in out.iterdir()) == ["swintx_avg_fps25_clip32", "test.txt",
                                                      "train.txt"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["rg"]  # no temporary folder left
    assert f"{len(ids)} videos (train 256, test 128)" in stdout and str(out) in stdout
    line = next(x for x in stdout.splitlines() if x.startswith("read it back: "))
    command = shlex.split(line.removeprefix("read it back: "))
    assert command[:2] == ["aqabench", "run"] and command[-2:] == ["--data-root", str(out)]
    assert "--dataset" in command and command[command.index("--dataset") + 1] == "rg"
    code, stdout, stderr = run_cli(*command[1:], "--epochs", "1", "--out", tmp_path / "runs")
    assert code == 0, stderr


def test_a_non_empty_or_file_out_is_refused_and_left_untouched(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    code, stdout, stderr = run_cli("data", "export", "rg-synth", "--size", "tiny", "--out", out)
    assert code == 2 and stdout == ""
    assert stderr.strip().splitlines() == [f"aqabench: error: --out {out} exists and is not "
                                           "empty"]
    assert snapshot(out) == {"keep.txt": b"mine"}
    file = tmp_path / "file"
    file.write_text("x")
    code, _, stderr = run_cli("data", "export", "rg-synth", "--size", "tiny", "--out", file)
    assert code == 2 and len(stderr.splitlines()) == 1 and str(file) in stderr
    assert file.read_text() == "x"
    assert others(tmp_path) == ["file", "taken"]  # no temporary folder left


def test_an_empty_out_folder_is_filled(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    assert run_cli("data", "export", "fisv-synth", "--size", "tiny", "--out", out)[0] == 0
    assert (out / "train.txt").is_file() and (out / VST / "1.npy").is_file()


@pytest.mark.parametrize("args, message", [
    (("nope",), "unknown dataset 'nope'"),
    (("toy-synth",), "'toy-synth' has no released layout to export"),
    (("rg",), "pass --data-root DIR"),
    (("rg-synth", "--subset", "Rope"), "unknown subset 'Rope'"),
    (("finediving-synth", "--subset", "A"), "has no subsets"),
])
def test_usage_errors_exit_2_with_one_line(run_cli, tmp_path: Path, args, message) -> None:
    out = tmp_path / "out"
    code, _, stderr = run_cli("data", "export", *args, "--size", "tiny", "--out", out)
    assert code == 2 and len(stderr.strip().splitlines()) == 1 and message in stderr, stderr
    assert not out.exists()


def test_an_error_while_writing_leaves_nothing(run_cli, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(split: FeatureSet, subset: str) -> list[list[str]]:
        if subset == "Hoop":
            raise DataError("export", "simulated failure")
        return real_rows(split, subset)

    real_rows = export.rg_rows
    monkeypatch.setattr(export, "rg_rows", broken)
    out = tmp_path / "out"
    code, _, stderr = run_cli("data", "export", "rg-synth", "--size", "tiny", "--out", out)
    assert code == 2 and "simulated failure" in stderr
    assert others(tmp_path) == []  # neither --out nor a temporary folder


def test_help_names_the_layouts(run_cli) -> None:
    code, stdout, _ = run_cli("data", "export", "--help")
    assert code == 0 and "swintx_avg_fps25_clip32" in stdout and "--out DIR" in stdout
