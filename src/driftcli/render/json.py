"""JSON view of a result: the documented contract, strict JSON (no NaN or Infinity)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from driftcli.render.writer import atomic_writer
from driftcli.result import Result


def dumps(result: Result, extra: Mapping[str, Any] | None = None) -> str:
    """The result as one JSON document followed by a newline; ``extra`` adds run-level
    keys the result itself does not know (``delivery``: how the alerts went)."""
    data = {**result.to_dict(), **(extra or {})}
    return _encode(data, 0) + "\n"


def _compact(value: Any) -> str:
    return json.dumps(value, allow_nan=False, ensure_ascii=False)


def _encode(value: Any, level: int) -> str:
    """Indented two spaces, except that an object in a list of objects (a column, a
    period, a run) is one line: readable and diffable per column, and written by json's C
    encoder, which cannot indent (indenting all of 5,000 columns took 4 s in Python)."""
    pad, close = "  " * (level + 1), "  " * level
    if isinstance(value, dict) and value:
        items = [f"{pad}{_compact(str(k))}: {_encode(v, level + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + close + "}"
    if isinstance(value, list | tuple) and value:
        if all(isinstance(v, dict) for v in value):
            lines = [pad + _compact(v) for v in value]
        else:
            lines = [pad + _encode(v, level + 1) for v in value]
        return "[\n" + ",\n".join(lines) + "\n" + close + "]"
    return _compact(value)


def write(result: Result, path: str | os.PathLike[str]) -> None:
    """Write the JSON document atomically (a failure leaves no file)."""
    text = dumps(result)
    with atomic_writer(path) as fh:
        fh.write(text)
