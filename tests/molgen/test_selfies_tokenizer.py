"""SELFIES tokens: SMILES in, SMILES out; the round trip on real molecules from two sources; a
SELFIES VAE is valid by construction."""

from pathlib import Path

import pytest
from rdkit import Chem, RDConfig

from pharmasynth.errors import InvalidSmilesError
from pharmasynth.molgen import SmilesVAE, load_moses
from pharmasynth.molgen.selfies_tokenizer import SelfiesTokenizer, smiles_to_selfies_tokens, tokenizer_class

NCI = Path(RDConfig.RDDataDir) / "NCI" / "first_5K.smi"  # NCI compounds: salts, charges, stereo, metals


def _canon(s):
    m = Chem.MolFromSmiles(s)
    return Chem.MolToSmiles(m) if m is not None else None


def _nci(n):
    out = []
    for line in NCI.read_text().splitlines()[:n]:
        s = line.split()[0]
        if _canon(s) is not None:
            out.append(s)
    return out


@pytest.mark.parametrize("source", ["moses", "nci"])
def test_round_trip_gives_the_same_molecule(source):
    smiles = load_moses("test")[:300] if source == "moses" else _nci(300)
    tok = SelfiesTokenizer(max_length=400).fit(smiles)
    ids = tok.encode(smiles)
    back = tok.decode(ids)
    same = [_canon(a) == _canon(b) for a, b in zip(smiles, back)]
    # SELFIES 2.x round-trips every organic molecule; stereo/charge edge cases of NCI may differ
    assert sum(same) / len(same) >= (1.0 if source == "moses" else 0.95)
    assert all((t.startswith("[") and t.endswith("]")) or t == "." for t in tok.vocab_[4:])  # "." joins salts


def test_unknown_token_and_bad_smiles_errors_name_them():
    tok = SelfiesTokenizer(max_length=100).fit(["CCO", "c1ccccc1"])
    with pytest.raises(InvalidSmilesError, match=r"#1 'CCCl'.*\[Cl\].*selfies vocabulary"):
        tok.encode(["CCO", "CCCl"])
    with pytest.raises(InvalidSmilesError, match="cannot be written as SELFIES"):
        smiles_to_selfies_tokens("C1CC")  # unclosed ring
    assert not tok.can_encode("CCCl") and tok.can_encode("OCC") and not tok.can_encode("C1CC")
    assert tokenizer_class("selfies") is SelfiesTokenizer
    with pytest.raises(ValueError):
        tokenizer_class("inchi")


def test_selfies_vae_samples_only_valid_molecules(tmp_path):
    train = load_moses("train")[:400]
    vae = SmilesVAE(representation="selfies", latent_dim=8, embed_dim=16, hidden_dim=48, max_length=90,
                    batch_size=64, epochs=1, kl_anneal_steps=5, lr=3e-3, random_state=0).fit(train, progress=False)
    samples = vae.sample(200, random_state=0)
    nonempty = [s for s in samples if s]
    assert len(nonempty) >= 150  # <eos> first is the only way to an empty one
    assert all(_canon(s) is not None for s in nonempty)  # valid by construction, even after seconds of training
    vae.save(tmp_path / "m")
    back = SmilesVAE.load(tmp_path / "m")
    assert back.representation == "selfies" and back.sample(20, random_state=1) == vae.sample(20, random_state=1)
