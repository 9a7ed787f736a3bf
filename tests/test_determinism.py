"""Determinism (issue 6): the same inputs and options give byte-identical JSON apart from the
one documented timestamp, ``generated_at`` — across repeated runs, worker-thread counts,
concurrent calls and Python hash seeds — and the JSON keys come in a stable order.

The one place that samples is chisquare's Monte Carlo p-value on sparse tables, and it draws
from ``--seed`` (default 0); :func:`test_sampling_only_from_the_seed` keeps it that way.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from contract import COLUMN_KEYS
from driftcli import compare
from driftcli.render import json as json_view

ROOT = Path(__file__).resolve().parents[1]
STAMP = re.compile(r'"generated_at": "[^"]*"')
TOP_ORDER = [
    "schema_version",
    "driftcli_version",
    "generated_at",
    "reference",
    "current",
    "verdict",
    "dataset_drift",
    "columns",
    "schema_changes",
    "performance",
    "target_drift",
    "prediction_drift",
    "multivariate",
    "missing",
    "quality",
    "segments",
    "settings",
    "delivery",
]


def _frame(seed: int, shift: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 1500  # above the small-sample limit for some columns, mixing test choices
    labels = np.array([f"cat_{i:02d}" for i in range(30)])
    return pd.DataFrame(
        {
            "normal": rng.normal(shift, 1, n),
            "heavy": rng.standard_t(2, n) * 1e6,
            "count": rng.poisson(3 + shift, n),
            "small_int": rng.integers(0, 4, n),
            # ties in category counts: the order must not depend on hashing or threads
            "tied": np.repeat(np.array(["b", "a", "d", "c"]), n // 4)[rng.permutation(n)],
            "label": rng.choice(labels, n),
            "flag": rng.random(n) < 0.3 + shift / 10,
            "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 10**7, n), "s"),
            "user": [f"u{v}" for v in rng.permutation(n)],
            "sparse": np.where(rng.random(n) < 0.7, np.nan, rng.normal(size=n)),
            "emoji 🚀": rng.choice(["🙂", "🙃", "<b>"], n),
        }
    )


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    d = tmp_path_factory.mktemp("determinism")
    ref, cur = _frame(1, 0.0), _frame(2, 0.3)
    cur = cur.drop(columns=["small_int"]).assign(
        extra=1.0, count=cur["count"].astype(str) + "x"
    )  # a missing, a new and a type-changed column too
    ref.to_parquet(d / "ref.parquet", index=False)
    cur.to_parquet(d / "cur.parquet", index=False)
    ref.to_csv(d / "ref.csv", index=False)
    return d / "ref.parquet", d / "cur.parquet", d / "ref.csv"


def _unstamped(text: str) -> str:
    assert len(STAMP.findall(text)) == 1
    return STAMP.sub('"generated_at": "-"', text)


def test_repeated_cli_runs_are_byte_identical(cli, tmp_path, inputs):
    ref, cur, _ = inputs
    texts = []
    for i in range(3):
        out = tmp_path / f"run{i}.json"
        run = cli("compare", ref, cur, "--json", out, "--fail-on", "never")
        assert run.code == 0, run.err
        texts.append(out.read_bytes().decode("utf-8"))
    stdout = cli("compare", ref, cur, "--json", "-", "--fail-on", "never").out
    texts.append(stdout)
    assert len({_unstamped(t) for t in texts}) == 1


def test_csv_input_is_deterministic_too(cli, tmp_path, inputs):
    _, cur, ref_csv = inputs
    a = cli("compare", ref_csv, cur, "--json", "-", "--stattest", "psi").out
    b = cli("compare", ref_csv, cur, "--json", "-", "--stattest", "psi").out
    assert _unstamped(a) == _unstamped(b)


def test_worker_count_changes_nothing(inputs, monkeypatch):
    ref, cur, _ = inputs
    texts = []
    for cpus in (1, 2, 16):
        monkeypatch.setattr(os, "cpu_count", lambda cpus=cpus: cpus)
        texts.append(_unstamped(json_view.dumps(compare(ref, cur))))
    assert len(set(texts)) == 1


def test_concurrent_calls_agree(inputs):
    ref, cur, _ = inputs
    with ThreadPoolExecutor(max_workers=4) as pool:
        texts = list(pool.map(lambda _: json_view.dumps(compare(ref, cur)), range(4)))
    assert len({_unstamped(t) for t in texts}) == 1


def test_hash_seed_changes_nothing(inputs):
    """Separate processes with different PYTHONHASHSEED (set iteration order) agree."""
    ref, cur, _ = inputs
    outs = []
    for seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "NO_COLOR": "1"}
        proc = subprocess.run(
            [sys.executable, "-m", "driftcli", "compare", str(ref), str(cur), "--json", "-"],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=120,
        )
        assert proc.returncode in (0, 1), proc.stderr
        outs.append(_unstamped(proc.stdout))
    assert outs[0] == outs[1]


def test_keys_are_stable_and_ordered(inputs):
    ref, cur, _ = inputs
    data = json.loads(json_view.dumps(compare(ref, cur)))
    assert list(data) == TOP_ORDER
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data["generated_at"])
    assert list(data["verdict"]) == ["passed", "exit_code", "reasons"]
    assert list(data["dataset_drift"]) == [
        "detected",
        "drifted_columns",
        "total_columns",
        "share",
        "threshold",
    ]
    assert list(data["schema_changes"]) == ["missing_in_current", "new_in_current", "type_changed"]
    # every column carries the same keys in the same order, tested or skipped
    orders = {tuple(c) for c in data["columns"]}
    assert len(orders) == 1
    assert tuple(orders.pop())[: len(COLUMN_KEYS)] == COLUMN_KEYS
    # columns keep the reference's order; the table sorts, the JSON does not
    ref_names = list(pd.read_parquet(ref).columns)
    assert [c["name"] for c in data["columns"]] == [
        n for n in ref_names if n in {c["name"] for c in data["columns"]}
    ]
    labels = data["columns"][[c["name"] for c in data["columns"]].index("tied")]
    assert labels["categories"]["labels"] == sorted(labels["categories"]["labels"])


def test_sampling_only_from_the_seed():
    """Random numbers are drawn only from a generator seeded with ``--seed`` (issue 6)."""
    pattern = re.compile(r"np\.random|numpy\.random|default_rng|^\s*import random|\.sample\(")
    offenders = []
    for path in sorted((ROOT / "src" / "driftcli").rglob("*.py")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            comment = line.lstrip().startswith(("#", ">>>"))
            seeded = "default_rng(pair.seed)" in line or "default_rng(seed)" in line
            if pattern.search(line) and not comment and not seeded:
                offenders.append(f"{path.relative_to(ROOT)}:{lineno}: {line.strip()}")
    assert offenders == [], "unseeded sampling found:\n" + "\n".join(offenders)


def test_seed_makes_monte_carlo_p_values_repeatable(cli, tmp_path):
    """Sparse categories get a Monte Carlo p-value: the same seed gives the same bytes."""
    rng = np.random.default_rng(7)
    shares = rng.dirichlet(np.full(20, 0.5))
    labels = [f"c{i}" for i in range(20)]
    ref = pd.DataFrame({"cat": rng.choice(labels, 400, p=shares)})
    cur = pd.DataFrame({"cat": rng.choice(labels, 120, p=shares)})
    ref.to_parquet(tmp_path / "ref.parquet")
    cur.to_parquet(tmp_path / "cur.parquet")

    def p_value(*extra: str) -> tuple[float, str]:
        run = cli(
            "compare", tmp_path / "ref.parquet", tmp_path / "cur.parquet", "--json", "-", *extra
        )
        data = json.loads(run.out)
        return data["columns"][0]["p_value"], json.dumps(_strip(data))

    first, again = p_value(), p_value("--seed", "0")
    assert first == again
    other = [p_value("--seed", str(s))[0] for s in (1, 2, 3)]
    assert len({first[0], *other}) > 1  # it is a simulation, and the seed drives it
    assert all(abs(p - first[0]) < 0.05 for p in other)  # ... of the same p-value


def _strip(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "generated_at"}


def test_library_to_dict_is_stable(inputs):
    ref, cur, _ = inputs
    a, b = compare(ref, cur).to_dict(), compare(ref, cur).to_dict()
    assert _strip(a) == _strip(b)
