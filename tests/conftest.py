"""Shared fixtures: the example data, an in-process CLI runner, hypothesis profiles."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from driftcli.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def in_ci() -> bool:
    """True on a CI runner (``CI=true``, as GitHub Actions, GitLab and ``.ci/run`` set it)."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


# CI explores a fixed set of 200 examples per property (derandomized), so a landing run is
# never decided by a new random draw; development runs explore fresh examples every time.
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if in_ci() else "dev")

#: Markers of tests that a default local run leaves out (CI and ``--runslow`` run them).
SLOW_MARKERS = ("slow", "browser")


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--runslow``: also run the slow (calibration, browser, example-install) tests."""
    parser.addoption(
        "--runslow",
        action="store_true",
        default=False,
        help="run tests marked slow or browser too (always on when CI=true)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect slow tests in a local run, so ``pytest`` takes seconds, not minutes.

    They run when ``CI=true``, with ``--runslow``, or when ``-m`` selects by marker itself.
    """
    if in_ci() or config.getoption("--runslow") or config.getoption("markexpr", ""):
        return
    keep: list[pytest.Item] = []
    slow: list[pytest.Item] = []
    for item in items:
        marked = any(item.get_closest_marker(m) for m in SLOW_MARKERS)
        (slow if marked else keep).append(item)
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = keep


@dataclass
class Run:
    """Outcome of one CLI invocation."""

    code: int
    out: str
    err: str


@pytest.fixture
def examples() -> Path:
    """The folder of shipped example data."""
    return EXAMPLES


@pytest.fixture
def weekly_timeline() -> list[str]:
    """``driftcli timeline`` of the example prediction log, week by week."""
    log = f"sqlite:///{EXAMPLES / 'predictions.db'}"
    return ["timeline", log, "--table", "predictions", "--time-column", "ts", "--every", "1w"]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run ``driftcli ARGS...`` in-process; returns a :class:`Run`."""

    def run(*args: str) -> Run:
        capsys.readouterr()
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        cap = capsys.readouterr()
        return Run(code, cap.out, cap.err)

    return run
