"""``info`` entries of the real datasets (static facts from the reference notes; no I/O)."""

from __future__ import annotations

from typing import Any

from aqabench.api import DataRequest

from . import real_diving, real_gdlt

WHERE = {
    "rg": "GDLT's VST features on OneDrive (xuangch/CVPR22_GDLT README); labels from "
          "qinghuannn/ACTION-NET (data/train.txt, data/test.txt)",
    "fisv": "GDLT's VST features on OneDrive (fis-v/swintx_avg_fps25_clip32, added 2023-04-10); "
            "labels from chmxu/MS_LSTM (data/train_dataset.txt, test_dataset.txt, renamed "
            "train.txt/test.txt)",
    "finediving": "annotation pickles in xujinglin/FineDiving; frames only after signing the "
                  "release agreement (Google Drive / Baidu); extract per-frame features yourself",
    "mtl-aqa": "annotation pickles in yuxumin/CoRe (MTL-AQA/info); videos from YouTube links in "
               "ParitoshParmar/MTL-AQA Video_List.xlsx; extract features yourself",
}


def _with_where(name: str, info: dict[str, Any]) -> dict[str, Any]:
    return {**info, "where": WHERE[name]}


def info_rg(request: DataRequest) -> dict[str, Any]:
    return _with_where("rg", real_gdlt.info(real_gdlt.RG, request))


def info_fisv(request: DataRequest) -> dict[str, Any]:
    return _with_where("fisv", real_gdlt.info(real_gdlt.FISV, request))


def info_finediving(request: DataRequest) -> dict[str, Any]:
    return _with_where("finediving", real_diving.info_finediving(request))


def info_mtl(request: DataRequest) -> dict[str, Any]:
    return _with_where("mtl-aqa", real_diving.info_mtl(request))
