"""Pieces every `pharmasynth molgen` verb module shares: reading SMILES files, printing library warnings."""

from __future__ import annotations

import contextlib
import warnings

from ._common import FORMAT


@contextlib.contextmanager
def printed_warnings():
    """The library's warnings (skipped records, undefined metrics) as one `warning:` line each."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        print(f"warning: {w.message}")


def read_smiles_file(path, column=None, largest_fragment=False, neutralise=False):
    from ..molgen import read_smiles

    with printed_warnings():
        return read_smiles(path, column=column, largest_fragment=largest_fragment, neutralise=neutralise)


def add_verb(verbs, name, func, help, description, epilog=None):
    p = verbs.add_parser(name, help=help, description=description, epilog=epilog, formatter_class=FORMAT)
    p.set_defaults(func=func)
    return p
