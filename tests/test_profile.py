"""The MAC counter against hand formulas, the latency protocol, ``aqabench profile`` and runs."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from aqabench.api import AQAModel, Batch, DataInfo
from aqabench.cli import main as cli_main
from aqabench.profile import count_macs, example_batch, measure_latency, profile_macs

T, B, D, H = 7, 3, 5, 4  # time steps, batch, input size, hidden size


def macs(module: nn.Module, *inputs: torch.Tensor, fn=None) -> dict[str, int]:
    module.eval()
    return count_macs(module, lambda: (fn or module)(*inputs))


def total(parts: dict[str, int]) -> int:
    return sum(parts.values())


def test_linear_matches_flop_counter_mode_halved():
    layer, x = nn.Linear(D, H), torch.randn(B, T, D)
    counter = FlopCounterMode(display=False)
    with counter:
        layer(x)
    assert counter.get_total_flops() == 2 * B * T * D * H  # torch's own count, 2 per MAC
    assert macs(layer, x) == {"matmul": B * T * D * H, "norm": 0, "recurrent": 0, "extra": 0}


def test_conv1d_is_counted_per_output_position():
    conv, x = nn.Conv1d(D, H, kernel_size=3, padding=1), torch.randn(B, D, T)
    assert total(macs(conv, x)) == B * T * H * D * 3


@pytest.mark.parametrize("batch_first", [True, False])
def test_lstm_closed_form(batch_first):
    lstm = nn.LSTM(D, H, batch_first=batch_first)
    x = torch.randn(B, T, D) if batch_first else torch.randn(T, B, D)
    assert total(macs(lstm, x)) == T * B * 4 * H * (D + H)


def test_stacked_bidirectional_lstm_closed_form():
    lstm = nn.LSTM(D, H, num_layers=2, bidirectional=True)
    layer0 = 2 * T * B * 4 * H * (D + H)
    layer1 = 2 * T * B * 4 * H * (2 * H + H)  # input of layer 2 = both directions
    assert total(macs(lstm, torch.randn(T, B, D))) == layer0 + layer1


def test_lstm_with_projection_closed_form():
    proj = 2
    lstm = nn.LSTM(D, H, proj_size=proj)
    expected = T * B * (4 * H * (D + proj) + H * proj)
    assert total(macs(lstm, torch.randn(T, B, D))) == expected


def test_gru_is_not_counted_twice():
    """CPU GRU decomposes into addmm the counter sees; the hook only tops up."""
    gru = nn.GRU(D, H, batch_first=True)
    parts = macs(gru, torch.randn(B, T, D))
    assert total(parts) == T * B * 3 * H * (D + H)


def test_plain_rnn_closed_form():
    rnn = nn.RNN(D, H)
    assert total(macs(rnn, torch.randn(T, B, D))) == T * B * H * (D + H)


def test_packed_sequence_counts_valid_steps_only():
    lstm = nn.LSTM(D, H, batch_first=True)
    lengths = [7, 4, 2]
    packed = nn.utils.rnn.pack_padded_sequence(torch.randn(3, 7, D), lengths, batch_first=True)
    assert total(macs(lstm, packed)) == sum(lengths) * 4 * H * (D + H)


@pytest.mark.parametrize(("cell", "gates"), [(nn.LSTMCell, 4), (nn.GRUCell, 3), (nn.RNNCell, 1)])
def test_cells_closed_form(cell, gates):
    module = cell(D, H)
    assert total(macs(module, torch.randn(B, D))) == B * gates * H * (D + H)


def test_cell_in_a_python_loop_counts_every_step():
    cell = nn.LSTMCell(D, H)
    x = torch.randn(T, B, D)

    def unroll(seq: torch.Tensor) -> torch.Tensor:
        h = c = torch.zeros(B, H)
        for step in seq:
            h, c = cell(step, (h, c))
        return h

    assert total(macs(cell, x, fn=unroll)) == T * B * 4 * H * (D + H)


def mha_formula(batch: int, length: int, embed: int) -> int:
    return batch * (4 * length * embed * embed + 2 * length * length * embed)


def test_sdpa_on_cpu_is_counted():
    """FlopCounterMode has no formula for the CPU flash kernel: ours gives QK^T + AV."""
    q = torch.randn(2, 4, T, 8)
    parts = count_macs(nn.Identity(), lambda: F.scaled_dot_product_attention(q, q, q))
    assert parts["matmul"] == 2 * (2 * 4 * T * T * 8)


def test_multihead_attention_slow_and_fused_paths_agree():
    embed, heads = 16, 4
    mha = nn.MultiheadAttention(embed, heads, batch_first=True).eval()
    x = torch.randn(B, T, embed)
    slow = total(macs(mha, x, x, x))
    mha.requires_grad_(False)  # now the fused _native_multi_head_attention kernel runs
    fused = total(macs(mha, x, x, x))
    assert slow == fused == mha_formula(B, T, embed)


def test_transformer_encoder_layer_slow_and_fused_paths_agree():
    embed, ffn = 16, 32
    layer = nn.TransformerEncoderLayer(embed, 4, ffn, batch_first=True, dropout=0.0).eval()
    x = torch.randn(B, T, embed)
    slow = macs(layer, x)
    layer.requires_grad_(False)
    fused = macs(layer, x)
    expected = mha_formula(B, T, embed) + 2 * B * T * embed * ffn + 2 * 5 * B * T * embed
    assert total(slow) == total(fused) == expected
    assert slow["norm"] == 2 * 5 * B * T * embed  # two affine LayerNorms, fvcore's 5/element


def test_norms_follow_fvcore():
    x = torch.randn(B, H, T)
    assert macs(nn.BatchNorm1d(H), x)["norm"] == 2 * B * H * T  # eval: scale + shift
    assert macs(nn.BatchNorm1d(H, affine=False), x)["norm"] == B * H * T
    assert macs(nn.LayerNorm(T), x)["norm"] == 5 * B * H * T
    assert macs(nn.GroupNorm(2, H), x)["norm"] == 5 * B * H * T


class Tiny(AQAModel):
    """Linear + LSTM + a hand-written recurrence reported through ``extra_macs``."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.proj = nn.Linear(dim, H)
        self.lstm = nn.LSTM(H, H, batch_first=True)
        self.head = nn.Linear(H, 1)

    def forward(self, batch: Batch) -> dict[str, torch.Tensor]:
        out, _ = self.lstm(self.proj(batch.features))
        return {"score": self.head(out[:, -1]).squeeze(-1)}

    def extra_macs(self, batch: Batch) -> int:
        return 123


def info(dim: int = D, extras: tuple[str, ...] = ()) -> DataInfo:
    return DataInfo(dataset="x", subset=None, feature_dim=dim, score_min=0.0, score_max=10.0,
                    train_size=1, test_size=1, max_length=T, extras=extras,
                    cardinalities={"dive_number": 5})


def test_profile_macs_adds_every_part_and_states_the_counter():
    model = Tiny(D)
    result = profile_macs(model.train(), example_batch(info(), T))
    expected = {"matmul": T * D * H + H, "norm": 0, "recurrent": T * 4 * H * (H + H),
                "extra": 123}
    assert result["macs_breakdown"] == expected
    assert result["macs"] == sum(expected.values()) and result["flops"] == 2 * result["macs"]
    assert result["params"] == sum(p.numel() for p in model.parameters())
    assert "FlopCounterMode" in result["counter"] and result["clips"] == T
    assert model.training  # restored


def test_example_batch_exemplars_and_stage_labels():
    batch = example_batch(info(extras=("dive_number",)), 9, frozenset({"exemplars",
                                                                         "stage_labels"}), 2)
    assert batch.features.shape == (1, 9, D) and batch.lengths.tolist() == [9]
    assert batch.extras["transitions"].tolist() == [[3.0, 6.0]]
    assert batch.extras["dive_number"].dtype == torch.long
    assert batch.exemplars is not None and batch.exemplars.features.shape == (2, 9, D)
    assert batch.n_exemplars == 2


def test_latency_protocol():
    with pytest.raises(ValueError):
        measure_latency(Tiny(D), example_batch(info(), T), warmup=5)
    lat = measure_latency(Tiny(D), example_batch(info(), T))
    assert lat["runs"] == 50 and lat["warmup"] == 10 and lat["device"] == "cpu"
    assert lat["min_ms"] <= lat["q1_ms"] <= lat["median_ms"] <= lat["q3_ms"] <= lat["max_ms"]


def test_cli_profile_json(capsys):
    assert cli_main(["profile", "--method", "ridge", "--dataset", "toy-synth", "--json",
                     "--no-latency", "--clips", "10"]) == 0
    result = json.loads(capsys.readouterr().out)
    dim = result["identity"]["feature_dim"]  # no info() on toy-synth: the 1024-d default
    assert dim == 1024 and result["clips"] == 10
    # ridge = LayerNorm without affine (4 per element, fvcore) + Linear(D, 1) on the pooled video
    assert result["macs"] == 4 * dim + dim and result["params"] == dim + 1
    assert result["latency"] is None


def test_cli_profile_table_has_tab2_columns(capsys):
    assert cli_main(["profile", "--method", "ridge", "--no-latency"]) == 0
    out = capsys.readouterr().out
    for column in ("FLOPs (G)", "Parameter (M)", "Inference Time (ms)"):
        assert column in out


def test_runs_store_their_profile():
    from aqabench.plugins import get_registry
    from aqabench.runner import RunRequest, run

    record, _, _ = run(RunRequest(method="ridge", dataset="toy-synth", epochs=1, size="tiny"),
                       get_registry())
    profile = record["profile"]
    dim = 16  # toy-synth tiny features
    assert profile["params"] == dim + 1 and profile["macs"] == 5 * dim
    assert profile["latency"] is None and profile["clips"] == 68


def test_data_info_from_a_dataset_specs_cheap_info():
    from aqabench.api import DatasetSpec
    from aqabench.commands.profile import data_info

    def cheap(request):
        return {"feature_dim": 12, "max_length": 40, "score_min": 2.0, "score_max": 9.0,
                "extras": {"dive_number": "long [N], DN code", "difficulty": "float [N]",
                           "transitions": "long [N, 2]"}}

    spec = DatasetSpec(name="fake", loader="x:y", info=cheap, synthetic=True)
    made, codes = data_info("fake", spec, None, 68)
    assert (made.feature_dim, made.score_min, made.score_max) == (12, 2.0, 9.0)
    assert made.max_length == 68  # never shorter than the profiled input
    assert codes == {"dive_number", "transitions"}
    batch = example_batch(made, 9, frozenset({"stage_labels"}), long_extras=codes)
    assert batch.extras["dive_number"].dtype == torch.long
    assert batch.extras["difficulty"].dtype == torch.float32
    assert batch.extras["transitions"].tolist() == [[3, 6]]
    default, none = data_info("rg", None, None, 68)  # no spec: 1024-d features, scores 0-25
    assert (default.feature_dim, default.score_min, default.score_max, none) == (
        1024, 0.0, 25.0, frozenset())
