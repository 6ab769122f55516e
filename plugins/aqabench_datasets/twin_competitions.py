"""The routine twins with a roster (``rg-synth-roster``, ``fisv-synth-roster``): the same story
as ``rg-synth-v5`` / ``fisv-synth-v5``, but every video is performed by an athlete at an event of a
roster (:mod:`twin_roster`), as in the real datasets, so that videos of one athlete share her
skill, her style and her look, and videos of one event share its level and its venue's look.

Fitted, never to a method's score: the roster's concentrations to Fis-V's athlete and event
counts, ``skill_shares`` to Fis-V's between-athlete and between-event shares of TES and PCS
(``benchmarks/twin_roster.py --fit``: (0.525, 0.425), at the fit's bound — the day's form keeps
at least 5 %: Fis-V's scores follow skater and event more closely than independently assigned
athletes and events can reproduce, since top skaters go to top events). Assumed:
``offset_shares`` equal thirds. Calibrated like the v5 twins (``benchmarks/calibrate_twins.py
--roster``): ``gain`` per apparatus so that ridge lands on C3D+SVR. On Fis-V it cannot: with
the element signal at its floor, ridge already reaches 0.53 on TES (C3D+SVR 0.400) from who
skates and her presentation, which PCS's 0.590 needs.

A candidate twin (docs/datasets.md, "Rosters"), not the default: its validity run
(``validity-roster``) is recorded in docs/twin-validity.md.
"""

from __future__ import annotations

from dataclasses import replace

from .twin_routines import FISV_STORY, RG_STORY, FisVTwin, RGTwin, Story

SKILL_SHARES = (0.525, 0.425)  # (athlete, event), benchmarks/twin_roster.py --fit
OFFSET_SHARES = (1 / 3, 1 / 3)  # (event, athlete), assumed
#: ``benchmarks/calibrate_twins.py --roster`` (ridge on C3D+SVR, as for the v5 twins).
RG_ROSTER_GAINS = {"Ball": 0.066, "Clubs": 0.150, "Hoop": 0.152, "Ribbon": 0.122}
#: the element gain at the search's floor; presentation_amp gives PCS 0.590 (TES: 0.529)
FISV_ROSTER_STORY = replace(FISV_STORY, gain=0.005, presentation_amp=13.201,
                            skill_shares=SKILL_SHARES, offset_shares=OFFSET_SHARES)


class RGRosterTwin(RGTwin):
    name = "rg-synth-roster"

    @staticmethod
    def full_story(subset: str) -> Story:
        return replace(RG_STORY, gain=RG_ROSTER_GAINS[subset], skill_shares=SKILL_SHARES,
                       offset_shares=OFFSET_SHARES)


class FisVRosterTwin(FisVTwin):
    name = "fisv-synth-roster"

    @staticmethod
    def full_story(subset: str) -> Story:
        return FISV_ROSTER_STORY
