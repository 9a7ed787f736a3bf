"""Gating on persistence (``--fail-on persisted``) and alerting on change (``--notify changes``).

Both read the earlier runs of the same monitor. Runs that could not run (exit code 2) carry
no verdict and no drift, so they are skipped: they neither break nor extend a streak, and
they are not "the previous verdict".
"""

from __future__ import annotations

from dataclasses import replace

from driftcli.gate import EXIT_BREACHED
from driftcli.history.store import History, Run
from driftcli.result import Result, Verdict

#: Consecutive drifted runs (this one included) that ``persisted`` needs by default.
DEFAULT_PERSIST = 3


def _earlier(hist: History, monitor: str, count: int) -> list[Run]:
    """The last ``count`` runs of ``monitor`` that ran, newest last."""
    if count <= 0:
        return []
    runs = [r for r in hist.runs(monitor, last=count * 4 + 20) if r.ran]
    return runs[-count:]


def persisted(result: Result, earlier: list[Run], n: int) -> list[str]:
    """Breach messages: the dataset or columns drifted in this run and the ``n - 1`` before."""
    need = n - 1
    if len(earlier) < need:
        return []
    window = earlier[len(earlier) - need :] if need else []
    out = []
    if result.dataset_drift.detected and all(r.dataset_drift for r in window):
        out.append(f"dataset drift persisted: detected in {n} consecutive runs")
    cols = [
        c.name
        for c in result.columns
        if c.drift and all(r.columns.get(c.name, {}).get("drift") for r in window)
    ]
    if cols:
        shown = ", ".join(repr(c) for c in cols[:5]) + (
            f" (+{len(cols) - 5} more)" if len(cols) > 5 else ""
        )
        out.append(f"drift persisted in {n} consecutive runs: {shown}")
    return out


def streaks(result: Result, earlier: list[Run]) -> dict[str, int]:
    """Per drifted column of this run: how many consecutive runs (this one included) drifted."""
    out = {}
    for c in result.columns:
        if not c.drift:
            continue
        k = 1
        for r in reversed(earlier):
            if not r.columns.get(c.name, {}).get("drift"):
                break
            k += 1
        out[c.name] = k
    return out


def apply_persistence(result: Result, hist: History, monitor: str, n: int) -> Result:
    """``result`` with its verdict re-decided for ``persisted`` against the monitor's last
    runs in ``hist`` (see :func:`gate_persisted`)."""
    return gate_persisted(result, _earlier(hist, monitor, n - 1), n)


def gate_persisted(result: Result, earlier: list[Run], n: int) -> Result:
    """``result`` with its verdict re-decided for ``persisted``, given the runs before it
    that ran (oldest first; only the last ``n - 1`` count).

    ``persisted`` is one more condition of ``--fail-on``: the run breaches when any listed
    condition breaches (``schema`` at once, ``persisted`` only after ``n`` drifted runs).
    While drift has not persisted, the verdict's reasons say how far each streak is.
    """
    earlier = [r for r in earlier if r.ran][-(n - 1) :] if n > 1 else []
    breaches = persisted(result, earlier, n)
    verdict = result.verdict
    if breaches:
        if verdict.passed:
            verdict = Verdict(passed=False, exit_code=EXIT_BREACHED, reasons=breaches)
        else:
            verdict = replace(verdict, reasons=[*verdict.reasons, *breaches])
    # the streaks still short of n, beside any that reached it
    short = [(name, k) for name, k in streaks(result, earlier).items() if k < n]
    if short:
        shown = ", ".join(f"{name!r} {k}/{n}" for name, k in short[:5])
        note = f"persisted: drift not yet in {n} consecutive runs ({shown})"
        verdict = replace(verdict, reasons=[*verdict.reasons, note])
    return replace(result, verdict=verdict)


def previous_verdict(hist: History, monitor: str) -> str | None:
    """``passed`` or ``breached``: the verdict of the monitor's last run that ran, if any."""
    earlier = [r for r in hist.runs(monitor, last=50, details=False) if r.ran]
    return earlier[-1].verdict if earlier else None


def verdict_changed(result: Result, previous: str | None) -> bool:
    """Whether ``result``'s verdict differs from ``previous``.

    A monitor's first run counts as a change only when it breaches: the first pass is
    not news, the first breach is.
    """
    now = "passed" if result.verdict.passed else "breached"
    if previous is None:
        return now == "breached"
    return now != previous
