"""The FLOP bound and interleaved latency (aqabench.speed) and ``aqabench profile`` both ways."""

from __future__ import annotations

import json

import torch
from torch import nn

from aqabench.api import AQAModel, Batch, DataInfo
from aqabench.cli import main as cli_main
from aqabench.profile import example_batch
from aqabench.speed import SQUARE, gemm_flops_per_second, gemm_shapes, latency_vs_bound

INFO = DataInfo("toy", None, 16, 0.0, 1.0, 10, 10, 12)


class TwoLayers(AQAModel):
    def __init__(self) -> None:
        super().__init__()
        self.first, self.second = nn.Linear(16, 32), nn.Linear(32, 8)

    def forward(self, batch: Batch) -> dict[str, torch.Tensor]:
        return {"score": self.second(torch.relu(self.first(batch.features))).mean((1, 2))}


def test_gemm_shapes_are_the_forward_products_largest_first():
    shapes = gemm_shapes(TwoLayers(), example_batch(INFO, 12))
    assert shapes == [(12, 16, 32), (12, 32, 8)]


def test_gemm_throughput_is_positive_by_both_clocks():
    rate = gemm_flops_per_second((32, 32, 32), repeats=5)
    assert rate["wall"] > 0 and rate["cpu"] > 0


def test_latency_vs_bound_interleaves_rounds_and_takes_ratios_per_round():
    model, batch = TwoLayers(), example_batch(INFO, 12)
    result = latency_vs_bound({"a": model, "b": model}, batch, macs=12 * 16 * 32, rounds=2)
    assert set(result["latency"]) == {"a", "b"} == set(result["ratio"])
    assert result["latency"]["a"]["runs"] == 2 * 50 and result["latency"]["a"]["rounds"] == 2
    bound = result["flop_bound"]
    assert "x".join(map(str, SQUARE)) in bound["shapes_gflops"] and bound["flops"] == 2 * 6144
    for name in ("a", "b"):
        ratio = result["ratio"][name]
        assert 0 < ratio["min"] <= ratio["median"] <= ratio["max"]
        assert result["ratio_cpu"][name]["median"] > 0


def test_profile_records_both_latencies_and_the_bound(tmp_path, capsys):
    assert cli_main(["profile", "--method", "gdlt", "--clips", "8", "--threads", "1",
                     "--rounds", "1", "--json", "--out", str(tmp_path)]) == 0
    result = json.loads(capsys.readouterr().out)
    written = json.loads(next(tmp_path.glob("profile__gdlt*.json")).read_text())
    assert written["latency_prepared"]["median_ms"] == result["latency_prepared"]["median_ms"]
    fast, bound = result["latency_prepared"], result["flop_bound"]
    assert fast["same_model"] is False and 0 < fast["macs"] < result["macs"]  # absorbed
    assert result["latency"]["threads"] == 1 == bound["threads"]
    expected = result["latency"]["median_ms"] / bound["ms"]["median"]
    assert abs(bound["ratio"]["median"] - expected) < 1e-9  # one round: the ratio of medians
    assert bound["ratio_prepared"]["median"] > 0 and bound["ratio_cpu"]["median"] > 0


def test_profile_without_a_hook_times_the_model_once(capsys):
    assert cli_main(["profile", "--method", "ridge", "--clips", "8", "--rounds", "1",
                     "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["latency_prepared"]["same_model"] is True
    assert result["latency_prepared"]["median_ms"] == result["latency"]["median_ms"]


def test_profile_table_shows_prepared_and_bound(capsys):
    assert cli_main(["profile", "--method", "cofinal", "--clips", "8", "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    assert "Prepared (ms)" in out and "FLOP bound (ms)" in out and "interleaved" in out


def test_profile_rejects_zero_rounds(capsys):
    assert cli_main(["profile", "--method", "gdlt", "--clips", "8", "--rounds", "0"]) != 0
    assert "--rounds" in capsys.readouterr().err
