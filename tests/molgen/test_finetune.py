"""Fine-tuning a shipped prior on a chemical series (the benzoxazinone series of the MOSES test set
is the measured one; here a small slice of a series from the shipped data)."""

import collections

import pytest
from rdkit import Chem
from rdkit.Chem.Scaffolds import MurckoScaffold

from pharmasynth.errors import InvalidSmilesError, UsageError
from pharmasynth.molgen import SmilesVAE, load_moses
from pharmasynth.molgen.finetune import fine_tune, series_scaffold, series_similarity


@pytest.fixture(scope="module")
def series():
    """The most common non-benzene scaffold with >= 25 members in the shipped MOSES test subset."""
    test = load_moses("test")
    scaf = [MurckoScaffold.MurckoScaffoldSmiles(mol=Chem.MolFromSmiles(s)) for s in test]
    counts = collections.Counter(scaf)
    best = next(k for k, v in counts.most_common() if Chem.MolFromSmiles(k).GetNumAtoms() > 8 and v >= 25)
    return [s for s, k in zip(test, scaf) if k == best]


def test_series_similarity_on_known_cases(series):
    core = series_scaffold(series)
    me = series_similarity(series, series)
    assert me["valid"] == 1.0 and me["scaffold_share"] == 1.0 and me["near_copy_rate"] == 1.0
    assert me["mean_nn_tanimoto"] == 1.0 and me["novelty"] == 0.0
    other = series_similarity(["CCO", "CCCCCC", "", "not a smiles"], series, scaffold=core)
    assert other["valid"] == 0.5 and other["scaffold_share"] == 0.0 and other["near_copy_rate"] == 0.0
    assert other["novelty"] == 1.0 and other["mean_nn_tanimoto"] < 0.3


def test_fine_tuning_raises_the_scaffold_share(series):
    prior = SmilesVAE.pretrained("moses-smiles")
    before = series_similarity(prior.sample(150, random_state=0), series)
    tuned = fine_tune("moses-smiles", series, epochs=3, lr=1e-3, batch_size=16, random_state=0)
    after = series_similarity(tuned.sample(150, random_state=0), series)
    assert after["scaffold_share"] > before["scaffold_share"] + 0.05
    assert after["mean_nn_tanimoto"] > before["mean_nn_tanimoto"]
    assert prior.sample(5, random_state=1) == SmilesVAE.pretrained("moses-smiles").sample(5, random_state=1)
    assert tuned.tokenizer_.vocab_ == prior.tokenizer_.vocab_ and tuned.n_steps_ > prior.n_steps_


def test_tokens_the_prior_never_saw_are_named():
    with pytest.raises(InvalidSmilesError, match=r"1 of 3 .*#2 'CC\[Se\]C'.*\[Se\]"):
        fine_tune("moses-smiles", ["CCO", "c1ccccc1", "CC[Se]C"], epochs=1)
    with pytest.raises(UsageError, match="neither a shipped prior"):
        fine_tune("moses-smile", ["CCO"], epochs=1)
