"""Dates as data: temporal-order checks (validity), date and interval fidelity, rules on dates."""

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from pharmasynth.evaluation.fidelity import fidelity_metrics
from pharmasynth.evaluation.rules import RuleSet
from pharmasynth.evaluation.tabular import align_tables
from pharmasynth.evaluation.temporal import date_metrics, real_orders, temporal_order_metrics

sys.path.insert(0, str(Path(__file__).parent))
from real_tables import REAL_TABLES, SPEC, load_real_table  # noqa: E402


def _shuffled(df, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: df[c].to_numpy()[rng.permutation(len(df))] for c in df.columns})


def test_breaking_rate_is_recovered_within_two_standard_errors():
    rng = np.random.default_rng(0)
    n, mu, sd = 4000, 30.0, 25.0
    start = pd.Timestamp("2010-01-01") + pd.to_timedelta(rng.integers(0, 3000, n), unit="D")
    real = pd.DataFrame({"diag": start, "rec": start + pd.to_timedelta(rng.integers(1, 400, n), unit="D")})
    gap = np.round(rng.normal(mu, sd, n))
    syn = pd.DataFrame({"diag": start, "rec": start + pd.to_timedelta(gap, unit="D")})
    r, s, _, schema = align_tables(real, syn)
    (row,) = temporal_order_metrics(r, s, schema)
    truth = norm.cdf(-0.5, mu, sd)  # rounded gaps: a break is a gap of -1 day or less
    se = np.sqrt(truth * (1 - truth) / n)
    assert row.name == "date_order:diag<=rec" and row.group == "validity" and row.direction == "lower"
    assert abs(row.value - truth) < 2 * se and row.ci[0] < truth < row.ci[1]
    assert row.score == pytest.approx(1 - row.value)


def test_no_break_gives_zero_with_a_wilson_interval_not_a_point():
    rng = np.random.default_rng(1)
    start = pd.Timestamp("2010-01-01") + pd.to_timedelta(rng.integers(0, 3000, 500), unit="D")
    real = pd.DataFrame({"a": start, "b": start + pd.Timedelta(days=3)})
    r, s, _, schema = align_tables(real, real)
    (row,) = temporal_order_metrics(r, s, schema)
    assert row.value == 0 and row.ci[0] == 0 and 0.005 < row.ci[1] < 0.01  # Wilson at 0/500: [0, 0.0076]


def test_orders_are_found_on_the_real_tables_and_broken_by_a_shuffle():
    for name in REAL_TABLES:
        df, kw = load_real_table(name)
        r, s, _, schema = align_tables(df, _shuffled(df), options=kw["columns"])
        found = {(o["first"], o["second"]) for o in real_orders(r, schema)}
        assert set(SPEC[name]["order"]) <= found, (name, found)
        copies = {m.name: m.value for m in temporal_order_metrics(r, r, schema)}
        shuffled = {m.name: m.value for m in temporal_order_metrics(r, s, schema)}
        assert all(v == 0 for v in copies.values()), name
        assert max(shuffled.values()) > 0.1, (name, shuffled)


def test_date_and_interval_fidelity_separate_an_independent_sample_from_a_shuffle():
    df, kw = load_real_table("colon")
    idx = np.random.default_rng(0).permutation(len(df))  # random halves: ids follow entry, so follow-up
    a, b = df.iloc[idx[: len(df) // 2]], df.iloc[idx[len(df) // 2:]]
    ra, rb, _, schema = align_tables(a, b, options=kw["columns"])
    _, rs, _, _ = align_tables(a, _shuffled(b), options=kw["columns"])
    ind = {m.name: m for m in date_metrics(ra, rb, schema)}
    shuf = {m.name: m for m in date_metrics(ra, rs, schema)}
    assert ind["date_intervals"].value > 0.85 and shuf["date_intervals"].value < ind["date_intervals"].value - 0.15
    # the per-column date shape is the same for both (a shuffle keeps marginals), and is not scored twice
    assert shuf["date_shape"].value == pytest.approx(ind["date_shape"].value, abs=0.1)
    assert ind["date_shape"].score is None
    names = [m.name for m in fidelity_metrics(ra.iloc[:150], rb.iloc[:150], schema, random_state=0)]
    assert "date_intervals" in names and "date_shape" in names  # part of the fidelity group
    pairs = ind["date_intervals"].details["per_pair"]
    assert [(p["first"], p["second"]) for p in pairs][0] == ("surgdate", "recdate")


def test_rules_compare_dates_and_subtract_them_in_days():
    df, kw = load_real_table("pbc")
    raw = pd.read_csv(Path(__file__).parent / "data" / "raw_pbc.csv.gz")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r, _, _, _ = align_tables(df, df, options=kw["columns"])
    rules = RuleSet(["lastdate >= regdate", f"lastdate - regdate == {int(raw['time'].iloc[0])}",
                     'regdate >= "1974-01-01"'])
    v = rules.violations(r)
    assert not v["rule_1"].any() and not v["rule_3"].any()
    assert not v["rule_2"].iloc[0] and v["rule_2"].iloc[1:].mean() > 0.9
    # on the raw text (as `--where` sees it): date() reads the day-first format from the values
    text = RuleSet(["date(lastdate) - date(regdate) >= 0"]).violations(df)
    assert not text.any().any()
    days = RuleSet(["date(lastdate) - date(regdate) == 400"]).valid_mask(df)
    assert (days == (raw["time"] == 400).to_numpy()).all()
