"""SELFIES tokenizer: SMILES in, SELFIES tokens for the model, SMILES out.

SELFIES (Krenn et al. 2020, the `selfies` package) is a molecular string grammar in which every
token sequence decodes to a valid molecule, so a model over SELFIES tokens is valid by
construction. The tokenizer takes and returns SMILES, so a `SmilesVAE(representation="selfies")`
is used exactly like the SMILES one and scoring is unchanged.
"""

from __future__ import annotations

import functools

from ..errors import InvalidSmilesError
from .io import quiet_rdkit
from .tokenizer import SmilesTokenizer


@functools.lru_cache(maxsize=1)
def _selfies():
    try:
        import selfies
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ImportError("SELFIES models need the `selfies` package: pip install selfies") from exc
    return selfies


def smiles_to_selfies_tokens(smiles: str) -> list[str]:
    """SELFIES tokens of one SMILES; InvalidSmilesError naming the SMILES if it cannot be encoded."""
    sf = _selfies()
    try:
        encoded = sf.encoder(smiles, strict=True)
    except sf.EncoderError as exc:
        raise InvalidSmilesError(f"SMILES {smiles!r} cannot be written as SELFIES ({exc}).") from exc
    if encoded is None:
        raise InvalidSmilesError(f"SMILES {smiles!r} cannot be written as SELFIES.")
    return list(sf.split_selfies(encoded))


def selfies_tokens_to_smiles(tokens: list[str]) -> str:
    """SELFIES tokens -> canonical SMILES (RDKit), or the decoder's own SMILES if RDKit rejects it."""
    from rdkit import Chem

    if not tokens:
        return ""
    try:
        smiles = _selfies().decoder("".join(tokens))
    except Exception:  # a malformed token sequence (only an <unk> can make one)
        return ""
    with quiet_rdkit():
        mol = Chem.MolFromSmiles(smiles) if smiles else None
    return Chem.MolToSmiles(mol) if mol is not None else (smiles or "")


class SelfiesTokenizer(SmilesTokenizer):
    """Vocabulary over SELFIES tokens; `fit`, `encode` and `fits` take SMILES, `decode` returns SMILES."""

    representation = "selfies"

    @staticmethod
    def tokens_of(smiles: str) -> list[str]:
        return smiles_to_selfies_tokens(smiles)

    def join(self, tokens: list[str]) -> str:
        return selfies_tokens_to_smiles(tokens)


def tokenizer_class(representation: str):
    """SmilesTokenizer for "smiles", SelfiesTokenizer for "selfies"."""
    from ..errors import check_option

    rep = check_option("representation", representation, ("smiles", "selfies"))
    return SelfiesTokenizer if rep == "selfies" else SmilesTokenizer
