"""First-party datasets: real-format loaders and their synthetic twins."""

from __future__ import annotations

from typing import Any

import aqabench
from aqabench.api import DatasetSpec

RG_SUBSETS = ("Ball", "Clubs", "Hoop", "Ribbon")
FISV_SUBSETS = ("TES", "PCS")
TWIN = "aqabench synthetic twin (see docs/datasets.md)"
#: FineDiving's labels: stages, the judges, dive numbers and difficulty degrees (the real set's
#: judges come from its optional coarse annotation file; the harness checks it is there).
DIVING = frozenset({"stage_labels", "judge_scores", "dive_numbers", "difficulty_degree"})
#: MTL-AQA's: the seven judges, dive numbers and difficulty degrees, no stage labels.
MTL_AQA = frozenset({"judge_scores", "dive_numbers", "difficulty_degree"})
#: the routine twins' other versions (``<family>-synth-<kind>``, loaded by
#: ``twins.load_<family>_<kind>``): kind -> what it is. Since 2026-12-07 ``rg-synth`` /
#: ``fisv-synth`` are the irregular-execution story (docs/twin-validity.md,
#: "The rule, applied"); the v5 story that preceded them stays loadable, byte for byte, as
#: ``-v5``.
VARIANTS = {
    "roster": "candidate twin of {family}: the v5 story, videos from a roster of athletes and "
              "events",
    "irregular": "the default {family} twin under its name as a candidate (the same bytes as "
                 "{default}; kept so that its validity records rerun by name)",
    "v5": "the previous default {family} twin (v5: execution as a shift along a fixed "
          "direction per element type; the default until 2026-12-07)",
}


@aqabench.hookimpl
def aqabench_register_datasets(register: Any) -> None:
    register(DatasetSpec(
        name="toy-synth",
        loader="aqabench_datasets.toy:load",
        description="a small synthetic AQA set for smoke tests (seconds to train)",
        synthetic=True,
        backbone="synthetic",
        citation="aqabench",
    ))
    register(DatasetSpec(
        name="rg-synth",
        loader="aqabench_datasets.twins:load_rg",
        info="aqabench_datasets.twins:info_rg",
        export="aqabench_datasets.export:export_rg",
        description="synthetic twin of Rhythmic Gymnastics (1024-d clips, D/E/penalty; "
                    "execution as how far the clips stray from an element's ideal form)",
        subsets=RG_SUBSETS, default_subset="Ball", synthetic=True, backbone="synthetic",
        table_layout="cofinal-tab1", citation=TWIN,
    ))
    register(DatasetSpec(
        name="fisv-synth",
        loader="aqabench_datasets.twins:load_fisv",
        info="aqabench_datasets.twins:info_fisv",
        export="aqabench_datasets.export:export_fisv",
        description="synthetic twin of Fis-V (1024-d clips, TES/PCS, deductions; execution "
                    "as how far the clips stray from an element's ideal form)",
        subsets=FISV_SUBSETS, default_subset="TES", synthetic=True, backbone="synthetic",
        table_layout="cofinal-tab1", citation=TWIN,
    ))
    for kind, what in VARIANTS.items():
        for family, subsets, default in (("rg", RG_SUBSETS, "Ball"),
                                         ("fisv", FISV_SUBSETS, "TES")):
            register(DatasetSpec(
                name=f"{family}-synth-{kind}",
                loader=f"aqabench_datasets.twins:load_{family}_{kind}",
                info=f"aqabench_datasets.twins:info_{family}_{kind}",
                export=f"aqabench_datasets.export:export_{family}",
                description=what.format(family="RG" if family == "rg" else "Fis-V",
                                        default=f"{family}-synth") + " (docs/datasets.md)",
                subsets=subsets, default_subset=default, synthetic=True, backbone="synthetic",
                table_layout="cofinal-tab1", citation=TWIN,
            ))
    register(DatasetSpec(
        name="rg-synth-onevenue",
        loader="aqabench_datasets.twins:load_rg_onevenue",
        info="aqabench_datasets.twins:info_rg_onevenue",
        export="aqabench_datasets.export:export_rg",
        description="sensitivity bound of rg-synth-v5: the same story, no per-video offset "
                    "(one camera, one venue; docs/datasets.md)",
        subsets=RG_SUBSETS, default_subset="Ball", synthetic=True, backbone="synthetic",
        table_layout="cofinal-tab1", citation=TWIN,
    ))
    for name, stem, description in (
            ("finediving-synth", "finediving",
             "synthetic twin of FineDiving (96 frames x 368-d, DN, DD, 3 stages)"),
            ("finediving-synth-events", "finediving_events",
             "candidate twin of FineDiving: the same dives, clips from events that share a "
             "level, a look and a choice of dives (docs/datasets.md)")):
        register(DatasetSpec(
            name=name, loader=f"aqabench_datasets.twins:load_{stem}",
            info=f"aqabench_datasets.twins:info_{stem}",
            export="aqabench_datasets.export:export_finediving",
            description=description, synthetic=True, backbone="synthetic",
            table_layout="mcore-finediving", citation=TWIN, provides=DIVING,
        ))
    register(DatasetSpec(
        name="rg",
        loader="aqabench_datasets.real_gdlt:load_rg",
        info="aqabench_datasets.datainfo:info_rg",
        check="aqabench_datasets.real_gdlt:check_rg",
        export="aqabench_datasets.export:export_rg",
        description="Rhythmic Gymnastics (ACTION-NET), GDLT's VST features",
        subsets=RG_SUBSETS, default_subset="Ball", root_env="AQABENCH_RG_ROOT",
        backbone="vst", table_layout="cofinal-tab1",
        citation="Zeng et al., Hybrid Dynamic-static Context-aware Attention Network for "
                 "Action Assessment in Long Videos, ACM MM 2020",
        homepage="https://github.com/qinghuannn/ACTION-NET",
    ))
    register(DatasetSpec(
        name="fisv",
        loader="aqabench_datasets.real_gdlt:load_fisv",
        info="aqabench_datasets.datainfo:info_fisv",
        check="aqabench_datasets.real_gdlt:check_fisv",
        export="aqabench_datasets.export:export_fisv",
        description="Fis-V figure skating (MS-LSTM labels), GDLT's VST features",
        subsets=FISV_SUBSETS, default_subset="TES", root_env="AQABENCH_FISV_ROOT",
        backbone="vst", table_layout="cofinal-tab1",
        citation="Xu et al., Learning to Score Figure Skating Sport Videos, IEEE TCSVT 2019",
        homepage="https://github.com/chmxu/MS_LSTM",
    ))
    register(DatasetSpec(
        name="finediving",
        loader="aqabench_datasets.real_diving:load_finediving",
        info="aqabench_datasets.datainfo:info_finediving",
        check="aqabench_datasets.real_diving:check_finediving",
        export="aqabench_datasets.export:export_finediving",
        description="FineDiving (annotation pickles + your per-frame features)",
        root_env="AQABENCH_FINEDIVING_ROOT", table_layout="mcore-finediving", provides=DIVING,
        citation="Xu et al., FineDiving: A Fine-grained Dataset for Procedure-aware Action "
                 "Quality Assessment, CVPR 2022",
        homepage="https://github.com/xujinglin/FineDiving",
    ))
    register(DatasetSpec(
        name="mtl-aqa",
        loader="aqabench_datasets.real_diving:load_mtl",
        info="aqabench_datasets.datainfo:info_mtl",
        check="aqabench_datasets.real_diving:check_mtl",
        description="MTL-AQA diving (CoRe's annotation pickles + your clip features)",
        root_env="AQABENCH_MTL_AQA_ROOT", provides=MTL_AQA,
        citation="Parmar and Morris, What and How Well You Performed? A Multitask Learning "
                 "Approach to Action Quality Assessment, CVPR 2019",
        homepage="https://github.com/ParitoshParmar/MTL-AQA",
    ))
