"""One shape for every kind of result: `summary()` is a DataFrame, `to_dict()` is JSON-able data,
`to_json(path=None)` writes it (atomically) and returns the text."""

from __future__ import annotations

from .atomic import atomic_write_json, dumps_json


class ResultMixin:
    def to_dict(self) -> dict:  # pragma: no cover - every result defines it
        raise NotImplementedError

    def to_json(self, path=None) -> str:
        """The JSON text of `to_dict()`; written atomically to `path` when given."""
        data = self.to_dict()
        if path is not None:
            atomic_write_json(path, data)
        return dumps_json(data)
