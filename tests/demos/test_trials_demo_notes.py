"""The trials demo turns the twin's ExtrapolationWarnings into one report note (no console noise)."""

import warnings

from pharmasynth.demos.trials import _extrapolation_note
from pharmasynth.errors import DataWarning, ExtrapolationWarning
from pharmasynth.evaluation import Report

MSG = ("baseline column '{col}': {n} row(s) far outside the training range [{lo}, {hi}] (e.g. {ex} at row 429; "
       "rows: row 429). The twin extrapolates there; its predictions for those patients are not backed by data.")


def test_extrapolation_warnings_become_one_note_per_column_and_others_pass_through():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn(MSG.format(col="wtkg", n=2, lo=47.4012, hi=115.214, ex=159.939), ExtrapolationWarning)
        warnings.warn(MSG.format(col="wtkg", n=3, lo=47.4012, hi=115.214, ex=149), ExtrapolationWarning)
        warnings.warn(MSG.format(col="cd40", n=1, lo=124, hi=771, ex=1199), ExtrapolationWarning)
        warnings.warn("holdout overlaps", DataWarning)
    rep = Report(title="t")
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        _extrapolation_note(rep, caught)
    assert [str(w.message) for w in shown] == ["holdout overlaps"]
    assert len(rep.warnings) == 1
    note = rep.warnings[0]
    assert "wtkg: up to 3 patient(s) per table, e.g. 149, 160 (historical range 47.4 to 115)" in note
    assert "cd40: up to 1 patient(s) per table, e.g. 1,199 (historical range 124 to 771)" in note
