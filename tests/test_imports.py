"""The fixed cost of a run (issue 16): a plain compare imports only what it uses.

Notification, JUnit XML, SQL sources, the run history, time windows, model quality and
pyarrow.compute are imported where an option or a rarer type needs them; each test runs the
command line in a fresh interpreter and lists what it imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

#: Modules a plain Parquet compare must not import, with what they cost or stand for.
NOT_IMPORTED = (
    "pandas",  # pyarrow's numpy bridge: 0.2 s
    "pyarrow.compute",  # ~80 ms with pydoc's docstring scraping
    "numpy.ma",  # np.unique's first call: 30 ms
    "smtplib",  # --notify-email
    "urllib.request",  # --notify-webhook
    "xml.etree.ElementTree",  # --junit
    "sqlite3",  # --history, sqlite:/// inputs
    "pydantic",  # typer >= 0.29 (pinned below it)
    "scipy.spatial",
    "driftcli.notify",
    "driftcli.history.store",
    "driftcli.windows",
    "driftcli.model.evaluate",
    "driftcli.analysis.multivariate",
)

RUN = """
import json, sys
from driftcli._entry import main
sys.argv = ["driftcli", "compare", *sys.argv[1:]]
try:
    main()
except SystemExit as e:
    code = e.code
print("\\n" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _write_sides(folder: Path) -> list[str]:
    """Two Parquet files with every common type: numbers of each width (with nulls), a
    boolean, text (with nulls) and dictionary-encoded text, in several row groups."""
    rng = np.random.default_rng(16)
    paths = []
    for side, shift in (("ref", 0.0), ("cur", 0.4)):
        n = 3000
        words = np.array(["red", "green", "blue", "é", ""])[rng.integers(0, 5, n)]
        text = pa.array([None if i % 9 == 0 else w for i, w in enumerate(words)], pa.string())
        nulls = rng.integers(0, 7, n) == 0
        table = pa.table(
            {
                "f64": rng.normal(shift, 1, n),
                "f32": pa.array(rng.normal(shift, 1, n).astype(np.float32)),
                "i32": pa.array(rng.integers(0, 6, n).astype(np.int32)),
                "i64": pa.array(rng.integers(-(10**12), 10**12, n), mask=nulls),
                "u8": pa.array(rng.integers(0, 200, n).astype(np.uint8)),
                "flag": pa.array(rng.random(n) < 0.3 + shift / 4),
                "text": text,
                "dict": text.dictionary_encode(),
            }
        )
        path = folder / f"{side}.parquet"
        pq.write_table(table, path, row_group_size=700)
        paths.append(str(path))
    return paths


def _compare(tmp_path: Path, *args: str) -> tuple[int, set[str], str]:
    out = subprocess.run(
        [sys.executable, "-c", RUN, *_write_sides(tmp_path), *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,  # no config file found above it
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    return report["code"], set(report["modules"]), out.stdout


def test_plain_parquet_compare_imports_only_what_it_uses(tmp_path: Path) -> None:
    code, modules, shown = _compare(tmp_path, "--json", str(tmp_path / "result.json"))
    assert code in (0, 1), shown
    assert "f64" in shown  # the table was printed
    assert sorted(m for m in NOT_IMPORTED if m in modules) == []
    result = json.loads((tmp_path / "result.json").read_text())
    tested = {c["name"]: c for c in result["columns"] if c["test"]}
    assert set(tested) == {"f64", "f32", "i32", "i64", "u8", "flag", "text", "dict"}
    assert tested["text"]["current"]["top"] == tested["dict"]["current"]["top"]


def test_the_options_that_need_them_still_import_them(tmp_path: Path) -> None:
    """The lazy imports are reached: --junit writes its XML, a history is recorded."""
    junit, history = tmp_path / "out.xml", tmp_path / "runs.sqlite"
    code, modules, shown = _compare(
        tmp_path, "-q", "--junit", str(junit), "--history", str(history)
    )
    assert code in (0, 1), shown
    assert {"xml.etree.ElementTree", "sqlite3", "driftcli.history.store"} <= modules
    assert junit.read_text().startswith("<?xml") and history.stat().st_size > 0
