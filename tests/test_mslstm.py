"""MS-LSTM plugin: architecture, Skip-LSTM gate, masking, loss, registration."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from aqabench.api import Batch
from aqabench.errors import UsageError
from aqabench_mslstm import defaults
from aqabench_mslstm.lstm import LSTM, SkipLSTM, round_straight_through
from aqabench_mslstm.model import MSLSTM, build
from aqabench_mslstm.slstm import attention_penalty


def make_batch(features: torch.Tensor, lengths: list[int] | None = None) -> Batch:
    b, t, _ = features.shape
    lens = torch.tensor(lengths if lengths is not None else [t] * b)
    return Batch(features=features, lengths=lens, target=torch.linspace(0, 1, b),
                 score=torch.linspace(10, 20, b))


def tiny(dim: int = 8, **kwargs: object) -> MSLSTM:
    """The full architecture at toy widths, to keep the tests fast."""
    return MSLSTM(dim, channels=16, hidden=12, hops=5, **kwargs)  # type: ignore[arg-type]


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize(("dim", "count"), [(4096, 3_054_724), (1024, 2_661_508)])
def test_parameter_count_matches_official(dim: int, count: int) -> None:
    assert n_params(MSLSTM(dim)) == count


def test_shapes_and_short_input() -> None:
    torch.manual_seed(0)
    model = tiny(16).eval()
    for t in (30, 5):  # 5 < widest kernel (8): padded internally
        out = model(make_batch(torch.randn(3, t, 16)))
        assert out["score"].shape == (3,)
        assert out["attention"].shape == (3, 5, t)
        assert out["update_rate"].shape == (3, 3)
        assert torch.isfinite(out["score"]).all()
        assert torch.allclose(out["attention"].sum(-1), torch.ones(3, 5))


def test_plain_lstm_matches_torch_lstm() -> None:
    torch.manual_seed(0)
    ours, ref = LSTM(6, 5), nn.LSTM(6, 5, batch_first=True)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(ref, f"{name}_l0").copy_(getattr(ours, name))
    x = torch.randn(2, 7, 6)
    assert torch.allclose(ours(x), ref(x)[0][:, -1], atol=1e-6)


def test_skip_lstm_always_updating_is_an_lstm() -> None:
    torch.manual_seed(0)
    skip, plain = SkipLSTM(6, 5), LSTM(6, 5)
    plain.load_state_dict({k: v for k, v in skip.state_dict().items() if "update" not in k})
    nn.init.constant_(skip.update_gate.bias, 20.0)  # Δũ ≈ 1: every step updates
    x = torch.randn(2, 9, 6)
    h, rate = skip(x)
    assert torch.allclose(h, plain(x), atol=1e-6)
    assert torch.equal(rate, torch.ones(2))


def test_skip_lstm_never_updating_keeps_first_state() -> None:
    torch.manual_seed(0)
    skip = SkipLSTM(6, 5)
    nn.init.zeros_(skip.update_gate.weight)
    nn.init.constant_(skip.update_gate.bias, -20.0)  # Δũ ≈ 0: only the forced first step
    x = torch.randn(2, 9, 6)
    h, rate = skip(x)
    h1, _ = skip(x[:, :1])
    assert torch.allclose(h, h1)
    assert torch.allclose(rate, torch.full((2,), 1 / 9))


def test_straight_through_round() -> None:
    x = torch.tensor([0.2, 0.5001, 0.9], requires_grad=True)
    y = round_straight_through(x)
    assert torch.equal(y.detach(), torch.tensor([0.0, 1.0, 1.0]))
    y.sum().backward()
    assert torch.equal(x.grad, torch.ones(3))


@pytest.mark.parametrize(("variant", "trains"), [("paper", True), ("code", False)])
def test_skip_gate_receives_gradient_only_with_straight_through(variant: str,
                                                                trains: bool) -> None:
    torch.manual_seed(0)
    model = tiny(variant=variant)
    batch = make_batch(torch.randn(4, 24, 8))
    model.loss(model(batch), batch)["loss"].backward()
    for branch in model.mlstm.branches:
        gate = branch.lstm.update_gate
        norm = sum(float(p.grad.abs().sum()) for p in gate.parameters() if p.grad is not None)
        assert (norm > 0) is trains


def test_eval_deterministic_and_batch_independent() -> None:
    torch.manual_seed(0)
    model = tiny().eval()
    x = torch.randn(4, 20, 8)
    with torch.inference_mode():
        together = model(make_batch(x))["score"]
        again = model(make_batch(x))["score"]
        alone = torch.cat([model(make_batch(x[i:i + 1]))["score"] for i in range(4)])
    assert torch.equal(together, again)
    assert torch.allclose(together, alone, atol=1e-5)


def test_code_variant_has_random_initial_state() -> None:
    torch.manual_seed(0)
    model = tiny(variant="code").eval()
    batch = make_batch(torch.randn(2, 20, 8))
    with torch.inference_mode():
        assert not torch.equal(model(batch)["score"], model(batch)["score"])


def test_padding_is_masked() -> None:
    """A padded video scores as it does alone at its own length (eval mode)."""
    torch.manual_seed(0)
    model = tiny().eval()
    x = torch.randn(2, 30, 8)
    x[1, 19:] = 0
    with torch.inference_mode():
        padded = model(make_batch(x, [30, 19]))["score"]
        alone = model(make_batch(x[1:, :19]))["score"]
    assert torch.allclose(padded[1], alone[0], atol=1e-5)


def test_harness_eval_of_mixed_lengths_matches_one_batch_per_length() -> None:
    """``masks_padding``: padded test batches give the per-length batches' predictions."""
    from aqabench.api import FeatureSet
    from aqabench.config import merge_config
    from aqabench.train import evaluate

    torch.manual_seed(0)
    model = tiny()
    assert model.masks_padding
    lengths = [12, 20, 9, 20, 15, 12]
    data = FeatureSet.from_sequences([f"v{i}" for i in range(6)],
                                     [torch.randn(n, 8) for n in lengths],
                                     [float(i) for i in range(6)])
    config = merge_config({"score_shift": 0.0, "score_scale": 1.0, "eval_batch_size": 4})
    mixed = evaluate(model, data, config, torch.device("cpu"))
    model.masks_padding = False  # instance override: the harness's one-length batches
    grouped = evaluate(model, data, config, torch.device("cpu"))
    assert np.allclose(mixed.predictions, grouped.predictions, atol=1e-5)


def test_attention_penalty_by_hand() -> None:
    eye = torch.eye(4).expand(3, 4, 4)  # orthonormal rows: no penalty
    assert float(attention_penalty(eye)) == 0.0
    uniform = torch.full((2, 4, 8), 1 / 8)  # A Aᵀ = 1/8 everywhere: 4·(7/8)² + 12·(1/8)²
    assert float(attention_penalty(uniform)) == pytest.approx(4 * (7 / 8) ** 2 + 12 / 64)


def test_loss_in_raw_units_plus_penalty() -> None:
    torch.manual_seed(0)
    model = tiny(score_scale=10.0, penalty_weight=0.5)
    batch = make_batch(torch.randn(3, 16, 8))
    out = model(batch)
    losses = model.loss(out, batch)
    mse = ((out["score"] - batch.target) ** 2).mean() * 100
    assert float(losses["mse_raw"]) == pytest.approx(float(mse.detach()), rel=1e-5)
    expected = float((mse + 0.5 * losses["penalty"]).detach())
    assert float(losses["loss"].detach()) == pytest.approx(expected, rel=1e-5)


def test_defaults_and_bad_variant() -> None:
    assert defaults("rg-synth", "Ball")["train_clips"] == 68
    assert defaults("fisv-synth", "TES")["train_clips"] is None
    cfg = defaults("fisv", "PCS")
    assert (cfg["optimizer"], cfg["lr"], cfg["weight_decay"], cfg["batch_size"]) == (
        "adam", 5e-4, 0.0, 128)
    assert cfg["score_norm"] == "standard"  # pred = mean + std * out (model.py, difference 4)
    with pytest.raises(UsageError):
        MSLSTM(8, variant="nope")


def test_dropout_acts_on_the_branch_vectors_in_train_mode_only() -> None:
    from aqabench.api import DataInfo
    torch.manual_seed(0)
    assert defaults("fisv", "TES")["dropout"] == 0.0  # the official forward
    config = {**defaults("rg-synth", "Ball"), "score_scale": 1.0, "dropout": 0.7}
    info = DataInfo(dataset="rg-synth", subset="Ball", feature_dim=8, score_min=0.0,
                    score_max=1.0, train_size=4, test_size=2, max_length=20)
    model = build(config, info)
    assert model.fusion.dropout.p == pytest.approx(0.7)
    assert n_params(model) == n_params(MSLSTM(8))  # dropout adds no parameters
    batch = make_batch(torch.randn(2, 20, 8))
    model.train()
    assert not torch.equal(model(batch)["score"], model(batch)["score"])
    model.eval()
    with torch.inference_mode():
        assert torch.equal(model(batch)["score"], model(batch)["score"])


@pytest.mark.slow  # two full-width runs: ~15 s alone, far more on a shared CPU
def test_trains_through_the_harness_deterministically() -> None:
    """Two seed-0 runs on the tiny toy twin give bit-identical predictions; the gate moves."""
    from aqabench.plugins import get_registry
    from aqabench.runner import RunRequest, run

    def once() -> dict:
        request = RunRequest(method="mslstm", dataset="toy-synth", size="tiny", epochs=2,
                             overrides={"batch_size": 16})
        return run(request, get_registry())[0]

    first, second = once(), once()
    assert first["identity"]["method"] == "mslstm"
    assert len(first["curve"]) == 2
    assert all(0 < row["train_update_rate"] <= 1 for row in first["curve"])
    assert (first["predictions"]["final"] == second["predictions"]["final"]).all()
    assert first["final"]["srcc"] == second["final"]["srcc"]
