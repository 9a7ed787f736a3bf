"""Registry of stat tests. Adding a test is adding one module here that uses :func:`register`."""

from __future__ import annotations

import importlib
import pkgutil
from typing import TypeVar

from driftcli.errors import UsageError
from driftcli.stattests.base import ColumnPair, Kind, Outcome, Output, StatTest

__all__ = ["REGISTRY", "ColumnPair", "Kind", "Outcome", "Output", "StatTest", "get", "register"]

REGISTRY: dict[str, StatTest] = {}

T = TypeVar("T", bound=type[StatTest])


def register(cls: T) -> T:
    """Class decorator: add one instance of the test to :data:`REGISTRY` under its name."""
    existing = REGISTRY.get(cls.name)
    if existing is not None and type(existing).__qualname__ != cls.__qualname__:
        raise RuntimeError(f"stat test name {cls.name!r} is taken by {type(existing).__qualname__}")
    REGISTRY[cls.name] = cls()
    return cls


def get(name: str) -> StatTest:
    """The registered test called ``name``; a :class:`UsageError` listing the choices if none."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise UsageError(
            f"unknown stat test {name!r}; choose one of: {', '.join(sorted(REGISTRY))}"
        ) from None


def _load_all() -> None:
    for mod in pkgutil.iter_modules(__path__):
        if mod.name != "base":
            importlib.import_module(f"{__name__}.{mod.name}")


_load_all()
