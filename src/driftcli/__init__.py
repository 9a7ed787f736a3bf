"""driftcli: tell in seconds whether the data a model sees, or its quality, has shifted.

The library entry points are :func:`compare` and :func:`profile`; the command line
(``driftcli``) is a thin layer over them. They are imported on first use, so importing the
package (or asking the command line for its version) costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from driftcli.errors import (
    ConfigError,
    DriftcliError,
    InputError,
    OutputError,
    ResourceError,
    UsageError,
)

__version__ = "0.1.0"

if TYPE_CHECKING:
    from driftcli.api import compare, merge, profile
    from driftcli.profiles import Profile
    from driftcli.result import Result
    from driftcli.settings import Settings

_LAZY = {
    "compare": "driftcli.api",
    "merge": "driftcli.api",
    "profile": "driftcli.api",
    "Profile": "driftcli.profiles",
    "Result": "driftcli.result",
    "Settings": "driftcli.settings",
}


def __getattr__(name: str) -> Any:
    """Import the public names on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'driftcli' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ConfigError",
    "DriftcliError",
    "InputError",
    "OutputError",
    "Profile",
    "ResourceError",
    "Result",
    "Settings",
    "UsageError",
    "__version__",
    "compare",
    "merge",
    "profile",
]
