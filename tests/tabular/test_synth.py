"""Synthetic patients: copula recovers known correlations and marginals; conditions, rules,
save/load without records, reproducibility; the VAE behind the same interface."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pharmasynth.errors import RuleError, SchemaError
from pharmasynth.tabular import GaussianCopula, TabularVAE, load_synthesizer

RHO = 0.6


def simulated_table(n=4000, seed=0):
    """Known Gaussian copula: latent correlation RHO between every pair; known marginals."""
    rng = np.random.default_rng(seed)
    R = np.full((4, 4), RHO)
    np.fill_diagonal(R, 1.0)
    z = rng.multivariate_normal(np.zeros(4), R, n)
    u = stats.norm.cdf(z)
    df = pd.DataFrame({
        "weight": stats.lognorm(s=0.3, scale=70).ppf(u[:, 0]),         # skewed continuous
        "age": np.round(stats.norm(50, 10).ppf(u[:, 1])).astype(int),  # integer continuous
        "group": np.where(u[:, 2] < 0.2, "rare", np.where(u[:, 2] < 0.6, "mid", "common")),  # ordered categories
        "score": stats.norm(0, 1).ppf(u[:, 3]),
    })
    df.loc[rng.random(n) < 0.15, "score"] = np.nan  # missing completely at random
    return df


@pytest.fixture(scope="module")
def table():
    return simulated_table()


@pytest.fixture(scope="module")
def copula(table):
    return GaussianCopula(random_state=0).fit(table)


def test_copula_recovers_correlation_and_marginals(table, copula):
    latent = copula.correlation_[:4, :4]
    # continuous pairs: near the truth; the text category's latent order is alphabetical
    # (common < mid < rare is the reverse of the simulated order), so its correlations are -RHO
    sign = np.array([1, 1, -1, 1])
    off = (latent * np.outer(sign, sign))[~np.eye(4, dtype=bool)]
    assert np.all(np.abs(off - RHO) < 0.06), latent
    s = copula.sample(20000, random_state=1)
    assert list(s.columns) == list(table.columns)
    assert s["age"].dtype.kind == "i"
    for c in ("weight", "age"):
        assert stats.ks_2samp(table[c], s[c]).statistic < 0.04
    freq_real = table["group"].value_counts(normalize=True)
    freq_syn = s["group"].value_counts(normalize=True)
    assert np.all(np.abs(freq_real - freq_syn.reindex(freq_real.index)) < 0.02)
    assert abs(s["score"].isna().mean() - 0.15) < 0.015
    # Spearman correlation of the synthetic table matches the real one
    rs_real = stats.spearmanr(table["weight"], table["age"]).statistic
    rs_syn = stats.spearmanr(s["weight"], s["age"]).statistic
    assert abs(rs_real - rs_syn) < 0.04
    by_group = pd.concat({"real": table.groupby("group")["weight"].mean(), "syn": s.groupby("group")["weight"].mean()}, axis=1)
    assert (np.abs(by_group["real"] - by_group["syn"]) < 1.5).all(), by_group


def test_conditional_sampling_obeys_and_shifts(copula):
    s = copula.sample(3000, conditions={"group": "rare"}, random_state=2)
    assert (s["group"] == "rare").all() and len(s) == 3000
    # "rare" is the lowest latent interval: correlated columns shift down, as the copula implies
    base = copula.sample(3000, random_state=2)
    assert s["weight"].mean() < base["weight"].mean() - 5
    both = copula.sample(500, conditions={"group": "mid", "age": 60}, random_state=3)
    assert (both["group"] == "mid").all() and (both["age"] == 60).all()
    assert copula.sampling_report_["acceptance_rate"] == 1.0  # exact conditional: no rejection
    with pytest.raises(SchemaError, match="no category"):
        copula.sample(10, conditions={"group": "unknown"})
    with pytest.raises(SchemaError, match="not in the fitted table"):
        copula.sample(10, conditions={"height": 1})


def test_multiple_discrete_conditions_gibbs():
    rng = np.random.default_rng(5)
    n = 3000
    z = rng.multivariate_normal([0, 0, 0], [[1, .7, .5], [.7, 1, .5], [.5, .5, 1]], n)
    df = pd.DataFrame({"a": (z[:, 0] > 0.5).astype(int), "b": (z[:, 1] > 0).astype(int), "x": z[:, 2]})
    cop = GaussianCopula(random_state=0).fit(df)
    s = cop.sample(4000, conditions={"a": 1, "b": 1}, random_state=0)
    assert ((s["a"] == 1) & (s["b"] == 1)).all()
    sub = df[(df.a == 1) & (df.b == 1)]["x"]
    assert abs(s["x"].mean() - sub.mean()) < 0.1


def test_rules_enforced_and_reported(copula):
    s = copula.sample(2000, rules=["weight < 80", "age >= 40"], random_state=4)
    assert len(s) == 2000 and (s["weight"] < 80).all() and (s["age"] >= 40).all()
    rep = copula.sampling_report_
    assert 0.2 < rep["acceptance_rate"] < 0.9
    assert rep["rejected_by_rule"]["rule_1"] > 0
    with pytest.raises(RuleError, match="accepted"):
        copula.sample(100, rules=["weight > 1000"])
    with pytest.raises(RuleError, match="height"):
        copula.sample(100, rules=["height > 1"])


def test_same_seed_same_output(table, copula):
    a = copula.sample(500, random_state=7)
    assert a.equals(copula.sample(500, random_state=7))
    assert not a.equals(copula.sample(500, random_state=8))
    again = GaussianCopula(random_state=0).fit(table)
    assert a.equals(again.sample(500, random_state=7))


def test_save_load_has_no_records_and_reproduces(table, copula, tmp_path):
    copula.save(tmp_path / "cop")
    cfg = json.loads((tmp_path / "cop" / "config.json").read_text())
    col = next(c for c in cfg["codec"]["columns"] if c["name"] == "weight")
    assert len(col["quantiles"]) <= len(table) // 5  # a summary, not the column
    stored = set(np.round(col["quantiles"], 9))
    exact = set(np.round(table["weight"].to_numpy(), 9))
    assert len(stored & exact) < 0.5 * len(stored)  # quantiles are interpolated, not records copied
    back = GaussianCopula.load(tmp_path / "cop")
    assert back.sample(300, random_state=1).equals(copula.sample(300, random_state=1))
    assert isinstance(load_synthesizer(tmp_path / "cop"), GaussianCopula)


def test_vae_same_interface(table, tmp_path):
    vae = TabularVAE(epochs=15, hidden=64, random_state=0).fit(table)
    s = vae.sample(4000, random_state=0)
    assert list(s.columns) == list(table.columns)
    assert abs(s["weight"].median() - table["weight"].median()) < 5
    assert abs(s["score"].isna().mean() - 0.15) < 0.05
    assert stats.spearmanr(s["weight"], s["age"]).statistic > 0.25  # it learned the dependence
    c = vae.sample(300, conditions={"group": "rare"}, random_state=1)
    assert (c["group"] == "rare").all() and vae.sampling_report_["acceptance_rate"] < 0.5
    with pytest.raises(SchemaError, match="discrete"):
        vae.sample(10, conditions={"weight": 70})
    r = vae.sample(500, rules=["age >= 30"], random_state=2)
    assert (r["age"] >= 30).all()
    vae.save(tmp_path / "vae")
    back = load_synthesizer(tmp_path / "vae")
    assert back.sample(200, random_state=3).equals(vae.sample(200, random_state=3))


def test_sample_continues_the_model_stream(table, copula):
    """random_state=None continues rng_ (started at random_state by fit); an explicit one leaves rng_ alone."""
    fresh = GaussianCopula(random_state=0).fit(table)
    first, second = fresh.sample(200), fresh.sample(200)
    assert not first.equals(second)
    assert first.equals(copula.sample(200, random_state=0))  # the first sample after fit: the seed's stream
    again = GaussianCopula(random_state=0).fit(table)
    again.sample(200)
    again.sample(200, random_state=11)  # does not advance rng_
    assert again.sample(200).equals(second)


def test_summary_describes_the_columns(table, copula):
    s = copula.summary()
    assert list(s.index) == list(table.columns)
    assert s.loc["group", "kind"] == "discrete" and s.loc["group", "n_categories"] == 3
    assert s.loc["weight", "kind"] == "continuous" and s.loc["age", "dtype"] == "int"
    assert abs(s.loc["score", "missing_rate"] - 0.15) < 0.02


def test_vae_leaves_torch_global_generator_alone(table):
    import torch

    torch.manual_seed(5)
    before = torch.get_rng_state()
    TabularVAE(epochs=1, hidden=16, random_state=0).fit(table.iloc[:300])
    assert torch.equal(torch.get_rng_state(), before)


def test_fit_synthesizer_with_holdout(table, tmp_path):
    import warnings

    from pharmasynth.tabular import fit_synthesizer

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the evaluation's warnings go to the report, not to the caller
        fit = fit_synthesizer(table.iloc[:600], "copula", columns=["weight", "age", "group"], holdout=0.3,
                              random_state=0, meta={"data": "t.csv"})
    assert fit.n_rows == 600 and fit.n_holdout == 180 and fit.report is not None
    doc = fit.to_dict()
    assert list(doc)[:6] == ["data", "n_rows", "n_train", "n_holdout", "kind", "seed"]
    # no target: utility is missing, so no overall score, only a partial one, and the report says why
    assert doc["columns"] == ["weight", "age", "group"] and doc["evaluation"]["score"] is None
    assert 0 < doc["evaluation"]["partial_score"] <= 1 and "utility" in doc["evaluation"]["missing_groups"]
    assert list(fit.summary().index) == ["weight", "age", "group"]
    paths = fit.write(tmp_path / "fit")
    assert (tmp_path / "fit" / "model" / "config.json").is_file() and paths["html"].is_file()
    written = json.loads((tmp_path / "fit" / "fit.json").read_text())
    assert written["model_dir"].endswith("model") and written["report"]["json"].endswith("report.json")
    # the model in the folder is the fitted one: it samples the same rows
    assert load_synthesizer(tmp_path / "fit" / "model").sample(50, random_state=1).equals(
        fit.model.sample(50, random_state=1))
    with pytest.raises(SchemaError, match="height"):
        fit_synthesizer(table, columns=["height"])


def test_old_trials_names_warn_and_still_work(table):
    import pharmasynth.trials as trials

    with pytest.warns(FutureWarning, match=r"trials\.GaussianCopula is deprecated.*tabular\.GaussianCopula"):
        cls = trials.GaussianCopula
    assert cls is GaussianCopula
    with pytest.warns(FutureWarning, match="load_synthesizer"):
        assert trials.load_generator is load_synthesizer
    with pytest.warns(FutureWarning, match="TabularVAE"):
        assert trials.TabularVAE is TabularVAE
