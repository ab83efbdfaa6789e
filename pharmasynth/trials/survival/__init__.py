"""Time to event in a two-arm trial; every function takes a DataFrame and returns a DataFrame (or a
result whose `summary()` is one).

km.py        km_curves (KM with 1-alpha CIs per arm), default_tau
logrank.py   logrank (lifelines), logrank_rows (plain or stratified, as an analysis row)
cox.py       cox (covariates, strata, Efron/Breslow ties, robust SE, PH test) -> CoxResult; cox_rows
rmst.py      rmst_difference (KM RMST per arm and difference), rmst_rows
adjusted.py  rmst_adjusted, survival_at_tau_adjusted, logrank_adjusted (covariate adjustment that
             keeps the marginal estimand and gains precision)
pseudo.py    km_pseudo_values (jackknife pseudo-observations of S(tau) and RMST(tau))
"""

from .adjusted import anhecova, logrank_adjusted, logrank_scores, rmst_adjusted, survival_at_tau_adjusted
from .cox import CoxResult, cox, cox_rows, cox_with_prognostic_score, ph_test
from .km import default_tau, km_curves
from .logrank import logrank, logrank_rows
from .pseudo import km_pseudo_values
from .rmst import rmst_difference, rmst_rows, survival_at_tau_rows

__all__ = ["CoxResult", "anhecova", "cox", "cox_rows", "cox_with_prognostic_score", "default_tau", "km_curves",
           "km_pseudo_values", "logrank", "logrank_adjusted", "logrank_rows", "logrank_scores", "ph_test",
           "rmst_adjusted", "rmst_difference", "rmst_rows", "survival_at_tau_adjusted", "survival_at_tau_rows"]
