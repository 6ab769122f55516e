"""Result records: atomic writes, round trip, validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aqabench.errors import DataError
from aqabench.results import (
    SCHEMA_VERSION,
    read_record,
    record_filename,
    records_to_frame,
    write_json_atomic,
    write_record,
)


def record(**identity: object) -> dict:
    ident = {"method": "m", "dataset": "d", "subset": "S", "backbone": "b", "split": "s",
             "seed": 0, "variant": None, **identity}
    return {
        "schema_version": SCHEMA_VERSION,
        "identity": ident,
        "final": {"epoch": 2, "srcc": 0.5, "l2": 1.0},
        "best": {"epoch": 1, "chosen_on": "test", "srcc": 0.6, "l2": 0.9},
        "curve": [{"epoch": 1}, {"epoch": 2}],
        "provenance": {"config_hash": "abc", "device": "cpu"},
    }


def test_round_trip(tmp_path: Path) -> None:
    path = write_record(record(), tmp_path)
    assert path.name == "m__d__S__seed0.json" == record_filename(record())
    assert read_record(path) == record()
    frame = records_to_frame([read_record(path)])
    assert list(frame["protocol"]) == ["final", "best"]
    assert list(frame["srcc"]) == [0.5, 0.6]


def test_atomic_write_leaves_nothing_on_failure(tmp_path: Path) -> None:
    class Boom(str):
        def __str__(self) -> str:
            raise RuntimeError

    target = tmp_path / "x.json"
    write_json_atomic('{"old": true}', target)
    with pytest.raises(TypeError):
        write_json_atomic(object(), target)  # type: ignore[arg-type]
    assert json.loads(target.read_text()) == {"old": True}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not a readable JSON record"),
        ("[1, 2]", "must be a JSON object"),
        ('{"schema_version": 1}', "record lacks identity"),
        (json.dumps({**record(), "schema_version": 99}), "schema_version 99"),
    ],
)
def test_bad_records_name_the_file(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(DataError, match=problem) as info:
        read_record(path)
    assert str(path) in str(info.value)
