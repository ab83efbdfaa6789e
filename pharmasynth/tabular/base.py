"""What every synthetic-table model shares: the sampling loop (conditions, validity rules by
rejection, the acceptance report), the random-state policy and save/load.

Validity rules (a `pharmasynth.evaluation.RuleSet`, a .toml/.yaml path or a list of expressions)
are enforced by rejection: rows that break a rule are drawn again. `sampling_report_` holds the
acceptance rate and the rejections per rule; below `min_acceptance` sampling stops with a
RuleError naming the rule that rejects most.
"""

from __future__ import annotations

import pandas as pd

from .._util.random import RandomStateMixin
from .._util.serialization import SavableMixin, read_config
from ..errors import CheckpointError, NotFittedError, RuleError
from .codec import TableCodec, _label


class TableSynthesizer(RandomStateMixin, SavableMixin):
    """Base of the synthetic-table models. A subclass fits `codec_` (and its own parameters) in
    `fit`, draws rows in `_draw(m, conditions, rng) -> (frame, n_rejected_by_conditions)` and
    saves its parameters through `_model_state()` / `_restore_model()`."""

    _condition_method = ""

    def _check_fitted(self):
        if getattr(self, "codec_", None) is None:
            raise NotFittedError(f"this {type(self).__name__} is not fitted; call .fit(df) or .load(path) first.")

    def summary(self) -> pd.DataFrame:
        """One row per column: its kind (continuous or discrete), dtype, missing rate and number of categories."""
        self._check_fitted()
        rows = [{"column": c["name"], "kind": c["kind"], "dtype": "date" if c.get("date_format") else c["dtype"],
                 "missing_rate": c["missing_rate"] if c["kind"] == "continuous" else
                 float(sum(p for v, p in zip(c["categories"], c["probs"]) if v is None)),
                 "n_categories": len(c["categories"]) if c["kind"] == "discrete" else None}
                for c in self.codec_.columns]
        rows += [{"column": c, "kind": f"{info['role']}: not modelled", "dtype": info["dtype"], "missing_rate": None,
                  "n_categories": None} for c, info in self.codec_.unmodelled.items()]
        return pd.DataFrame(rows).set_index("column")

    def sample(self, n: int, conditions: dict | None = None, rules=None, random_state=None,
               min_acceptance: float | None = None) -> pd.DataFrame:
        """`n` synthetic rows with the training table's columns and dtypes.

        conditions  {column: value}: every row has these values (see the module docstring for how)
        rules       validity rules enforced by redrawing rows that break them
        random_state  None continues the model's stream `rng_` (started at `random_state` by fit);
                      an int or Generator draws from that instead
        """
        self._check_fitted()
        n = int(n)
        if n < 0:
            raise ValueError(f"n={n} must be >= 0.")
        min_acc = self.min_acceptance if min_acceptance is None else float(min_acceptance)
        rng = self._sampling_rng(random_state)
        conditions = dict(conditions or {})
        for c in conditions:
            self.codec_.column(c)  # unknown column -> SchemaError
        ruleset = None
        if rules is not None:
            from ..evaluation.rules import as_ruleset

            ruleset = as_ruleset(rules)
            ruleset.check_columns(self.codec_.names())
        chunks, have, drawn = [], 0, 0
        rejected = {r.name: 0 for r in ruleset} if ruleset is not None else {}
        cond_rejected = 0
        acc = 1.0
        while have < n or (n == 0 and not chunks):
            m = int(min(max(1.2 * (n - have) / max(acc, min_acc), 256), 2_000_000)) if n else 0
            df, n_cond_rej = self._draw(m, conditions, rng)
            cond_rejected += n_cond_rej
            drawn += m
            if ruleset is not None and len(df):
                viol = ruleset.violations(df)
                for r in viol.columns:
                    rejected[r] += int(viol[r].sum())
                df = df[~viol.to_numpy().any(axis=1)]
            chunks.append(df)
            have += len(df)
            acc = have / drawn if drawn else 1.0
            if n and drawn >= 2000 and acc < min_acc:
                worst = max(rejected, key=rejected.get) if rejected else None
                why = (f"; rule {worst!r} rejects {rejected[worst] / drawn:.1%} of drawn rows" if worst else "")
                why += (f"; the conditions {conditions} reject {cond_rejected / drawn:.1%}" if cond_rejected else "")
                raise RuleError(f"only {acc:.2%} of sampled rows were accepted (minimum {min_acc:.2%}){why}. "
                                "Check that the rules and conditions hold for the real data, or refit.")
            if n == 0:
                break
        out = pd.concat(chunks, ignore_index=True).iloc[:n].reset_index(drop=True)
        out = self.codec_.reissue(out)
        self.sampling_report_ = {"n": n, "drawn": drawn, "acceptance_rate": acc, "rejected_by_rule": rejected,
                                 "rejected_by_conditions": cond_rejected, "conditions": {k: _label(v) for k, v in conditions.items()},
                                 "condition_method": self._condition_method}
        out.attrs["acceptance_rate"] = acc
        return out

    # --- persistence (SavableMixin's save/load)
    def _state(self):
        extras, tensors = self._model_state()
        return {"codec": self.codec_.to_config(), **extras}, tensors

    def _restore(self, config, tensors):
        self.codec_ = TableCodec.from_config(config["codec"])
        self._restore_model(config, tensors)


def load_synthesizer(path):
    """Load a saved table model folder (GaussianCopula, TabularVAE, ...), whichever it holds."""
    kinds = {cls.__name__: cls for cls in TableSynthesizer.__subclasses__()}
    kind = read_config(path).get("class")
    if kind not in kinds:
        raise CheckpointError(f"{path}: holds a {kind!r}, not a table model ({', '.join(sorted(kinds))}).")
    return kinds[kind].load(path)
