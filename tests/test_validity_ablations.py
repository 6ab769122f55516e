"""The ablation reading of twin validity: per-subset and pooled τ against Tab. 3 / Tab. S6."""

from __future__ import annotations

from aqabench.validity_ablations import ABLATIONS, ablation_cells, ablation_lines


def runs(*values: float) -> list[dict]:
    return [{"identity": {"seed": seed}, "final": {"srcc": v}} for seed, v in enumerate(values)]


def test_each_subset_is_read_against_its_own_table_and_the_pairs_are_pooled() -> None:
    # Ball in Tab. 3's order (Ours .809 > L_R .777 > FGS .702 > TFM .590 > GPM .332); TES in
    # the reverse of Tab. S6's (Ours .716 > L_R .712 > FGS .703 > GPM .301 > TFM .150)
    ball = dict(zip(ABLATIONS, (0.9, 0.8, 0.6, 0.5, 0.7)))
    tes = dict(zip(ABLATIONS, (0.1, 0.2, 0.5, 0.4, 0.3)))
    chosen = {("CoFInAl", "Ball", s): runs(v) for s, v in ball.items()}
    chosen |= {("CoFInAl", "TES", s): runs(v) for s, v in tes.items()}
    lines = ablation_lines(chosen, "final")
    assert "| w/o GPM | Ball | 0.500 | 0.332 (Tab. 3) |" in lines
    assert "| w/o TFM | TES | 0.500 | 0.150 (Tab. S6) |" in lines
    summary = next(line for line in lines if line.startswith("- Kendall τ"))
    assert "Ball 1.00, TES -1.00; pooled over 20 within-subset pairs: τ = 0.00" in summary
    assert lines[-1] == ("- the published two lowest settings the twin's two lowest: "
                         "Ball yes, TES no")


def test_settings_are_compared_on_the_seeds_they_all_have() -> None:
    """"Ours" with three seeds against ablations of one: only seed 0 of "Ours" is read."""
    chosen = {("CoFInAl", "Hoop", None): runs(0.2, 0.9, 0.9),
              ("CoFInAl", "Hoop", "use_gpm=false"): runs(0.4)}
    cells = ablation_cells(chosen, "Hoop", "final")
    assert [(row, twin) for row, twin, _ref, _text in cells] == [("Ours", 0.2), ("w/o GPM", 0.4)]
    assert ablation_lines({("CoFInAl", "Hoop", None): runs(0.2)}, "final") == []  # one setting
