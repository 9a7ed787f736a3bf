"""JSON view of a result: the documented contract, strict JSON (no NaN or Infinity)."""

from __future__ import annotations

import json
import os

from driftcli.io import atomic_writer
from driftcli.result import Result


def dumps(result: Result) -> str:
    """The result as one JSON document followed by a newline."""
    return json.dumps(result.to_dict(), indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def write(result: Result, path: str | os.PathLike[str]) -> None:
    """Write the JSON document atomically (a failure leaves no file)."""
    text = dumps(result)
    with atomic_writer(path) as fh:
        fh.write(text)
