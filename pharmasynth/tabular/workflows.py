"""What the command line does with a synthetic-table model: fit it with a holdout evaluation.

    fit = fit_synthesizer(table, model="copula", holdout=0.3, random_state=0)
    fit.report.score(); fit.write("out/copula")   # out/copula/model, fit.json, report.html + .json

`ModelFit` is the result shape of every "fit a model, check it on held-out rows" workflow (the
trials' `fit_twin` returns one too).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .._util.atomic import atomic_write_json
from .._util.results import ResultMixin
from ..errors import SchemaError, check_option
from .copula import GaussianCopula
from .tabular_vae import TabularVAE

MODELS = {"copula": GaussianCopula, "vae": TabularVAE}


@dataclass
class ModelFit(ResultMixin):
    """A model fitted on all but a random holdout of the rows, and its report on the holdout (or None).

    `write(out_dir)` writes OUT/model (the saved model), OUT/report.html + .json and OUT/fit.json.
    """

    model: object
    report: object
    n_rows: int
    n_holdout: int
    kind: str
    random_state: object
    meta: dict = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        return self.model.summary()

    def _details(self) -> dict:
        return {}

    def to_dict(self) -> dict:
        return {**self.meta, "n_rows": self.n_rows, "n_train": self.n_rows - self.n_holdout,
                "n_holdout": self.n_holdout, "kind": self.kind, "seed": self.random_state, **self._details()}

    def write(self, out_dir) -> dict[str, Path]:
        out = Path(out_dir)
        doc = self.to_dict()
        self.model.save(out / "model")
        paths = {"model": out / "model", "fit": out / "fit.json"}
        if self.report is not None:
            report_paths = self.report.write(out, "report")
            paths.update(report_paths)
            doc["report"] = {k: str(v) for k, v in report_paths.items()}
        doc["model_dir"] = str(out / "model")
        atomic_write_json(paths["fit"], doc)
        return paths


def recorded_warnings(report, caught) -> None:
    """Add the messages of warnings caught while building `report` to its `warnings` (once each)."""
    report.warnings.extend(m for m in dict.fromkeys(str(w.message) for w in caught) if m not in report.warnings)


@dataclass
class SynthesizerFit(ModelFit):
    """A fitted GaussianCopula or TabularVAE and the evaluation of its rows against the held-out ones."""

    columns: list = field(default_factory=list)

    def _details(self) -> dict:
        out = {}
        if self.report is not None:
            # no overall score while a group is missing (e.g. utility without a target): say why
            out["evaluation"] = {"score": self.report.score(), "partial_score": self.report.partial_score(),
                                 "missing_groups": self.report.missing_groups(), "groups": self.report.group_scores()}
        out["columns"] = list(self.columns)
        return out


def fit_synthesizer(df: pd.DataFrame, model: str = "copula", *, columns=None, holdout: float = 0.0, rules=None,
                    target: str | None = None, random_state=0, meta: dict | None = None, **settings) -> SynthesizerFit:
    """Fit a GaussianCopula ("copula") or TabularVAE ("vae") with `settings` on `columns` (default all)
    of all but a random `holdout` fraction of the rows; with a holdout, evaluate as many synthetic
    rows as training rows against them through the evaluation core (`rules` checked there; `target`
    for the utility group, without which the report has a partial score only).

    The evaluation's warnings are recorded in its report's `warnings` rather than shown.
    """
    from ..evaluation import evaluate
    from ..evaluation.tabular import holdout_split

    check_option("model", model, tuple(MODELS))
    cols = list(columns) if columns else list(df.columns)
    missing = [c for c in cols if c not in df.columns]
    if missing:
        source = df.attrs.get("source")
        raise SchemaError(f"{source + ': ' if source else ''}columns {missing} not in the table "
                          f"(columns: {list(df.columns)}).")
    train, hold = holdout_split(df, holdout, random_state)
    synthesizer = MODELS[model](random_state=random_state, **settings).fit(train[cols])
    report = None
    if hold is not None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            report = evaluate(train[cols], synthesizer.sample(len(train)), holdout=hold[cols],
                              random_state=random_state, rules=rules, target=target, title=f"{type(synthesizer).__name__}: synthetic rows vs real ones")
        recorded_warnings(report, caught)
    return SynthesizerFit(synthesizer, report, len(df), 0 if hold is None else len(hold), model, random_state,
                          dict(meta or {}), cols)
