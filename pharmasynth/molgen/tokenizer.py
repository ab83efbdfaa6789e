"""SMILES tokenizer: the standard regex (bracket atoms, Cl/Br, %NN ring closures) plus special tokens."""

from __future__ import annotations

import re
import warnings

from ..errors import DataWarning, InvalidSmilesError, check_option

# Bracket atoms are one token; Cl and Br before single letters; %NN two-digit ring closures.
SMILES_REGEX = re.compile(
    r"(\[[^\]]+]|Br?|Cl?|N|O|S|P|F|I|b|c|n|o|s|p|\(|\)|\.|=|#|-|\+|\\|/|:|~|@|\?|>|\*|\$|%[0-9]{2}|[0-9])"
)
PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIALS = (PAD, BOS, EOS, UNK)


def tokenize(smiles: str) -> list[str]:
    """Split one SMILES into tokens; raises InvalidSmilesError if characters are left over."""
    tokens = SMILES_REGEX.findall(smiles)
    if "".join(tokens) != smiles:
        raise InvalidSmilesError(f"SMILES {smiles!r} has characters the SMILES grammar does not know "
                                 f"(tokenised as {''.join(tokens)!r}).")
    return tokens


class SmilesTokenizer:
    """Vocabulary over SMILES tokens; `fit`, `encode`, `decode`.

    max_length counts the tokens of the SMILES plus <bos> and <eos>.
    on_unknown: "error" (default) or "unk" (map to <unk>, with a DataWarning).
    """

    # the special tokens' ids: their places in SPECIALS, with which every vocabulary starts
    pad_id, bos_id, eos_id, unk_id = range(len(SPECIALS))
    representation = "smiles"

    @staticmethod
    def tokens_of(smiles: str) -> list[str]:
        """The tokens of one SMILES in this tokenizer's representation."""
        return tokenize(smiles)

    def join(self, tokens: list[str]) -> str:
        """Tokens (specials removed) -> the SMILES string they spell."""
        return "".join(tokens)

    def can_encode(self, smiles: str) -> bool:
        """True when `smiles` tokenises within max_length with no token outside the vocabulary."""
        try:
            toks = self.tokens_of(smiles)
        except Exception:  # InvalidSmilesError, or the SELFIES encoder's own errors
            return False
        return len(toks) + 2 <= self.max_length and all(t in self.index_ for t in toks)

    def __init__(self, max_length: int = 100, on_unknown: str = "error"):
        self.max_length = int(max_length)
        self.on_unknown = check_option("on_unknown", on_unknown, ("error", "unk"))

    def fit(self, smiles) -> "SmilesTokenizer":
        vocab = set()
        for i, s in enumerate(smiles):
            try:
                vocab.update(self.tokens_of(s))
            except InvalidSmilesError as exc:
                raise InvalidSmilesError(f"SMILES #{i}: {exc}") from exc
        if not vocab:
            raise InvalidSmilesError("cannot fit a tokenizer on no SMILES.")
        self.vocab_ = list(SPECIALS) + sorted(vocab)
        self.index_ = {t: i for i, t in enumerate(self.vocab_)}
        return self

    @classmethod
    def from_vocab(cls, vocab: list[str], max_length: int, on_unknown: str = "error") -> "SmilesTokenizer":
        tok = cls(max_length=max_length, on_unknown=on_unknown)
        if list(vocab[:4]) != list(SPECIALS):
            raise ValueError(f"a vocabulary must start with {SPECIALS}.")
        tok.vocab_ = list(vocab)
        tok.index_ = {t: i for i, t in enumerate(tok.vocab_)}
        return tok

    def __len__(self) -> int:
        return len(self.vocab_)

    def fits(self, smiles: str) -> bool:
        """True when `smiles` tokenises within max_length (with <bos>/<eos>)."""
        try:
            return len(self.tokens_of(smiles)) + 2 <= self.max_length
        except InvalidSmilesError:
            return False

    def encode_one(self, smiles: str, index: int = 0) -> list[int]:
        return self.ids_of_tokens(self.tokens_of(smiles), smiles, index)

    def ids_of_tokens(self, toks: list[str], smiles: str = "", index: int = 0) -> list[int]:
        """<bos> + token ids + <eos>; clear errors for a too long sequence or an unknown token."""
        if len(toks) + 2 > self.max_length:
            raise InvalidSmilesError(
                f"SMILES #{index} {smiles!r} has {len(toks)} tokens; the model's limit is "
                f"{self.max_length - 2} (max_length={self.max_length} incl. <bos>/<eos>). Drop it "
                "or use a model with a larger max_length.")
        ids = [self.bos_id]
        for t in toks:
            j = self.index_.get(t)
            if j is None:
                if self.on_unknown == "error":
                    raise InvalidSmilesError(
                        f"SMILES #{index} {smiles!r}: token {t!r} is not in the vocabulary the model was "
                        f"trained on ({self.representation} vocabulary of {len(self.vocab_)} tokens). Remove "
                        "such molecules, or pass on_unknown='unk'.")
                warnings.warn(f"SMILES #{index} {smiles!r}: unknown token {t!r} mapped to <unk>.",
                              DataWarning, stacklevel=3)
                j = self.unk_id
            ids.append(j)
        ids.append(self.eos_id)
        return ids

    def encode(self, smiles, pad: bool = True):
        """List of SMILES -> int64 array (n, max_length) padded with <pad> (or a list of lists)."""
        import numpy as np

        seqs = [self.encode_one(s, i) for i, s in enumerate(smiles)]
        if not pad:
            return seqs
        out = np.full((len(seqs), self.max_length), self.pad_id, dtype=np.int64)
        for i, s in enumerate(seqs):
            out[i, : len(s)] = s
        return out

    def decode_one(self, ids) -> str:
        out = []
        for j in ids:
            j = int(j)
            if j == self.bos_id:
                continue
            if j in (self.eos_id, self.pad_id):
                break
            out.append(self.vocab_[j] if j != self.unk_id else "")
        return self.join(out)

    def decode(self, ids) -> list[str]:
        return [self.decode_one(row) for row in ids]
