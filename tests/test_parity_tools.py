"""The parity tooling (benchmarks/parity_tools) without the official code, and the CoFInAl code
variant's defaults pinned to the official values."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from parity_tools import cofinal, gdlt, hgcn, mslstm  # noqa: E402
from parity_tools.core import (  # noqa: E402
    name_map,
    official_path,
    to_official,
    to_ours,
    trainable,
    translate,
)

from aqabench.api import DataInfo  # noqa: E402
from aqabench.plugins import get_registry  # noqa: E402
from aqabench.runner import RunRequest, resolve_config  # noqa: E402
from aqabench_cofinal.attention import MultiHeadAttention  # noqa: E402
from aqabench_cofinal.defaults import defaults as cofinal_defaults  # noqa: E402


def ours_models() -> dict[str, tuple[nn.Module, list]]:
    return {"gdlt": (gdlt.ours_model(), gdlt.RULES),
            "cofinal": (cofinal.ours_model("Ball", batch_mixing=True), cofinal.RULES),
            "cofinal ribbon": (cofinal.ours_model("Ribbon", batch_mixing=True), cofinal.RULES),
            "hgcn": (hgcn.ours_model(68), hgcn.RULES),
            "mslstm": (mslstm.ours_model(), mslstm.RULES)}


@pytest.mark.parametrize("name", ["gdlt", "cofinal", "cofinal ribbon", "hgcn", "mslstm"])
def test_name_map_round_trips_our_state_dict(name: str) -> None:
    model, rules = ours_models()[name]
    state = model.state_dict()
    official = to_official(state, rules)
    back, reshaped = to_ours(official, rules, state)
    assert reshaped == []
    assert back.keys() == state.keys()
    assert all(torch.equal(back[k], state[k]) for k in state)


def test_gdlt_map_covers_the_official_layout() -> None:
    # GDLT's network in the official layout: its vendored Transformer is torch 1.10's
    # nn.Transformer, whose parameter names torch.nn.Transformer still has.
    stand_in = nn.Module()
    stand_in.in_proj = nn.Sequential(nn.Conv1d(1024, 512, 1), nn.BatchNorm1d(512), nn.ReLU(),
                                     nn.Conv1d(512, 256, 1), nn.BatchNorm1d(256))
    stand_in.transformer = nn.Transformer(256, 1, 1, 2, 768, batch_first=True)
    stand_in.prototype = nn.Embedding(4, 256)
    stand_in.regressor = nn.Linear(256, 4)
    ours = gdlt.ours_model()
    state, _ = to_ours(stand_in.state_dict(), gdlt.RULES, ours.state_dict())
    ours.load_state_dict(state, strict=True)
    assert trainable(stand_in) == trainable(ours) == 3_163_396


def test_packed_attention_split_and_kernel1_reshape() -> None:
    torch.manual_seed(0)
    packed = nn.MultiheadAttention(32, 4, batch_first=True).eval()
    mine = MultiHeadAttention(32, 4, 0.0).eval()
    rules = [("in_proj_*", ("q_proj.*", "k_proj.*", "v_proj.*")), ("out_proj.*", "out_proj.*")]
    mine.load_state_dict(to_ours(packed.state_dict(), rules, mine.state_dict())[0])
    x = torch.randn(2, 5, 32)
    with torch.no_grad():
        assert torch.allclose(packed(x, x, x)[0], mine(x, x, x), atol=1e-6)
    conv, linear = nn.Conv1d(8, 3, 1), nn.Linear(8, 3)
    state, reshaped = to_ours(conv.state_dict(), [("*", "*")], linear.state_dict())
    linear.load_state_dict(state)
    assert reshaped == ["weight"]
    x = torch.randn(4, 8)
    assert torch.allclose(conv(x[..., None])[..., 0], linear(x), atol=1e-6)


def test_translate_and_unmatched_keys() -> None:
    assert translate("scale2.lstm.weight_ih.0", mslstm.RULES) == \
        "mlstm.branches.2.lstm.weight_ih"
    assert mslstm.renumber({"scale1.conv.0.bias": 1, "linear_skip3.weight": 2}) == \
        {"scale0.conv.0.bias": 1, "linear_skip2.weight": 2}
    with pytest.raises(KeyError, match="no name-map rule"):
        name_map(["nowhere.weight"], gdlt.RULES)


def test_official_path_isolates_the_official_packages(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "__init__.py").write_text("")
    (tmp_path / "models" / "model.py").write_text("MARK = 'official'\n")
    with official_path(tmp_path):
        import models.model
        assert models.model.MARK == "official"
    assert "models" not in sys.modules and "models.model" not in sys.modules
    assert str(tmp_path) not in sys.path


# Official values: ZhouKanglei/CoFInAl_AQA at fe1f4c1 — options.py (--weight-decay 1e-4,
# --batch 32, --momentum 0.9, --clip-num 68, --optim sgd), scripts/train_all_rg.sh and
# scripts/train_all_fis.sh (--lr 1e-2 --lr-decay cos --decay-rate 0.01 --dropout 0.3, epochs
# Ball/Clubs/Hoop/Ribbon 250/400/300/150 and TES/PCS 200, Fis-V --alpha 0.5 --n_head 7
# --hidden_dim 448), datasets.py (normalize_score: score / 25).
OFFICIAL_CODE = {"optimizer": "sgd", "lr": 1e-2, "momentum": 0.9, "weight_decay": 1e-4,
                 "scheduler": "cosine", "lr_min": 1e-4, "batch_size": 32, "train_clips": 68,
                 "test_clips": None, "dropout": 0.3, "score_shift": 0.0, "score_scale": 25.0,
                 "code_margin": 1.0}
OFFICIAL_RUNS = {("rg-synth", "Ball"): {"epochs": 250, "code_alpha": 1.0, "code_act_mode": 2,
                                        "code_align_mode": 1, "code_using_neg": True},
                 ("rg-synth", "Clubs"): {"epochs": 400, "code_act_mode": 3},
                 ("rg-synth", "Hoop"): {"epochs": 300, "code_act_mode": 2, "code_align_mode": 2},
                 ("rg-synth", "Ribbon"): {"epochs": 150, "code_using_neg": False},
                 ("fisv-synth", "TES"): {"epochs": 200, "code_alpha": 0.5, "code_hidden": 448,
                                         "code_heads": 7, "code_ffn": 1344},
                 ("fisv-synth", "PCS"): {"epochs": 200, "code_alpha": 0.5, "code_hidden": 448}}


@pytest.mark.parametrize(("dataset", "subset"), list(OFFICIAL_RUNS))
def test_code_variant_defaults_are_the_official_codes(dataset: str, subset: str) -> None:
    config = cofinal_defaults(dataset, subset, variant="code")
    assert {k: config[k] for k in OFFICIAL_CODE} == OFFICIAL_CODE
    assert {k: config[k] for k in OFFICIAL_RUNS[dataset, subset]} == OFFICIAL_RUNS[dataset, subset]
    # the harness hands --set variant=code to the defaults
    registry = get_registry()
    resolved = resolve_config(registry.method("cofinal"), registry.dataset(dataset), subset,
                              RunRequest("cofinal", dataset, overrides={"variant": "code"}))
    assert resolved["weight_decay"] == 1e-4 and resolved["variant"] == "code"


def test_paper_defaults_unchanged() -> None:
    paper = cofinal_defaults("rg-synth", "Ball")
    assert (paper["weight_decay"], paper["epochs"], paper["score_scale"]) == (0.01, 200, 3.5)
    fisv = cofinal_defaults("fisv-synth", "TES")
    assert (fisv["dropout"], fisv["train_clips"], fisv["code_hidden"]) == (0.7, 124, 256)


def test_code_variant_builds_with_the_fisv_script_widths() -> None:
    from aqabench_cofinal.model import build
    config = cofinal_defaults("fisv-synth", "TES", variant="code")
    info = DataInfo("fisv-synth", "TES", 1024, 6.0, 43.0, 400, 100, 140)
    model = build(config, info)
    assert trainable(model) == 10_064_748  # cofinal.md §2: Fis-V config, AQA-B fixed head
