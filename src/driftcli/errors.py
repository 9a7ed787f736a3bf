"""Typed errors. The command line turns each into one line on stderr and exit code 2."""

from __future__ import annotations


class DriftcliError(Exception):
    """A check that could not run. ``str(err)`` is the one-line message shown to the user."""

    exit_code = 2


class InputError(DriftcliError):
    """A data file is missing, unreadable, empty or malformed."""


class UsageError(DriftcliError):
    """An option names an unknown column, test or value."""


class NotNumbersError(UsageError):
    """A column forced numeric whose values are not numbers; the comparison names where it
    was forced when that was the config file rather than ``--numerical``."""


class ConfigError(DriftcliError):
    """A configuration file or key is invalid."""


class OutputError(DriftcliError):
    """An output file (JSON, HTML, ...) cannot be written."""


class ResourceError(DriftcliError):
    """The run ran out of a resource (memory) it needs; the message says what to do instead."""
