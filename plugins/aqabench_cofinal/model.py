"""CoFInAl (Zhou et al., IJCAI'24) as the PAPER describes it: TFM -> GPM -> coarse MLP + FGS.

Forward (Sect. 3.1, Fig. 2): clip features ``H`` ``[B, T, D_C]`` -> TFM (Eq. 7)
``H̃`` ``[B, P, D_P]`` -> GPM (Eq. 9-11) ``H_C, H_F`` ``[B, G, D_S]`` -> coarse logits
``f_MLP(H_C)`` ``[B, G]`` and FGS similarities ``⟨h̄_F, e_j⟩`` ``[B, G']``
with ``h_F = avgPool_G(H_F)`` (Eq. 14) -> Eq. 6 ``ŝ = ŝ_C·S_C + ŝ_F·S_F``. Scores are in
the harness's normalised units (defaults.py: one unit is one grade on RG / Fis-V and twins).

Loss (Eq. 2): ``L = L_S + λ_C L_C + λ_F L_F + λ_R L_R`` with ``λ = 1``:
``L_S = ½ mean (s − ŝ_soft)²`` (Eq. 1), ``L_C`` cross-entropy on the true grade, ``L_F`` Eq. 15 on
the true sub-grade, ``L_R`` Eq. 8. Targets decompose the true score (Sect. 3.1, grades.py).

Deliberate choices where the paper is silent or inconsistent (all documented in the modules):
- ``L_S`` cannot flow through the arg-maxes of Eq. 6, so it is taken on the SOFT read-out
  ``S_C·E_softmax[grade] + S_F·E_softmax(⟨h̄_F,e_j⟩/τ)[sub-grade]``; evaluation uses the paper's
  hard arg-max read-out (``readout = "hard"``), or the soft one (``readout = "soft"``).
- Eq. 11 subtracts the embedded prototypes ``Q_G`` (shape fix); Eq. 8 normalises rows over
  ``j ≠ i``; Eq. 15's ``ê`` is the ground-truth column; the TFM query is projected after the
  pooling (equal by linearity); dropout acts on ``H̃`` and the MLP hidden layer.
- Ablations (Tab. 3 / S6): ``use_lr = false`` sets ``λ_R = 0``; ``use_tfm = false`` projects each
  clip to ``D_P`` (no procedure attention); ``use_gpm = false`` drops prototypes, cross-attention,
  mask and ``L_R``, the pooled ``H̃`` feeding both heads; ``use_fgs = false`` drops the FGS and
  ``L_F``, scoring ``S_C·(ŝ_C + ½)`` (grade centre; soft: expected grade).
- ``input_norm`` (default off, not in the paper) puts a parameter-free LayerNorm on the clips.
- ``tfm_form = "absorbed"`` multiplies Eq. 7 out with the key/value projections moved onto the
  P queries (same function, other rounding, 3-5x faster training steps on CPU; tfm.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from aqabench.api import AQAModel, Batch, DataInfo
from aqabench.errors import UsageError

from .attention import valid_mask
from .fgs import FGS, dot_regression_loss
from .gpm import GPM, PooledParsing
from .grades import GradeGrid
from .heads import ACT_MODES, ALIGN_MODES, Align, CoarseHead, activation
from .tfm import TFM, TFM_FORMS, ClipProjection

READOUTS = ("hard", "soft")


@dataclass(frozen=True)
class PaperSettings:
    """The paper model's keys of the run config (see defaults.py for their meaning)."""

    grid: GradeGrid
    procedures: int
    dim_p: int
    dim_s: int
    dropout: float
    align_mode: int
    act_mode: int
    leaky_slope: float
    readout: str
    temperature: float
    lambda_c: float
    lambda_f: float
    lambda_r: float
    use_tfm: bool
    use_gpm: bool
    use_fgs: bool
    input_norm: bool
    etf_seed: int
    tfm_form: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PaperSettings:
        try:
            grid = GradeGrid(int(config["grades"]), int(config["subgrades"]),
                             float(config["grade_width"]))
        except ValueError as exc:
            raise UsageError(f"bad grade settings: {exc}") from exc
        if config["readout"] not in READOUTS:
            raise UsageError(f"readout must be one of {READOUTS}, got {config['readout']!r}")
        if config["use_fgs"] and int(config["subgrades"]) > int(config["dim_s"]):
            raise UsageError(f"subgrades ({config['subgrades']}) must not exceed dim_s "
                             f"({config['dim_s']}): the simplex ETF needs dim_s >= G'")
        for key in ("procedures", "dim_p", "dim_s"):
            if int(config[key]) < 1:
                raise UsageError(f"{key} must be a positive integer, got {config[key]!r}")
        if config["align_mode"] not in ALIGN_MODES or config["act_mode"] not in ACT_MODES:
            raise UsageError(f"align_mode must be one of {ALIGN_MODES} and act_mode one of "
                             f"{ACT_MODES}, got {config['align_mode']!r}, {config['act_mode']!r}")
        if float(config["soft_temperature"]) <= 0:
            raise UsageError("soft_temperature must be positive")
        if config["tfm_form"] not in TFM_FORMS:
            raise UsageError(f"tfm_form must be one of {TFM_FORMS}, got {config['tfm_form']!r}")
        return cls(
            grid=grid, procedures=int(config["procedures"]), dim_p=int(config["dim_p"]),
            dim_s=int(config["dim_s"]), dropout=float(config["dropout"]),
            align_mode=int(config["align_mode"]), act_mode=int(config["act_mode"]),
            leaky_slope=float(config["leaky_slope"]), readout=str(config["readout"]),
            temperature=float(config["soft_temperature"]),
            lambda_c=float(config["lambda_c"]), lambda_f=float(config["lambda_f"]),
            lambda_r=float(config["lambda_r"]) if config["use_lr"] else 0.0,
            use_tfm=bool(config["use_tfm"]), use_gpm=bool(config["use_gpm"]),
            use_fgs=bool(config["use_fgs"]), input_norm=bool(config["input_norm"]),
            etf_seed=int(config["etf_seed"]), tfm_form=str(config["tfm_form"]),
        )


class CoFInAl(AQAModel):
    """The paper's network and loss (Eq. 2-15)."""

    def __init__(self, settings: PaperSettings, feature_dim: int) -> None:
        super().__init__()
        s = self.settings = settings
        self.grid = s.grid
        self.norm = nn.LayerNorm(feature_dim, elementwise_affine=False) if s.input_norm \
            else nn.Identity()
        self.tfm: nn.Module = TFM(feature_dim, s.dim_p, s.procedures, s.dropout, s.tfm_form) \
            if s.use_tfm else ClipProjection(feature_dim, s.dim_p, s.dropout)
        align = Align(s.align_mode, feature_dim)
        self.gpm: nn.Module = GPM(s.grid.grades, s.dim_p, s.dim_s, align) if s.use_gpm \
            else PooledParsing(s.dim_p, s.dim_s, align)
        rows = s.grid.grades if s.use_gpm else 1
        self.coarse = CoarseHead(rows, s.dim_s, s.grid.grades,
                                 activation(s.act_mode, s.leaky_slope), s.dropout)
        self.fgs = FGS(s.dim_s, s.grid.subgrades, s.etf_seed) if s.use_fgs else None

    def forward(self, batch: Batch) -> dict[str, torch.Tensor]:
        clips = self.norm(batch.features)
        fused, mask = self.tfm(clips, valid_mask(batch.lengths, clips.shape[1]))
        coarse, fine, _ = self.gpm(fused, mask)
        logits = self.coarse(coarse)
        grades = torch.arange(logits.shape[-1], device=logits.device, dtype=logits.dtype)
        soft_grade = torch.softmax(logits, dim=-1) @ grades
        hard_grade = logits.argmax(dim=-1).to(logits.dtype)
        out = {"coarse_logits": logits}
        if self.fgs is None:
            out["soft_score"] = (soft_grade + 0.5) * self.grid.grade_width
            out["hard_score"] = (hard_grade + 0.5) * self.grid.grade_width
        else:
            similarity = self.fgs(fine.mean(dim=1))  # Eq. 14: h_F = avgPool over grades
            out["fine_similarity"] = similarity
            out["soft_score"] = self.grid.compose(
                soft_grade, FGS.soft(similarity, self.settings.temperature))
            out["hard_score"] = self.grid.compose(hard_grade, FGS.hard(similarity))  # Eq. 6
        out["score"] = out[f"{self.settings.readout}_score"]
        return out

    def loss(self, outputs: dict[str, torch.Tensor], batch: Batch) -> dict[str, torch.Tensor]:
        s = self.settings
        grade, subgrade = self.grid.decompose(batch.target)
        terms = {
            "score": 0.5 * F.mse_loss(outputs["soft_score"], batch.target),  # Eq. 1
            "coarse": F.cross_entropy(outputs["coarse_logits"], grade),
        }
        total = terms["score"] + s.lambda_c * terms["coarse"]
        if self.fgs is not None:
            terms["fine"] = dot_regression_loss(outputs["fine_similarity"], subgrade)  # Eq. 15
            total = total + s.lambda_f * terms["fine"]
        if isinstance(self.gpm, GPM) and s.lambda_r > 0:
            terms["graph"] = self.gpm.regulariser()  # Eq. 8
            total = total + s.lambda_r * terms["graph"]
        return {"loss": total, **terms}

    def prepare_inference(self) -> AQAModel:
        """Swaps in the eval-only TFM and GPM of :mod:`aqabench_cofinal.inference` (this is
        the eval copy :func:`aqabench.inference.prepare` made); ``forward`` is unchanged."""
        from .inference import PreparedGPM, PreparedTFM

        if isinstance(self.tfm, TFM):
            self.tfm = PreparedTFM(self.tfm)
        if isinstance(self.gpm, GPM):
            self.gpm = PreparedGPM(self.gpm)
        return self


def build(config: dict[str, Any], info: DataInfo) -> AQAModel:
    """``MethodSpec.build``: the paper model, or the official code's (``variant = "code"``)."""
    variant = config.get("variant", "paper")
    if variant == "code":
        from .code_variant import build_code

        return build_code(config, info)
    if variant != "paper":
        raise UsageError(f"variant must be 'paper' or 'code', got {variant!r}")
    return CoFInAl(PaperSettings.from_config(config), info.feature_dim)
