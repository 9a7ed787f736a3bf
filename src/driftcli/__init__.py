"""driftcli: tell in seconds whether the data a model sees, or its quality, has shifted.

The library entry point is :func:`compare`; the command line (``driftcli``) is a thin
layer over it.
"""

from __future__ import annotations

__version__ = "0.1.0"

from driftcli.api import compare
from driftcli.errors import ConfigError, DriftcliError, InputError, OutputError, UsageError
from driftcli.result import Result
from driftcli.settings import Settings

__all__ = [
    "ConfigError",
    "DriftcliError",
    "InputError",
    "OutputError",
    "Result",
    "Settings",
    "UsageError",
    "__version__",
    "compare",
]
