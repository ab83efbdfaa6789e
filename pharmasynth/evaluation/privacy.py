"""Privacy: how much does the synthetic table give away about the records it was trained on?

Distance-based metrics (DCR, distance to closest record, see `neighbours`):
- exact-copy rate, on every row by hashing, against the real-data base rate;
- the nearest-neighbour distance ratio (NNDR);
- the share of synthetic rows closer to the training table than to the holdout, against the full
  training table (so 100 % copies read 1.0), judged against its no-memorisation value
  n_train / (n_train + n_holdout), with one shared scaling;
- SDMetrics' DCROverfittingProtection and DCRBaselineProtection, exactly as SDMetrics defines them.
`privacy_metrics` adds the attacks of `attacks` (membership and attribute inference), anonymeter's
singling-out, linkability and inference risks (`anonymeter_risks`) and, for declared
quasi-identifiers, k-anonymity, l-diversity and identifiability (`anonymity`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._util.deprecation import renamed_kwargs
from .._util.random import as_rng
from .anonymeter_risks import anonymeter_metrics
from .anonymity import anonymity_metrics
from .attacks import ATTACK_MAX_ROWS, attribute_inference_metrics, membership_inference_metrics
from .metric import MetricResult, metric, wilson_interval
from .neighbours import DCR_MAX_ROWS, DistanceEncoder, dcr, nearest_distances
from .tabular import TableSchema, row_hashes, subsample

DCR_BINS = 40


def random_baseline_data(real: pd.DataFrame, schema: TableSchema, n: int, rng) -> pd.DataFrame:
    """Uniform random rows within the real columns' ranges / categories, missing at the real rate
    (the reference that DCRBaselineProtection compares against)."""
    cols = {}
    for c, k in schema.kinds.items():
        s = real[c]
        if k == "numeric":
            v = s.dropna()
            if len(v) and np.all(np.mod(v, 1) == 0):
                vals = rng.integers(int(v.min()), int(v.max()) + 1, size=n).astype(float)
            else:
                vals = rng.uniform(v.min(), v.max(), size=n) if len(v) else np.full(n, np.nan)
            col = pd.Series(vals)
        elif k == "datetime":
            lo, hi = s.min(), s.max()
            col = pd.Series(lo + pd.to_timedelta(rng.uniform(0, (hi - lo).total_seconds(), n), unit="s"))
        else:
            col = pd.Series(rng.choice(s.dropna().unique(), size=n), dtype=object)
        col[rng.random(n) < s.isna().mean()] = None if k in ("categorical", "boolean") else np.nan
        cols[c] = col
    return pd.DataFrame(cols)


def overfitting_protection(dcr_train: np.ndarray, dcr_holdout: np.ndarray) -> dict:
    """SDMetrics' DCROverfittingProtection from the two DCR arrays of the same synthetic rows:
    min(2 x (1 - share strictly closer to train), 1); ties count as holdout."""
    share = float(np.mean(dcr_train < dcr_holdout))
    return {"score": min((1.0 - share) * 2.0, 1.0), "closer_to_training": share, "closer_to_holdout": 1.0 - share}


def baseline_protection(dcr_synthetic: np.ndarray, dcr_random: np.ndarray) -> dict:
    """SDMetrics' DCRBaselineProtection from the DCRs of the synthetic and of the random rows:
    min(1, median synthetic / median random)."""
    med_s, med_r = float(np.median(dcr_synthetic)), float(np.median(dcr_random))
    score = min(med_s / med_r, 1.0) if med_r > 0 else float("nan")
    return {"score": score, "median_dcr_synthetic": med_s, "median_dcr_random": med_r}


@renamed_kwargs(scheduler="client")
def dcr_overfitting_protection(train: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame,
                               schema: TableSchema, *, client=None) -> dict:
    """SDMetrics' DCROverfittingProtection, exactly: min(2 x (1 - share closer to train), 1).

    "Closer" is strict (ties count as holdout) and each side is scaled by its own reference
    table's ranges, as SDMetrics does. `privacy_metrics` additionally gives the fairer
    equal-size, shared-scaling share (`dcr_share_closer_to_train`); this function exists so that
    the number can be compared one to one with SDMetrics (see benchmarks/bench_vs_sdmetrics.py).
    """
    return overfitting_protection(dcr(synthetic, train, schema, client=client),
                                  dcr(synthetic, holdout, schema, client=client))


@renamed_kwargs(scheduler="client")
def dcr_baseline_protection(real: pd.DataFrame, synthetic: pd.DataFrame, schema: TableSchema, *,
                            random_data: pd.DataFrame | None = None, random_state=None, client=None) -> dict:
    """SDMetrics' DCRBaselineProtection: min(1, median DCR synthetic->real / median DCR random->real).

    `random_data` defaults to `random_baseline_data` with as many rows as `synthetic` (uniform
    within the real ranges and categories, missing at the real rates); pass a table to compare
    against a given baseline (the benchmark passes SDMetrics' own random table).
    """
    if random_data is None:
        random_data = random_baseline_data(real, schema, len(synthetic), as_rng(random_state))
    return baseline_protection(dcr(synthetic, real, schema, client=client),
                               dcr(random_data, real, schema, client=client))


def dcr_histogram(dcr_train: np.ndarray, dcr_holdout: np.ndarray | None = None, bins: int = DCR_BINS) -> dict:
    """Counts of the DCRs to the training (and holdout) table on shared bins up to the 99.5th percentile."""
    hi = float(np.quantile(dcr_train, 0.995))
    if dcr_holdout is not None:
        hi = max(hi, float(np.quantile(dcr_holdout, 0.995)))
    edges = np.linspace(0, hi if hi > 0 else 1.0, bins)
    return {"edges": edges.tolist(), "train": np.histogram(dcr_train, edges)[0].tolist(),
            "holdout": None if dcr_holdout is None else np.histogram(dcr_holdout, edges)[0].tolist()}


def _exact_copies(real, synthetic, holdout) -> MetricResult:
    train_hash = row_hashes(real)
    copies = np.isin(row_hashes(synthetic), np.unique(train_hash))
    rate = float(copies.mean())
    if holdout is not None:
        base_hits = np.isin(row_hashes(holdout), train_hash)
        source = "holdout rows found in train"
    else:
        # no holdout: how often a real row has an identical twin among the other real rows
        base_hits = pd.Series(train_hash).duplicated(keep=False).to_numpy()
        source = "real rows with an identical twin in the real table (no holdout given)"
    base_rate, n_base = float(base_hits.mean()), len(base_hits)
    excess = max(rate - base_rate, 0.0)
    return metric("exact_copy_rate", "privacy", rate, direction="lower", bounds=(0.0, 1.0),
                  ci=wilson_interval(int(copies.sum()), len(copies)), score=float(1.0 - min(1.0, 10.0 * excess)),
                  notes=f"share of all {len(copies):,} synthetic rows identical to a training row (Wilson CI); real-data "
                        f"base rate ({source}) {base_rate:.2%}; score = 1 - min(1, 10 x excess over base rate)",
                  details={"n_copies": int(copies.sum()), "n_synthetic": len(copies), "base_rate": base_rate,
                           "holdout_base_rate": base_rate if holdout is not None else None, "n_base": n_base,
                           "base_rate_source": source})


@renamed_kwargs(scheduler="client")
def privacy_metrics(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None, schema: TableSchema,
                    *, sensitive=(), quasi_identifiers=(), random_state=0, client=None, max_rows: int | None = None,
                    dcr_max_rows: int = DCR_MAX_ROWS, attack_max_rows: int = ATTACK_MAX_ROWS) -> list[MetricResult]:
    """All privacy metric rows. Inputs are already aligned (`tabular.align_tables`).

    max_rows      caps the attack sample per side (members, non-members) when given
    dcr_max_rows  caps the synthetic rows whose DCR is computed (a random subsample, stated)
    The DCR histograms travel in the `dcr_baseline_protection` row's details, the ROC curves in
    the `mia_*_auc` rows'.
    """
    rng = as_rng(random_state)
    attack_max_rows = max_rows or attack_max_rows
    out = [_exact_copies(real, synthetic, holdout)]

    syn_s = subsample(synthetic, dcr_max_rows, rng)
    sub_note = (f"on a random {len(syn_s):,} of {len(synthetic):,} synthetic rows" if len(syn_s) < len(synthetic)
                else f"on all {len(syn_s):,} synthetic rows")
    d_train, _ = nearest_distances(syn_s, real, schema, k=2, client=client)
    dcr_train = d_train[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        nndr = np.where(d_train[:, 1] > 0, d_train[:, 0] / d_train[:, 1], 0.0) if d_train.shape[1] > 1 else np.zeros(len(d_train))
    out.append(metric("nndr_p05", "privacy", float(np.quantile(nndr, 0.05)), direction="higher", bounds=(0.0, 1.0),
                      score=None, notes=f"5th percentile of the nearest/second-nearest training distance ratio {sub_note}; "
                                        "values near 0 mean synthetic rows sit on isolated training records (reported, not scored)",
                      details={"nndr_quantiles": dict(zip(["p01", "p05", "p25", "p50"],
                                                          np.quantile(nndr, [0.01, 0.05, 0.25, 0.5]).tolist()))}))
    rand = random_baseline_data(real, schema, len(syn_s), rng)
    bp = baseline_protection(dcr_train, dcr(rand, real, schema, client=client))
    if holdout is not None:
        # one scaling (the training table's ranges) for both sides, so that a holdout with a
        # narrower or wider range than the training table does not tilt the comparison
        shared = DistanceEncoder(schema, real, [syn_s, holdout])
        dcr_hold = dcr(syn_s, holdout, schema, client=client, encoder=shared)
    out.append(metric("dcr_baseline_protection", "privacy", bp["score"], direction="higher", bounds=(0.0, 1.0),
                      score=None,
                      notes=f"SDMetrics DCRBaselineProtection: min(1, median DCR synthetic->train / median DCR "
                            f"uniform-random->train) {sub_note}; medians {bp['median_dcr_synthetic']:.4f} / "
                            f"{bp['median_dcr_random']:.4f}. Reported, not scored: fresh draws from the real "
                            "distribution itself score low on it, so it rewards unfaithful data",
                      details={"median_dcr_synthetic": bp["median_dcr_synthetic"],
                               "median_dcr_random": bp["median_dcr_random"],
                               "dcr_histogram": dcr_histogram(dcr_train, None if holdout is None else dcr_hold)}))
    if holdout is None:
        need = "needs a real holdout (records the generator never saw)"
        out += [MetricResult.skipped(name, "privacy", need) for name in
                ("dcr_share_closer_to_train", "dcr_overfitting_protection", "membership_inference_auc_worst")]
    else:
        # Against the FULL training table, so that every copied row keeps its zero-distance match
        # (an equal-size subsample of the training side loses most of them: 100 % copies read
        # 0.80-0.85). A bigger table has closer neighbours by size alone, so the share is judged
        # against its own no-memorisation value: if synthetic rows were draws from the population,
        # the nearest of the pooled train + holdout records would be a training one with
        # probability n_train / (n_train + n_holdout).
        closer = dcr_train < dcr_hold                       # strict: ties count as holdout
        ties = float(np.mean(dcr_train == dcr_hold))
        share = float(closer.mean())
        expected = len(real) / (len(real) + len(holdout))
        score = float(1.0 - max(share - expected, 0.0) / (1.0 - expected))
        out.append(metric("dcr_share_closer_to_train", "privacy", share, direction="target", target=expected,
                          bounds=(0.0, 1.0), score=score, ci=wilson_interval(int(closer.sum()), len(closer)),
                          notes=f"share of synthetic rows strictly closer to a training than to a holdout record "
                                f"{sub_note} (ties {ties:.2%} count as holdout), against all {len(real):,} training "
                                f"and {len(holdout):,} holdout records, distances scaled by the training ranges; "
                                f"no memorisation gives n_train / (n_train + n_holdout) = {expected:.3f}, copies of "
                                "training rows give 1; score = 1 - excess over that / its room to 1; Wilson CI",
                          details={"ties": ties, "n_train": len(real), "n_holdout": len(holdout),
                                   "expected_share": expected}))
        # SDMetrics' own definition scales each side by its own reference table's ranges
        op = overfitting_protection(dcr_train, dcr(syn_s, holdout, schema, client=client))
        out.append(metric("dcr_overfitting_protection", "privacy", op["score"], direction="higher",
                          bounds=(0.0, 1.0), score=None,
                          notes="SDMetrics DCROverfittingProtection = min(2 x (1 - share closer to train), 1), each "
                                "side scaled by its own reference ranges as SDMetrics does; reported for comparison, "
                                "not scored twice",
                          details={"share_closer_to_train": op["closer_to_training"]}))
        out += membership_inference_metrics(real, synthetic, holdout, schema, random_state=rng,
                                            max_rows=attack_max_rows, client=client)
    out += attribute_inference_metrics(real, synthetic, holdout, schema, sensitive, random_state=rng,
                                       max_rows=attack_max_rows)
    out += anonymeter_metrics(real, synthetic, holdout, sensitive=sensitive, random_state=rng)
    out += anonymity_metrics(real, synthetic, holdout, schema, quasi_identifiers=quasi_identifiers,
                             sensitive=sensitive, random_state=rng, client=client)
    return out
