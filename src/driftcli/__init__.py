"""driftcli: tell in seconds whether the data a model sees, or its quality, has shifted.

The library entry points are :func:`compare` and :func:`profile`; the command line
(``driftcli``) is a thin layer over them.
"""

from __future__ import annotations

__version__ = "0.1.0"

from driftcli.api import compare, merge, profile
from driftcli.errors import ConfigError, DriftcliError, InputError, OutputError, UsageError
from driftcli.profile import Profile
from driftcli.result import Result
from driftcli.settings import Settings

__all__ = [
    "ConfigError",
    "DriftcliError",
    "InputError",
    "OutputError",
    "Profile",
    "Result",
    "Settings",
    "UsageError",
    "__version__",
    "compare",
    "merge",
    "profile",
]
