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
    return json.dumps(data, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def write(result: Result, path: str | os.PathLike[str]) -> None:
    """Write the JSON document atomically (a failure leaves no file)."""
    text = dumps(result)
    with atomic_writer(path) as fh:
        fh.write(text)
