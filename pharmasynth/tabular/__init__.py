"""pharmasynth.tabular: synthetic tables for everyone (trial patients, registries, EHR extracts).

    from pharmasynth.tabular import GaussianCopula
    model = GaussianCopula(random_state=0).fit(table)
    fake = model.sample(10_000)                                  # same columns and dtypes as the table
    rare = model.sample(2_000, conditions={"race": 1})           # a subgroup, exactly (no rejection)
    ok = model.sample(10_000, rules="data/actg175/rules.toml")   # every row obeys the rules
    model.save("model/"); GaussianCopula.load("model/")          # config.json + safetensors, no records

GaussianCopula and TabularVAE share one column codec (marginals as summaries) and one sampling loop;
`fit_synthesizer` fits either with a holdout evaluation (what `pharmasynth tabular fit` does).
"""

from .base import TableSynthesizer, load_synthesizer
from .codec import TableCodec
from .copula import GaussianCopula
from .tabular_vae import TabularVAE
from .workflows import ModelFit, SynthesizerFit, fit_synthesizer

__all__ = ["GaussianCopula", "ModelFit", "SynthesizerFit", "TableCodec", "TableSynthesizer", "TabularVAE",
           "fit_synthesizer", "load_synthesizer"]
