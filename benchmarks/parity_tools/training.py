"""Short training parity: the same initial weights, data and batch order, a few epochs.

Data: a tiny twin in the RG layout written to a temporary folder (``<dir>/feats/<name>.npy``,
``[T, 1024]`` float32 with T in 68..75, and ``train.txt`` / ``test.txt`` with a header line and
``name D E Total`` rows), read by the OFFICIAL ``datasets.py:RGDataset`` (its random 68-clip
crops, numpy-seeded per epoch) through a ``DataLoader`` whose shuffling is seeded per epoch.
Each epoch's batches are drawn once and fed to both sides.

Official side: the official ``train.py:train_epoch`` (its forward, loss, ``zero_grad`` /
``backward`` / ``step`` and loss averaging) with the optimiser and schedule ``main.py`` builds
(``SGD(lr, momentum, weight_decay)``, ``CosineAnnealingLR(T_max=epochs, eta_min=lr *
decay_rate)`` stepped once per epoch; written out here because ``main.py`` cannot be imported
without tensorboardX and a dataset on disk). Our side: the plugin's ``forward`` / ``loss`` and
the harness's ``make_optimizer`` / ``lr_factor`` (aqabench/train.py) for our resolved config.

Dropout is set to 0 on both sides: the two draw dropout masks in different orders, so with
dropout the curves would only agree statistically. MS-LSTM (:func:`run_mslstm`) has no
dataset class to reuse; its official step is written out from ``train.py``.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from scipy.stats import spearmanr

from aqabench.api import Batch

from .core import import_official, official_path, transplant


def write_twin(root: Path, train: int = 32, test: int = 8, seed: int = 0) -> Path:
    """A small RG-layout twin: a score direction in the clip features plus noise."""
    rng = np.random.default_rng(seed)
    feats = root / "feats"
    feats.mkdir(parents=True, exist_ok=True)
    direction = rng.standard_normal(1024).astype(np.float32)
    for split, count, start in (("train", train, 1), ("test", test, train + 1)):
        rows = ["name Difficulty_Score Execution_Score Total_Score"]
        for i in range(start, start + count):
            name = f"Ball_{i:03d}"
            total = round(float(rng.uniform(6, 22)), 2)
            length = int(rng.integers(68, 76))
            x = rng.standard_normal((length, 1024)).astype(np.float32)
            x += direction * (total - 14) / 8
            np.save(feats / f"{name}.npy", x)
            rows.append(f"{name} {total / 2:.3f} {total / 2:.3f} {total:.2f}")
        (root / f"{split}.txt").write_text("\n".join(rows) + "\n")
    return root


def epoch_batches(dataset: Any, batch: int, epoch: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    np.random.seed(epoch)  # the official random crop uses the global numpy RNG
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch, shuffle=True,
                                         generator=torch.Generator().manual_seed(epoch))
    return [(x.float(), y.float()) for x, y in loader]


def _setup_gdlt(path: Path, lr: float, batch: int, epochs: int) -> dict[str, Any]:
    from aqabench_gdlt import defaults

    from . import gdlt as g
    torch.manual_seed(0)
    official, loss_fn = g.official_model(path, dropout=0.0)
    ours = g.ours_model(dropout=0.0)
    config = defaults("rg-synth", "Ball")
    config.update(epochs=epochs, lr=lr, dropout=0.0, batch_size=batch)
    return {"official": official, "loss": loss_fn, "ours": ours, "rules": g.RULES,
            "config": config, "etf_head": False,
            "predict": lambda m, x: m(x)["output"], "scale": 25.0}


def _setup_cofinal(path: Path, lr: float, batch: int, epochs: int) -> dict[str, Any]:
    from aqabench_cofinal.defaults import defaults
    from aqabench_cofinal.model import build
    from aqabench_gdlt.model import example_info

    from . import cofinal as c
    official, loss_fn = c.official_model(path, "cofinal", 2, 1)  # RG Ball script
    for module in official.modules():  # dropout 0 everywhere (nn.Dropout and the MHA's own)
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
        if isinstance(module, torch.nn.MultiheadAttention):
            module.dropout = 0.0
    config = defaults("rg-synth", "Ball", variant="code")
    config.update(epochs=epochs, lr=lr, dropout=0.0, batch_size=batch, code_batch_mixing=True)
    ours = build(config, example_info())
    return {"official": official, "loss": loss_fn, "ours": ours, "rules": c.RULES,
            "config": config, "etf_head": True,
            "predict": lambda m, x: m.get_score(m(x)["output"]), "scale": 25.0}


SETUPS = {"gdlt": _setup_gdlt, "cofinal": _setup_cofinal}


def run(method: str, path: Path, epochs: int = 5, batch: int = 8, lr: float = 1e-2
        ) -> list[dict[str, float]]:
    """``epochs`` epochs of both implementations on the same batches; one row per epoch."""
    from aqabench.train import lr_factor, make_optimizer
    with tempfile.TemporaryDirectory() as tmp:
        root = write_twin(Path(tmp))
        with official_path(path), contextlib.redirect_stdout(io.StringIO()):
            rg = import_official("datasets").RGDataset
            train_epoch = import_official("train").train_epoch
            train_set = rg(str(root / "feats"), str(root / "train.txt"), clip_num=68)
            test_set = rg(str(root / "feats"), str(root / "test.txt"), clip_num=68, train=False)
        setup = SETUPS[method](path, lr, batch, epochs)
        official, ours, config = setup["official"], setup["ours"], setup["config"]
        transplant(official, ours, setup["rules"])
        # main.py: get_optim (sgd) and get_scheduler (cos, eta_min = lr * decay_rate 0.01)
        opt_off = torch.optim.SGD(official.parameters(), lr=lr, momentum=0.9, weight_decay=1e-4)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt_off, T_max=epochs,
                                                           eta_min=lr * 0.01)
        opt_ours = make_optimizer(ours, config)
        extra = (True,) if setup["etf_head"] else ()
        rows = []
        for epoch in range(epochs):
            batches = epoch_batches(train_set, batch, epoch)
            with contextlib.redirect_stdout(io.StringIO()):
                loss_off, _ = train_epoch(epoch, official, setup["loss"], batches, opt_off, None,
                                          torch.device("cpu"), None, *extra)
            sched.step()
            for group in opt_ours.param_groups:
                group["lr"] = lr * lr_factor(epoch, config)
            ours.train()
            total, count = 0.0, 0
            for x, y in batches:
                score = torch.round(y.double() * setup["scale"] * 100) / 100  # label file value
                b = Batch(features=x, lengths=torch.full((len(x),), x.shape[1]),
                          target=(score / config["score_scale"]).float(), score=score.float(),
                          index=torch.arange(len(x)))
                loss = ours.loss(ours(b), b)["loss"]
                opt_ours.zero_grad()
                loss.backward()
                opt_ours.step()
                total, count = total + float(loss.detach()) * len(x), count + len(x)
            loss_off = float(torch.as_tensor(loss_off).detach())  # AverageMeter keeps tensors
            rows.append({"epoch": epoch + 1, "official loss": loss_off,
                         "ours loss": total / count,
                         "max param diff": max_param_diff(official, ours, setup["rules"]),
                         **test_metrics(official, ours, test_set, setup)})
        return rows


def max_param_diff(official: Any, ours: Any, rules: Any) -> float:
    from .core import to_ours
    mapped, _ = to_ours(official.state_dict(), rules, ours.state_dict())
    mine = ours.state_dict()
    return max(float((v.double() - mine[k].double()).abs().max()) for k, v in mapped.items()
               if v.is_floating_point())


def test_metrics(official: Any, ours: Any, test_set: Any, setup: dict[str, Any]
                 ) -> dict[str, float]:
    official.eval()
    ours.eval()
    pred_off, pred_ours, labels = [], [], []
    with torch.no_grad():
        for i in range(len(test_set)):
            x, y = test_set[i]
            x = x[None].float()
            pred_off.append(float(setup["predict"](official, x)))
            b = Batch(features=x, lengths=torch.tensor([x.shape[1]]), target=torch.zeros(1),
                      score=torch.zeros(1))
            scale = setup["config"]["score_scale"] / setup["scale"]  # ours -> score / 25
            pred_ours.append(float(ours(b)["score"]) * scale)
            labels.append(float(y))
    return {"official test SRCC": float(spearmanr(pred_off, labels)[0]),
            "ours test SRCC": float(spearmanr(pred_ours, labels)[0]),
            "max test pred diff": float(np.max(np.abs(np.subtract(pred_off, pred_ours))))}


def render(rows: list[dict[str, float]]) -> str:
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for r in rows:
        lines.append("| " + " | ".join(f"{r[k]:.6g}" if k != "epoch" else str(int(r[k]))
                                       for k in keys) + " |")
    return "\n".join(lines)


def run_mslstm(path: Path, epochs: int = 3, batch: int = 8, lr: float = 5e-4,
               optimizer: str = "adam") -> list[dict[str, float]]:
    """MS-LSTM (``variant=code``): the official training step as ``train.py`` writes it inline
    (``logits, penal = scoring(features)``; ``loss = scoring.loss(logits, scores) + penal``;
    ``Adam(lr=5e-4)``) vs our forward / loss and the harness's optimiser, same batches (random
    68-clip windows of the twin, drawn once), same random Skip-LSTM initial states per step."""
    from aqabench.train import make_optimizer
    from aqabench_mslstm import defaults

    from . import mslstm as m
    from .core import to_ours
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        root = write_twin(Path(tmp))
        rows_txt = (root / "train.txt").read_text().splitlines()[1:]
        videos = [(np.load(root / "feats" / f"{r.split()[0]}.npy"), float(r.split()[3]))
                  for r in rows_txt]
    official, ours = m.official_model(path), m.ours_model()
    ours.load_state_dict(to_ours(m.renumber(official.state_dict()), m.RULES,
                                 ours.state_dict())[0], strict=True)
    config = defaults("fisv-synth", "TES")
    config.update(lr=lr, batch_size=batch, epochs=epochs, optimizer=optimizer, momentum=0.0)
    opt_off = torch.optim.Adam(params=official.parameters(), lr=lr) if optimizer == "adam" \
        else torch.optim.SGD(official.parameters(), lr=lr)
    opt_ours = make_optimizer(ours, config)
    out = []
    for epoch in range(epochs):
        order = rng.permutation(len(videos))
        official.train()
        ours.train()
        sums = [0.0, 0.0]
        for start in range(0, len(order), batch):
            picked = order[start:start + batch]
            crops = []
            for i in picked:
                x = videos[i][0]
                s = int(rng.integers(0, len(x) - 68 + 1))
                crops.append(x[s:s + 68])
            x = torch.from_numpy(np.stack(crops)).float()
            score = torch.tensor([videos[i][1] for i in picked], dtype=torch.float32)
            (logits, penal), u = m.run_both(official, ours, x, score)
            loss_off = official.loss(logits, score[:, None]) + penal
            opt_off.zero_grad()
            loss_off.backward()
            opt_off.step()
            loss_ours = ours.loss(u, m.batch_of(x, score))["loss"]
            opt_ours.zero_grad()
            loss_ours.backward()
            opt_ours.step()
            sums[0] += float(loss_off.detach()) * len(picked)
            sums[1] += float(loss_ours.detach()) * len(picked)
        mapped, _ = to_ours(m.renumber(official.state_dict()), m.RULES, ours.state_dict())
        mine = ours.state_dict()
        diff = max(float((v.double() - mine[k].double()).abs().max())
                   for k, v in mapped.items() if v.is_floating_point())
        out.append({"epoch": epoch + 1, "official loss": sums[0] / len(videos),
                    "ours loss": sums[1] / len(videos), "max param diff": diff})
    return out
