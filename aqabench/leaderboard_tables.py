"""The leaderboard's generated tables and sections: which layout, protocol and record folders
each table is filled from (the ci suite's ``results`` by default; committed suites' folders,
not rerun by CI, for the tables at the papers' protocols), the text that introduces the latter,
and the twin validity sections' folders (rendered by :mod:`aqabench.leaderboard_validity`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: the ci suite's records (rerun by CI): what a table is filled from unless it names other folders
CI_FOLDERS = ("results",)


@dataclass(frozen=True)
class TableFile:
    """One generated table: ``tables/<stem>.md`` / ``.tex`` and a README section.
    ``folders``: the record folders it is filled from (the ci suite's ``results`` by default;
    others are committed suites' folders, not rerun by CI, and introduced by ``what``);
    ``leave_out``: records (by ``identity.changed``) that the layout could not tell apart
    from its other rows (a harness key such as ``weight_decay`` is no setting of its own);
    ``figures``: its records also get the bar charts (one per dataset) that the ci suite's
    records get, linked under its section."""

    stem: str
    layout: str
    protocol: str
    title: str
    folders: tuple[str, ...] = CI_FOLDERS
    what: str = ""
    leave_out: tuple[str, ...] = ()  # identity.changed values of records not to show
    figures: bool = False  # a committed suites' table: also a bar chart per dataset

    @property
    def source(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """What its records are read from: ``(folders, leave_out)``."""
        return self.folders, self.leave_out

    def available(self, root: Path) -> bool:
        """Whether ``root`` (a leaderboards folder) can fill it: the ci suite's tables always
        (empty without records), a committed suites' table only with all of its folders."""
        return self.folders == CI_FOLDERS or all((root / f).is_dir() for f in self.folders)


#: The default twins' committed paper-protocol records (their candidate names, the same bytes).
PAPER_PROTOCOL_FOLDERS = ("validity-irregular", "validity-unseen-irregular")
PAPER_PROTOCOL_WHAT = (
    "The same layout, filled from the records of the default twins' validity suites "
    "(`leaderboards/validity-irregular/`, `leaderboards/validity-unseen-irregular/`; "
    "committed, not rerun by CI): every method at its paper's protocol (epochs, learning "
    "rate, batch, schedule: each method's defaults), the official code's CoFInAl "
    "(`variant=code`, the model the published CoFInAl rows were measured on) beside the "
    "paper model, and ridge. They ran on `rg-synth-irregular` / `fisv-synth-irregular`, the "
    "names the default twins had as candidates: the same bytes as `rg-synth` / `fisv-synth` "
    "(tests/test_twin_irregular.py), hence the *irregular twin* mark. The tables above use "
    "the ci suite's reduced protocol; these are the twins' figures at full length.")

S6_WHAT = (
    "CoFInAl's Fis-V ablations at its paper's protocol (200 epochs, raw features) on the "
    "default twins (their candidate name, the same bytes): \"Ours\" is the paper model over "
    "seeds 0-2 (TES: `leaderboards/validity-irregular/`, PCS: "
    "`leaderboards/validity-unseen-irregular/`), \"Ours (code)\" the official code's model; "
    "the four ablations of Tab. S6 are one seed each (`leaderboards/validity-irregular-s6/`, "
    "`tfm_form=absorbed`: the same function; the comparison was declared before the run, "
    "docs/twin-validity.md). Committed, not rerun by CI.")
ABLATION_WHAT = (
    "CoFInAl's ablations at its paper's protocol (200 epochs, raw features) on the default "
    "twins (their candidate name, the same bytes): \"Ours\" is the paper model over seeds 0-2 "
    "(`leaderboards/validity-irregular/`, `leaderboards/validity-unseen-irregular/`), \"Ours "
    "(code)\" the official code's model; the four ablations of Tab. 3 and three of the four "
    "paper-vs-code differences (`readout`, `input_norm`, `lambda_c`) are one seed each on RG "
    "Ball and Hoop (`leaderboards/validity-irregular-cofinal/`, a diagnosis: docs/parity.md, "
    "(e); its fourth, the code's weight decay, is a harness key that this layout cannot tell "
    "from \"Ours\", so it is left out here). Committed, not rerun by CI.")

EVENTS_WHAT = (
    "The FineDiving events candidate (`finediving-synth-events`: dives from events that share "
    "a level, a look and a choice of dives; docs/datasets.md, \"Events in diving\"; not the "
    "default twin), each method at its paper's protocol (its defaults: `ridge` 30 epochs, "
    "USDL and MUSDL 100, CoRe, TSA and MCoRe 200), seed 0 "
    "(`leaderboards/validity-finediving-events/`, the `validity-finediving-events` suite; "
    "committed, not rerun by CI). A method without a row has not finished on this CPU yet "
    "(MCoRe's 200 epochs take about 12 h on one core).")

TABLES = (
    TableFile("cofinal-tab1-final", "cofinal-tab1", "final",
              "CoFInAl Tab. 1 layout: SRCC on RG and Fis-V — final epoch (honest protocol)"),
    TableFile("cofinal-tab1-best", "cofinal-tab1", "best",
              "CoFInAl Tab. 1 layout: SRCC on RG and Fis-V — best epoch chosen on test"),
    TableFile("cofinal-tab1-papers-final", "cofinal-tab1", "final",
              "CoFInAl Tab. 1 layout at the papers' protocols on the default twins — final "
              "epoch (honest protocol)", PAPER_PROTOCOL_FOLDERS, PAPER_PROTOCOL_WHAT,
              figures=True),
    TableFile("cofinal-tab1-papers-best", "cofinal-tab1", "best",
              "CoFInAl Tab. 1 layout at the papers' protocols on the default twins — best "
              "epoch chosen on test", PAPER_PROTOCOL_FOLDERS, PAPER_PROTOCOL_WHAT),
    TableFile("cofinal-tab3-papers-final", "cofinal-tab3", "final",
              "CoFInAl Tab. 3 layout at the paper's protocol on the default twins — final epoch",
              (*PAPER_PROTOCOL_FOLDERS, "validity-irregular-cofinal"), ABLATION_WHAT,
              ("weight_decay=0.0001",)),
    TableFile("cofinal-tabS6-papers-final", "cofinal-tabS6", "final",
              "CoFInAl Tab. S6 layout at the paper's protocol on the default twins — final "
              "epoch", (*PAPER_PROTOCOL_FOLDERS, "validity-irregular-s6"), S6_WHAT),
    TableFile("cofinal-tab2", "cofinal-tab2", "final",
              "CoFInAl Tab. 2 layout: FLOPs / parameters / inference time"),
    TableFile("cofinal-tab3-final", "cofinal-tab3", "final",
              "CoFInAl Tab. 3 layout: ablations on RG — final epoch (the ci suite runs \"Ours\" "
              "only: its ablation cells were constant; the ablations at the paper's protocol "
              "are above)"),
    TableFile("cofinal-tabS6-final", "cofinal-tabS6", "final",
              "CoFInAl Tab. S6 layout: ablations on Fis-V — final epoch (the ci suite runs "
              "\"Ours\" only; the ablations at the paper's protocol are above)"),
    TableFile("mcore-finediving-final", "mcore-finediving", "final",
              "MCoRe FineDiving layout: SRCC, R-ℓ2, AIoU — final epoch"),
    TableFile("mcore-finediving-best", "mcore-finediving", "best",
              "MCoRe FineDiving layout — best epoch chosen on test"),
    TableFile("mcore-finediving-events-final", "mcore-finediving", "final",
              "MCoRe FineDiving layout at the papers' protocols on the events candidate — final "
              "epoch", ("validity-finediving-events",), EVENTS_WHAT),
)


#: (records folder = suite name, section title, what it asks) of the twin validity sections
VALIDITY_SECTIONS = (
    ("validity-irregular",
     "Twin validity of the default twins: the irregular-execution story (`validity-irregular`)",
     "Do the twins rank the paper methods as real features do? The paper methods at their "
     "papers' protocols on `fisv-synth-irregular` / `rg-synth-irregular`, where an element's "
     "execution is the size of its clips' deviations from the element's ideal form, in "
     "directions that change from clip to clip, rather than a shift along a fixed direction "
     "(recalibrated on C3D+SVR; docs/twin-validity.md), its deviations' size set on one "
     "published same-backbone margin (MS-LSTM on C3D, Fis-V TES). A candidate when these "
     "records were made (hence their dataset names, the same bytes as `rg-synth` / "
     "`fisv-synth`), the default twins since 2026-12-07. Every cell has seeds 0, 1 and 2 "
     "(the `validity-irregular-seeds` suite adds 1 and 2), so its pairs are tested over "
     "seeds."),
    ("validity-unseen-irregular",
     "Twin validity of the default twins on unseen subsets (`validity-unseen-irregular`)",
     "The same question for the irregular-execution story on the subsets none of its choices "
     "looked at (RG Clubs and Ribbon, Fis-V PCS); every cell has seeds 0, 1 and 2."),
    ("validity", "Twin validity of the v5 twins (the `validity` suite, paper protocols)",
     "Do the twins rank the paper methods as real features do? On `rg-synth-v5` / "
     "`fisv-synth-v5`, the default twins until 2026-12-07. Seed 0 in every cell; the "
     "main-table cells of RG Ball, RG Hoop and Fis-V TES also seeds 1 and 2 (the "
     "`validity-seeds` suite), so their pairs are tested over seeds."),
    ("validity-unseen", "Twin validity of the v5 twins on unseen subsets (`validity-unseen`)",
     "The same question, the same protocols, on the subsets that no choice of the v5 twins, "
     "the calibration or the corrections after the first validity run looked at (RG Clubs "
     "and Ribbon, Fis-V PCS)."),
    ("validity-roster", "Twin validity of the roster candidates (`validity-roster`)",
     "The same question for `rg-synth-roster` / `fisv-synth-roster`, the v5 story with "
     "videos that share athletes and events as Fis-V's do (docs/datasets.md, \"Rosters\"); "
     "not the default twins."),
    ("validity-onevenue", "The one-venue bound (`validity-onevenue`)",
     "The same cells on `rg-synth-onevenue`, the v5 RG twin without its per-video offset "
     "(recalibrated on C3D+SVR): a sensitivity bound for the diagnosis that the offset lets "
     "the learned methods memorise their training videos (docs/twin-validity.md); not a "
     "candidate twin."),
)


def record_folders() -> tuple[str, ...]:
    """Every record folder a leaderboards root holds (what ``aqabench leaderboard migrate``
    renames): the ci suite's, those the tables read, and the validity sections'."""
    folders = [f for spec in TABLES for f in spec.folders]
    folders += [folder for folder, _title, _what in VALIDITY_SECTIONS]
    return tuple(dict.fromkeys(folders))
