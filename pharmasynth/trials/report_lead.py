"""What a trial report leads with: the effect, its CI, the SE ratio vs unadjusted and the sample-size
saving it is worth; the designs whose simulated type I error exceeds alpha, in red.

    analysis_lead(results, survival)            `analyze_trial` reports (and the CLI's `trials analyze`)
    type_one_error_numbers(summary, alpha, n)   one KeyNumber per design whose rejection rate at effect 0
                                                exceeds alpha by more than 2 Monte Carlo SE (status bad)
    twin_validation_lead(report, tables)        `validate_twin`: rho, interval coverage, KM distance

Grades: an SE ratio at or below 0.95 is good (adjustment buys precision), above 1.0 bad (it costs
precision), in between borderline; the saving is 1 - ratio^2, the share of patients an analysis with
that SE needs fewer for the same precision (PROCOVA's variance factor, Schuler et al. 2021).
"""

from __future__ import annotations

import numpy as np

from ..evaluation.lead import KeyNumber, Lead, format_number, grade

SE_RATIO_GOOD, SE_RATIO_BAD = 0.95, 1.0


def _pct(x: float) -> str:
    return f"{format_number(100 * x, 2)}%"


def se_ratio_numbers(ratio: float, versus: str = "unadjusted") -> list[KeyNumber]:
    """The SE ratio and the sample-size saving it is worth (1 - ratio^2), graded alike."""
    status = grade(ratio, good=SE_RATIO_GOOD, bad=SE_RATIO_BAD, direction="minimize")
    return [KeyNumber(f"SE ratio vs {versus}", ratio, status=status, note="below 1: the adjustment buys precision"),
            KeyNumber("sample-size saving at equal precision", 100 * (1 - ratio ** 2), unit="%", digits=2,
                      status=status, note="1 - SE ratio²: the share of patients needed fewer for the same SE")]


def _level(alpha) -> float:
    return 1 - float(alpha) if alpha is not None and np.isfinite(alpha) else 0.95


def _continuous(results, units: dict) -> tuple[str, list[KeyNumber]]:
    by = {r.method: r for r in results}
    main = next(by[m] for m in ("procova", "ancova", "unadjusted") if m in by)
    level = _level(main.alpha)
    unit = units.get(main.outcome, "")
    nums = [KeyNumber(f"effect on {main.outcome} ({main.method})", main.effect, unit=unit,
                      ci=(main.ci_low, main.ci_high), ci_level=level, note=f"p = {format_number(main.p_value, 2)}")]
    text = (f"{main.method.upper() if main.method != 'unadjusted' else 'The unadjusted analysis'} estimates a "
            f"treatment effect of {format_number(main.effect)}{' ' + unit if unit else ''} on {main.outcome} ({int(round(100 * level))}% CI "
            f"{format_number(main.ci_low)} to {format_number(main.ci_high)})")
    if main.method != "unadjusted" and "unadjusted" in by:
        ratio = main.se / by["unadjusted"].se
        nums += se_ratio_numbers(ratio)
        change = "smaller" if ratio < 1 else "larger"
        text += (f"; its SE is {_pct(abs(1 - ratio))} {change} than the unadjusted analysis's"
                 + (f", worth {_pct(1 - ratio ** 2)} fewer patients for the same precision" if ratio < 1 else ""))
    return text, nums


def _survival(survival, units: dict) -> tuple[str, list[KeyNumber]]:
    rows = {(r["method"]): r for r in survival.rows.to_dict(orient="records")}
    nums, parts = [], []
    cox = rows.get("cox")
    if cox is not None and cox.get("hr") is not None and np.isfinite(cox["hr"]):
        level = _level(cox.get("alpha"))
        nums.append(KeyNumber("hazard ratio (Cox, treatment only)", cox["hr"], ci=(cox["ci_low"], cox["ci_high"]),
                              ci_level=level, note=f"p = {format_number(cox['p_value'], 2)}"))
        parts.append(f"hazard ratio {format_number(cox['hr'])} ({int(round(100 * level))}% CI "
                     f"{format_number(cox['ci_low'])} to {format_number(cox['ci_high'])})")
    rmst = rows.get("rmst_adjusted") or rows.get("rmst")
    if rmst is not None and np.isfinite(rmst["effect"]):
        tunit = units.get("time", "")
        tau = format_number(survival.tau) + (f" {tunit}" if tunit else "")
        nums.append(KeyNumber(f"RMST difference to τ = {tau} ({rmst['method']})", rmst["effect"], unit=tunit,
                              ci=(rmst["ci_low"], rmst["ci_high"]), ci_level=_level(rmst.get("alpha")),
                              note="restricted mean survival time, treated - control, time units of the data"))
        parts.append(f"RMST difference {format_number(rmst['effect'])} up to τ = {tau}")
        if rmst["method"] == "rmst_adjusted" and rmst.get("se_ratio") is not None and np.isfinite(rmst["se_ratio"]):
            nums += se_ratio_numbers(float(rmst["se_ratio"]), "unadjusted RMST")
    return "; ".join(parts), nums


def analysis_lead(results, survival=None, units: dict | None = None) -> Lead | None:
    """The lead of an `analyze_trial` report (see the module docstring); None when nothing was estimated.
    `units`: {outcome column: unit, "time": unit} for the numbers' labels."""
    texts, nums, units = [], [], dict(units or {})
    if results:
        t, n = _continuous(results, units)
        texts.append(t)
        nums += n
    if survival is not None and len(survival.rows):
        t, n = _survival(survival, units)
        if t:
            texts.append(("Time to event: " if results else "") + t)
        nums += n
    if not texts:
        return None
    return Lead(". ".join(texts) + ".", nums)


def type_one_error_numbers(summary, alpha: float, n_trials: int, label: str = "") -> list[KeyNumber]:
    """Per design (rows of a simulation summary at effect 0, indexed by design): its type I error with
    its Wilson 95% CI over the simulated trials; bad when the whole CI lies above alpha (the rule the
    report's metric rows use too), good otherwise."""
    from ..evaluation.metric import wilson_interval

    n = max(int(n_trials), 1)
    out = []
    for design, row in summary.iterrows():
        rate = float(row["rejection_rate"])
        ci = wilson_interval(int(round(rate * n)), n)
        status = "bad" if ci[0] > alpha else "good"
        out.append(KeyNumber(f"type I error, {design}{f' ({label})' if label else ''}", rate, ci=ci,
                             status=status, note=f"alpha {format_number(alpha)}; {n:,} simulated trials"))
    return out


def twin_validation_lead(report, tables: dict) -> Lead:
    """The lead of `validate_twin`: does the twin predict (rho), are its intervals honest (coverage),
    do its synthetic controls look like the real ones (KM distance)?"""
    rows = {m.name: m for m in report.metrics if m.role == "result" and m.status == "ok"}
    nums, parts = [], []
    rho = next((m for n, m in rows.items() if n.startswith("rho:")), None)
    if rho is not None:
        nums.append(KeyNumber(f"rho, {rho.name.split(':', 1)[1]}", rho.value, ci=rho.ci,
                              status=grade(rho.value, good=0.5, bad=0.3), note="prediction vs observed, held out"))
        parts.append(f"the twin's prediction correlates {format_number(rho.value)} with the held-out outcome "
                     f"(PROCOVA variance factor {format_number(1 - rho.value ** 2)})")
    from ..evaluation.lead import metric_status

    cov = [m for n, m in rows.items() if n.startswith("coverage_95")]
    if cov:
        m = cov[0]
        nums.append(KeyNumber("95% interval coverage", m.value, ci=m.ci, status=metric_status(m),
                              note="target 0.95"))
        parts.append(f"its 95% intervals hold {_pct(m.value)} of the held-out outcomes")
    km = rows.get("km_max_distance")
    if km is not None:
        nums.append(KeyNumber("KM distance, synthetic vs real controls", km.value,
                              status=grade(km.value, good=0.1, bad=0.2, direction="minimize"),
                              note="largest vertical gap between the curves"))
        parts.append(f"its synthetic controls' KM curve is within {format_number(km.value)} of the real one")
    if not parts:
        return Lead("The twin was checked on held-out controls; see the metric rows.")
    return Lead("On held-out controls, " + "; ".join(parts) + ".", nums)
