"""Config values are checked for sense, in one place (aqabench.config.RULES and the methods'
``config_ranges``): each bad value is one line, exit 2, before anything runs; a checkpoint's
declared shapes are checked before anything is built from it."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from aqabench.api import DataInfo, unsupported
from aqabench.checkpoint import FORMAT, VERSION
from aqabench.config import BASE_CONFIG, RULES, Choice, Range, merge_config, validate
from aqabench.errors import UsageError
from aqabench.plugins import get_registry
from aqabench.runner import method_defaults

TINY = ("--dataset", "toy-synth", "--size", "tiny", "--epochs", "1")

BAD_VALUES = [
    ("ridge", "lr=-1", "lr must be"),
    ("ridge", "lr=0", "lr must be"),
    ("ridge", "lr=NaN", "lr must be"),
    ("ridge", "lr=Infinity", "lr must be"),
    ("ridge", "lr=-Infinity", "lr must be"),
    ("ridge", "weight_decay=-1", "weight_decay must be"),
    ("ridge", "momentum=-1", "momentum must be"),
    ("ridge", "momentum=1", "momentum must be"),
    ("ridge", "seed=-1", "seed must be an integer"),
    ("ridge", "seed=1099511627776", "seed must be an integer"),  # 2**40
    ("ridge", "seed=0.5", "seed must be an integer"),
    ("ridge", "warmup_epochs=-1", "warmup_epochs must be"),
    ("ridge", "warmup_epochs=1.5", "warmup_epochs must be an integer"),
    ("ridge", "lr_min=-1", "lr_min must be"),
    ("ridge", "epochs=0", "epochs must be"),
    ("ridge", "epochs=2.5", "epochs must be an integer"),
    ("ridge", "batch_size=0", "batch_size must be"),
    ("ridge", "eval_batch_size=-3", "eval_batch_size must be"),
    ("ridge", "val_fraction=0", "val_fraction must be"),
    ("ridge", "val_fraction=1", "val_fraction must be"),
    ("ridge", "grad_clip=-1", "grad_clip must be"),
    ("ridge", "train_clips=0", "train_clips must be"),
    ("ridge", "test_clips=-5", "test_clips must be"),
    ("ridge", "train_exemplars=0", "train_exemplars must be"),
    ("ridge", "test_exemplars=0", "test_exemplars must be"),
    ("ridge", "score_scale=0", "score_scale must not be 0"),
    ("ridge", "score_shift=NaN", "score_shift must be"),
    ("ridge", "score_scale=Infinity", "score_scale must be"),
    ("ridge", "scheduler=step", "scheduler must be one of"),
    ("gdlt", "dropout=1", "dropout must be"),
    ("gdlt", "dropout=-0.1", "dropout must be"),
    ("cofinal", "variant=nosuch", "variant must be one of"),
    ("cofinal", "procedures=0", "procedures must be an integer"),
    ("mcore", "seg_dropout=1.5", "seg_dropout must be"),
]


@pytest.mark.parametrize(("method", "item", "message"), BAD_VALUES,
                         ids=[f"{m}:{i}" for m, i, _ in BAD_VALUES])
def test_bad_config_value_is_one_line_exit_2(run_cli, tmp_path: Path, method: str, item: str,
                                             message: str) -> None:
    dataset = {"mcore": "finediving-synth", "gdlt": "rg-synth", "cofinal": "rg-synth"}
    epochs = () if item.startswith("epochs=") else ("--epochs", "1")  # the flag would win
    code, _, err = run_cli("run", "--method", method, "--dataset",
                           dataset.get(method, "toy-synth"), "--size", "tiny", *epochs,
                           "--set", item, "--out", tmp_path)
    assert code == 2, err
    assert message in err and err.startswith("aqabench: error: ")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not list(tmp_path.iterdir())  # nothing ran, nothing written


@pytest.mark.parametrize("args", [("--epochs", "-1"), ("--seeds", "4294967296")])
def test_bad_flags_are_one_line_exit_2(run_cli, tmp_path: Path, args: tuple[str, ...]) -> None:
    code, _, err = run_cli("run", "--method", "ridge", *TINY[:4], *args, "--out", tmp_path)
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_the_real_entry_point_prints_no_traceback(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "aqabench.cli", "run", "--method", "ridge",
                             *TINY, "--set", "lr=NaN", "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip() == "aqabench: error: lr must be a finite number > 0, got nan"


def test_every_harness_key_has_a_rule_and_the_defaults_pass() -> None:
    assert set(RULES) == set(BASE_CONFIG)
    validate(BASE_CONFIG)
    assert Range(0, 1, high_open=True).describe() == "a finite number >= 0 and < 1"
    assert not Range(0).accepts(10**400 * -1) and Range(0).accepts(10**400)
    assert Choice(("a",), nullable=True).accepts(None) and not Choice(("a",)).accepts(1)


def test_every_methods_defaults_pass_its_rules() -> None:
    registry = get_registry()
    for name in registry.methods.names():
        spec = registry.method(name)
        for dataset in registry.datasets.names():
            if unsupported(spec, registry.dataset(dataset)) is not None:
                continue
            defaults = method_defaults(spec, dataset, None)
            merge_config(defaults, rules=spec.config_ranges)  # raises on a bad default


def test_method_rules_are_checked_by_merge_config() -> None:
    with pytest.raises(UsageError, match="dropout must be a finite number >= 0 and < 1"):
        merge_config({"dropout": 0.3}, overrides={"dropout": 1.0},
                     rules={"dropout": Range(0, 1, high_open=True)})


def _fake_checkpoint(path: Path, **info_changes: object) -> Path:
    info = DataInfo(dataset="toy-synth", subset=None, feature_dim=16, score_min=0.0,
                    score_max=1.0, train_size=8, test_size=4, max_length=10)
    payload = {"format": FORMAT, "version": VERSION, "aqabench": "0",
               "identity": {"method": "ridge", "dataset": "toy-synth"},
               "config": {**BASE_CONFIG, "score_shift": 0.0, "score_scale": 1.0},
               "info": {**dataclasses.asdict(info), **info_changes}, "state_dict": {}}
    torch.save(payload, path)
    return path


@pytest.mark.parametrize(("change", "message"), [
    ({"feature_dim": 10**12}, ("feature_dim", "1000000000000")),
    ({"feature_dim": 0}, ("feature_dim", " 0 ")),
    ({"max_length": -1}, ("max_length", "-1")),
    ({"score_max": float("nan")}, ("score_max", "nan")),
    ({"cardinalities": {"dive_number": 10**9}}, ("cardinalities", "integers in")),
])
def test_checkpoint_shapes_are_checked_before_anything_is_built(run_cli, tmp_path: Path,
                                                                change, message) -> None:
    ckpt = _fake_checkpoint(tmp_path / "big.pt", **change)
    code, _, err = run_cli("score", tmp_path / "v.npy", "--method", "ridge", "--checkpoint", ckpt)
    assert code == 2 and "big.pt" in err and len(err.strip().splitlines()) == 1
    assert all(part in err for part in message), err


def test_checkpoint_config_is_checked_against_the_rules(run_cli, tmp_path: Path) -> None:
    ckpt = tmp_path / "bad.pt"
    _fake_checkpoint(ckpt)
    payload = torch.load(ckpt, weights_only=True)
    payload["config"]["lr"] = -1.0
    torch.save(payload, ckpt)
    code, _, err = run_cli("score", tmp_path / "v.npy", "--method", "ridge", "--checkpoint", ckpt)
    assert code == 2 and "checkpoint config: lr must be" in err


def test_every_shipped_suite_cell_passes_the_rules() -> None:
    from aqabench.bench import Suite, planned
    from aqabench.package_data import SUITES_DIR

    registry = get_registry()
    for path in sorted(SUITES_DIR.glob("*.json")):
        suite = Suite.load(path.stem)
        for cell in suite.expand(registry):
            planned(suite, cell, registry)  # resolves (and checks) the cell's config
