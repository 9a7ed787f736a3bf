"""GitHub Actions workflow commands: an ``::error`` annotation per breach reason.

Printed when ``GITHUB_ACTIONS=true`` (or ``annotations = "always"``), on stderr so that
``--json -`` keeps stdout clean; the runner reads workflow commands from both streams.
Message data escapes ``%``, CR and LF; property values also escape ``:`` and ``,`` (GitHub's
rules). Before that, text from data is made inert by :func:`driftcli.text.terminal`: other
control characters are shown as escapes, so an annotation is always one line and nothing
in a column or file name can start a workflow command of its own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import IO

from driftcli.result import Result
from driftcli.text import terminal


def escape_data(text: str) -> str:
    """Escape a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (``title=...``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, *, title: str | None = None) -> str:
    """One workflow command line, e.g. ``::error title=T::message``; ``message`` and
    ``title`` may hold anything."""
    props = f" title={escape_property(terminal(title))}" if title else ""
    return f"::{level}{props}::{escape_data(terminal(message))}"


def enabled(mode: str = "auto", environ: Mapping[str, str] | None = None) -> bool:
    """Whether to print annotations: ``always``, ``never``, or ``auto`` (on GitHub Actions)."""
    env = os.environ if environ is None else environ
    return mode == "always" or (mode == "auto" and env.get("GITHUB_ACTIONS") == "true")


def breach_lines(result: Result) -> list[str]:
    """An ``::error`` per breach reason; nothing when the check passed."""
    if result.verdict.passed:
        return []
    where = result.current.path or result.current.format
    return [
        command("error", reason, title=f"driftcli: drift check breached ({where})")
        for reason in result.verdict.reasons
    ]


def emit(result: Result, stream: IO[str], mode: str = "auto") -> None:
    """Print the annotations to ``stream`` when enabled."""
    if enabled(mode):
        for line in breach_lines(result):
            print(line, file=stream)


def emit_error(message: str, stream: IO[str], mode: str = "auto") -> None:
    """Annotate a check that could not run (exit code 2)."""
    if enabled(mode):
        print(command("error", message, title="driftcli: check could not run"), file=stream)
