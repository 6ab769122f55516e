"""The one-venue bound (``rg-synth-onevenue``): the v5 RG story and backbone with no per-video
offset, as if every routine were filmed by one fixed camera in one venue.

Why it exists: the v5 nuisance's per-video offset is fitted to 8 unrelated real videos (its
between-video share, 0.60, is that of different scenes), while an AQA set's videos share one kind
of venue. Segments of one fixed-camera real video (``vtest``) give the other end (0.325; the v5
twin's own drift gives 0.318 on the same split: ``benchmarks/twins.py --segments``). Removing the
offset puts the twin at that end, so a method's score on the two twins brackets what an unknown
venue share between them could give. It is a sensitivity bound for a diagnosis (do the learned
methods lose to ``ridge`` on v5 because the offset lets them memorise the training videos?), not
a candidate for the default: its between-video share is below any real set's by construction.

Nothing else changes: story, scores and drift are v5's; ``gain`` per apparatus is calibrated as
v5's was, ridge on C3D+SVR (``benchmarks/calibrate_twins.py --onevenue``).
"""

from __future__ import annotations

from dataclasses import replace

from .twin_routines import RG_STORY, ROUTINE_BACKBONE, RGTwin, Story

ONE_VENUE_BACKBONE = replace(ROUTINE_BACKBONE, offset=0.0)
#: ``benchmarks/calibrate_twins.py --onevenue`` (ridge on C3D+SVR, as for the v5 twins).
RG_ONE_VENUE_GAINS = {"Ball": 0.050, "Clubs": 0.095, "Hoop": 0.072, "Ribbon": 0.082}


class RGOneVenueTwin(RGTwin):
    name = "rg-synth-onevenue"

    @staticmethod
    def full_story(subset: str) -> Story:
        return replace(RG_STORY, backbone=ONE_VENUE_BACKBONE, gain=RG_ONE_VENUE_GAINS[subset])
