"""Eval-time transformations (``AQAModel.prepare_inference``): equal outputs, training untouched."""

from __future__ import annotations

import copy
import dataclasses

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from aqabench.api import AQAModel, Batch, DataInfo
from aqabench.config import merge_config
from aqabench.inference import (
    Affine,
    absorbed_attention,
    attention,
    compose_linear,
    fold_batch_norm,
    fold_clip_stack,
    prepare,
    query_key_product,
    stacked_linear,
)
from aqabench.layers import per_clip
from aqabench.profile import example_batch, profile_macs
from aqabench_cofinal.attention import MultiHeadAttention as CoFInAlAttention
from aqabench_cofinal.defaults import defaults as cofinal_defaults
from aqabench_cofinal.inference import (
    PreparedGPM,
    PreparedSelfAttention,
    PreparedTFM,
    fine_regressor,
)
from aqabench_cofinal.model import build as build_cofinal
from aqabench_gdlt import COMMON as GDLT_COMMON
from aqabench_gdlt.inference import PreparedCrossAttention, PreparedGDLT
from aqabench_gdlt.inference import PreparedSelfAttention as GDLTSelfAttention
from aqabench_gdlt.model import build as build_gdlt
from aqabench_gdlt.transformer import MultiHeadAttention as GDLTAttention

DIM = 64
INFO = DataInfo("rg-synth", "Ball", DIM, 3.85, 24.0, 200, 50, 96)


def close(expected: torch.Tensor, actual: torch.Tensor, tolerance: float = 1e-6) -> None:
    """Equal to ``tolerance`` of the output's scale (max |value|, at least 1)."""
    expected, actual = expected.detach(), actual.detach()
    scale = max(1.0, float(expected.abs().max()))
    assert float((expected.double() - actual.double()).abs().max()) <= tolerance * scale


def in_double(batch: Batch) -> Batch:
    return dataclasses.replace(batch, features=batch.features.double(),
                               target=batch.target.double(), score=batch.score.double())


def check_outputs(model: AQAModel, prepared: AQAModel, batch: Batch) -> None:
    """The prepared float32 outputs equal the exact ones (the training graph in float64) to 1e-6
    of their scale, and the float32 training graph's to 2e-6 (each is 1e-6 from exact: the
    float32 training graph itself is 1.5e-6 from exact on GDLT's embeddings of scale 2.5)."""
    with torch.no_grad():
        exact = copy.deepcopy(model).double()(in_double(batch))
        expected, actual = model(batch), prepared(batch)
    assert set(actual) == set(expected)
    for key in expected:
        close(exact[key], actual[key])
        close(expected[key], actual[key], 2e-6)


def randomise_batch_norms(model: nn.Module, seed: int = 0) -> None:
    """Non-trivial running statistics and affine parameters (a fresh BN folds to identity)."""
    g = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm1d):
            n = module.num_features
            module.running_mean.copy_(torch.randn(n, generator=g))
            module.running_var.copy_(0.5 + 2 * torch.rand(n, generator=g))
            module.weight.data.copy_(0.5 + torch.rand(n, generator=g))
            module.bias.data.copy_(torch.randn(n, generator=g))


def videos(lengths: list[int], dim: int = DIM, seed: int = 0) -> Batch:
    """A padded batch: video ``i`` has ``lengths[i]`` N(0, 1) clips, zeros after."""
    g = torch.Generator().manual_seed(seed)
    width = max(lengths)
    features = torch.randn(len(lengths), width, dim, generator=g)
    for i, length in enumerate(lengths):
        features[i, length:] = 0
    target = torch.rand(len(lengths), generator=g)
    return Batch(features, torch.tensor(lengths), target, target * 25)


def gdlt(**overrides: object) -> AQAModel:
    config = {**GDLT_COMMON, "hidden_dim": 32, "ffn_dim": 48, **overrides}
    return build_gdlt(config, INFO)


def cofinal(**overrides: object) -> AQAModel:
    variant = str(overrides.get("variant", "paper"))
    small = ({"code_hidden": 32, "code_ffn": 48, "code_fine_heads": 4} if variant == "code"
             else {"dim_p": 32, "dim_s": 24, "procedures": 3})
    config = merge_config(cofinal_defaults("rg-synth", "Ball", variant), overrides={
        "score_shift": 0.0, "score_scale": 25.0, **small, **overrides})
    return build_cofinal(config, INFO)


MODELS = {
    "gdlt": gdlt, "gdlt-3-decoders-2-heads": lambda: gdlt(n_decoder=3, n_head=2),
    "gdlt-no-decoder": lambda: gdlt(n_decoder=0),
    "cofinal": cofinal, "cofinal-input-norm": lambda: cofinal(input_norm=True),
    "cofinal-w/o-tfm": lambda: cofinal(use_tfm=False),
    "cofinal-w/o-gpm": lambda: cofinal(use_gpm=False),
    "cofinal-code": lambda: cofinal(variant="code"),
    "cofinal-code-no-neg": lambda: cofinal(variant="code", code_using_neg=False),
    "cofinal-code-batch-mixing": lambda: cofinal(variant="code", code_batch_mixing=True),
}


def trained_like(name: str) -> AQAModel:
    torch.manual_seed(0)
    model = MODELS[name]()
    randomise_batch_norms(model)
    return model


# ------------------------------------------------------------------------- building blocks
@pytest.mark.parametrize("affine", [True, False])
def test_fold_batch_norm_equals_linear_then_norm(affine):
    linear, norm = nn.Linear(6, 5), nn.BatchNorm1d(5, affine=affine)
    randomise_batch_norms(nn.Sequential(norm)) if affine else None
    norm.running_mean.uniform_(-1, 1)
    norm.running_var.uniform_(0.5, 2)
    norm.eval()
    x = torch.randn(7, 6)
    weight, bias = fold_batch_norm(linear.weight, linear.bias, norm)
    close(norm(linear(x)), F.linear(x, weight, bias))


def test_fold_batch_norm_needs_running_statistics():
    with pytest.raises(ValueError, match="running statistics"):
        fold_batch_norm(torch.ones(2, 2), None, nn.BatchNorm1d(2, track_running_stats=False))


def test_fold_clip_stack_equals_the_conv_bn_stack():
    stack = nn.Sequential(nn.Conv1d(8, 6, 1), nn.BatchNorm1d(6), nn.ReLU(), nn.Conv1d(6, 4, 1),
                          nn.BatchNorm1d(4))
    randomise_batch_norms(stack)
    stack.eval()
    folded = fold_clip_stack(stack)
    assert [type(m) for m in folded] == [nn.Linear, nn.ReLU, nn.Linear]
    clips = torch.randn(2, 9, 8)
    close(per_clip(stack, clips), folded(clips.reshape(18, 8)).reshape(2, 9, 4))


def test_stacked_linear_is_the_maps_side_by_side():
    a, b = nn.Linear(5, 3), nn.Linear(5, 2, bias=False)
    x = torch.randn(4, 5)
    first, second = stacked_linear((a.weight, a.bias), (b.weight, b.bias))(x).split([3, 2], -1)
    close(a(x), first)
    close(b(x), second)


def randomise(module: nn.Module, seed: int = 0) -> nn.Module:
    """Every parameter N(0, 0.5²) (biases too: torch's attention initialises them to zero)."""
    g = torch.Generator().manual_seed(seed)
    for parameter in module.parameters():
        parameter.data.copy_(0.5 * torch.randn(parameter.shape, generator=g))
    return module.eval()


@pytest.mark.parametrize("shape", [(7, 6), (2, 3, 6)])
def test_affine_equals_linear(shape):
    linear, x = nn.Linear(6, 5), torch.randn(*shape)
    affine = Affine(linear.weight, linear.bias)
    close(linear(x), affine(x))
    assert affine.weight_t.is_contiguous() and affine.weight_t.shape == (6, 5)
    close(x @ linear.weight.T, Affine(linear.weight)(x))


def test_compose_linear_is_the_maps_in_turn():
    first, second, third = nn.Linear(6, 9), nn.Linear(9, 4, bias=False), nn.Linear(4, 3)
    x = torch.randn(5, 6)
    weight, bias = compose_linear((third.weight, third.bias), (second.weight, None),
                                  (first.weight, first.bias))
    assert weight.dtype == torch.float32 and weight.shape == (3, 6)
    close(third(second(first(x))), F.linear(x, weight, bias))


@pytest.mark.parametrize("masked", [False, True])
def test_query_key_product_keeps_the_attention_weights(masked):
    x, memory = torch.randn(3, 4, 8), torch.randn(3, 6, 5)  # the memory narrower than d
    query, key = randomise(nn.Linear(8, 8)), randomise(nn.Linear(5, 8), 1)
    mask = torch.arange(6)[None, :] < torch.tensor([6, 3, 1])[:, None] if masked else None
    values = torch.randn(3, 6, 7)
    expected = attention(query(x), key(memory), values, 1, mask)
    folded = Affine(*query_key_product((query.weight, query.bias), (key.weight, key.bias)))
    close(expected, attention(folded(x), memory, values, 1, mask, scale=1.0))


@pytest.mark.parametrize("heads", [1, 2])
def test_prepared_gdlt_self_attention_equals_the_block(heads):
    block, x = randomise(GDLTAttention(8, heads, 0.3)), torch.randn(3, 5, 8)
    close(block(x, x), GDLTSelfAttention(block)(x))


@pytest.mark.parametrize("heads", [1, 2])
@pytest.mark.parametrize("constant", [False, True])
def test_prepared_gdlt_cross_attention_equals_the_block(heads, constant):
    block, memory = randomise(GDLTAttention(8, heads, 0.3)), torch.randn(3, 9, 8)
    x = torch.randn(1, 4, 8).expand(3, -1, -1) if constant else torch.randn(3, 4, 8)
    prepared = PreparedCrossAttention(block, x[:1] if constant else None)
    assert (prepared.query is None) == constant
    close(block(x, memory), prepared(x, memory))


@pytest.mark.parametrize("mixing", [False, True])
def test_fine_regressor_composes_out_proj_and_the_regressor(mixing):
    block = randomise(CoFInAlAttention(8, 4, 0.3))
    regressor = randomise(nn.Sequential(nn.Flatten(1), nn.Linear(4 * 8, 8), nn.Linear(8, 5)), 1)
    q1 = torch.randn(3, 4, 8)
    fine_in = q1.transpose(0, 1) if mixing else q1  # code_batch_mixing: across the videos
    expected = regressor(block(fine_in, fine_in, fine_in).transpose(0, 1) if mixing
                         else block(q1, q1, q1))
    mixed = PreparedSelfAttention(block)(fine_in, fine_in, fine_in)
    close(expected, fine_regressor(block.out_proj, regressor)(
        mixed.transpose(0, 1) if mixing else mixed))


@pytest.mark.parametrize("heads", [1, 2])
def test_attention_equals_masked_softmax(heads):
    q, k, v = torch.randn(3, 4, 8), torch.randn(3, 6, 8), torch.randn(3, 6, 8)
    mask = torch.arange(6)[None, :] < torch.tensor([6, 3, 1])[:, None]

    def split(x):
        return x.reshape(3, x.shape[1], heads, -1).transpose(1, 2)

    scores = split(q) @ split(k).transpose(-1, -2) / (8 // heads) ** 0.5
    scores = scores.masked_fill(~mask[:, None, None, :], float("-inf"))
    expected = (torch.softmax(scores, -1) @ split(v)).transpose(1, 2).reshape(3, 4, 8)
    close(expected, attention(q, k, v, heads, mask))


@pytest.mark.parametrize("heads", [1, 2])
@pytest.mark.parametrize("masked", [False, True])
def test_absorbed_attention_equals_attention_on_projected_memory(heads, masked):
    q, memory = torch.randn(3, 4, 8), torch.randn(3, 6, 5)
    keys, values = nn.Linear(5, 8), nn.Linear(5, 8)
    mask = torch.arange(6)[None, :] < torch.tensor([6, 3, 1])[:, None] if masked else None
    expected = attention(q, keys(memory), values(memory), heads, mask)
    actual = absorbed_attention(q, memory, (keys.weight, keys.bias),
                                (values.weight, values.bias), heads, mask)
    close(expected, actual)


# ------------------------------------------------------------------------ whole methods
@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("lengths", [[5], [37], [72, 40, 9]])
def test_prepared_model_gives_the_same_outputs(name, lengths):
    model = trained_like(name).eval()
    batch = videos(lengths)
    prepared = prepare(model)
    assert prepared is not model
    check_outputs(model, prepared, batch)


def test_padded_batch_rows_match_single_videos_after_preparing():
    """CoFInAl masks padding (TFM mean and attention): the prepared model keeps the mask."""
    prepared = prepare(trained_like("cofinal"))
    batch = videos([72, 40, 9])
    with torch.no_grad():
        together = prepared(batch)["soft_score"]
        for i, length in enumerate([72, 40, 9]):
            alone = Batch(batch.features[i:i + 1, :length], batch.lengths[i:i + 1],
                          batch.target[i:i + 1], batch.score[i:i + 1])
            close(together[i:i + 1], prepared(alone)["soft_score"])


@pytest.mark.parametrize("name", ["gdlt", "cofinal", "cofinal-code"])
def test_preparing_leaves_the_training_model_alone(name):
    model = trained_like(name).train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    batch = example_batch(INFO, 20)
    macs = profile_macs(model, batch)
    prepared = prepare(model)
    assert model.training and not prepared.training
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert all(p.requires_grad for p in model.parameters())
    assert not any(p.requires_grad for p in prepared.parameters())
    assert profile_macs(model, batch) == macs  # params, MACs and their breakdown


def test_prepared_modules_are_the_ones_expected():
    assert isinstance(prepare(trained_like("gdlt")), PreparedGDLT)
    paper = prepare(trained_like("cofinal"))
    assert isinstance(paper.tfm, PreparedTFM) and isinstance(paper.gpm, PreparedGPM)
    code = prepare(trained_like("cofinal-code"))
    assert isinstance(code.regi, PreparedSelfAttention)


def test_prepared_fine_attention_refuses_cross_attention():
    code = prepare(trained_like("cofinal-code"))
    x, y = torch.randn(1, 4, 32), torch.randn(1, 4, 32)
    with pytest.raises(ValueError, match="self-attention"):
        code.regi(x, y, y)


# ------------------------------------------------------------------ the hook's contract
class Doubler(AQAModel):
    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(2.0))

    def forward(self, batch: Batch) -> dict[str, torch.Tensor]:
        return {"score": batch.features.sum((1, 2)) * self.scale}


class FoldedDoubler(Doubler):
    """A third-party method's hook: it may modify the copy it is called on."""

    def prepare_inference(self) -> AQAModel:
        self.scale.data.mul_(1.0)
        self.prepared_here = True
        return self


def test_default_hook_is_the_identity():
    model = Doubler()
    assert model.prepare_inference() is model and prepare(model) is model


def test_third_party_hook_runs_on_a_copy():
    model = FoldedDoubler()
    prepared = prepare(model)
    assert prepared is not model and getattr(prepared, "prepared_here", False)
    assert not hasattr(model, "prepared_here") and model.scale.requires_grad


def test_hook_must_return_a_model():
    class Broken(Doubler):
        def prepare_inference(self):  # type: ignore[override]
            return nn.Identity()

    with pytest.raises(TypeError, match="not an AQAModel"):
        prepare(Broken())
