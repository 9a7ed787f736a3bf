"""The HTML report: contents, escaping, size, atomic writes, packaging, and a real browser."""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from driftcli import DriftcliError, compare
from driftcli.render import html as html_view
from driftcli.result import Result

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Set to a path (e.g. docs/report.png) to also save the README screenshot from the browser test.
DOCS_SCREENSHOT_ENV = "DRIFTCLI_DOCS_SCREENSHOT"
MAX_EXAMPLE_BYTES = 2_500_000

# Hostile names and values: markup, quotes, entities, emoji, right-to-left text.
HOSTILE_NAMES = [
    "<script>window.__pwned=1</script>",
    "</script><script>window.__pwned=2</script>",
    '<img src=x onerror="window.__pwned=3">',
    "\"double\" 'single' `back`",
    "a & b &amp; c",
    "emoji 🚀📉",
    "עברית שלום",
    "<b>bold</b>\u2028sep",
]
HOSTILE_VALUES = [
    "<script>window.__pwned=4</script>",
    "<img src=x onerror=window.__pwned=5>",
    '<a href="javascript:window.__pwned=6">click</a>',
    "&lt;entity&gt; & amp",
    "\"quoted\" 'value'",
    "🚀 rocket",
    "مرحبا",
    "<b>bold</b>",
]


# --------------------------------------------------------------------------- helpers


@dataclass
class PageReport:
    """What the browser saw when it opened a report."""

    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    charts_state: str | None = None
    charts_drawn: int = 0
    plots: int = 0
    panels: dict[str, int] = field(default_factory=dict)
    text: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def open_in_browser(
    html: Path,
    screenshot: Path,
    *,
    full_page: bool = True,
    height: int = 900,
    probe: str | None = None,
) -> PageReport:
    """Open ``html`` from file:// in headless Debian Chromium with every other request blocked.

    Waits for the load event only (charts are drawn while the page loads, so a plain
    ``chromium --headless --screenshot`` shows them), collects console errors, the rendered
    plot count per column panel and the page text, and saves a screenshot. ``probe``
    is a JS function evaluated after the screenshot (its value lands in ``extra["probe"]``).
    """
    from playwright.sync_api import sync_playwright

    out = PageReport()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": height})

            def on_console(msg: Any) -> None:
                if msg.type in ("error", "assert"):
                    out.errors.append(f"console.{msg.type}: {msg.text}")

            def route(r: Any) -> None:
                if r.request.url.startswith("file://"):
                    r.continue_()
                else:
                    out.blocked.append(r.request.url)
                    r.abort()

            page.on("console", on_console)
            page.on("pageerror", lambda exc: out.errors.append(f"pageerror: {exc}"))
            page.route("**/*", route)
            # no waiting beyond the load event: a screenshot taken then must show the charts
            page.goto(html.resolve().as_uri(), wait_until="load")
            root = "document.documentElement"
            out.charts_state = page.evaluate(f"{root}.getAttribute('data-charts')")
            out.charts_drawn = int(page.evaluate(f"{root}.getAttribute('data-charts-drawn')") or 0)
            out.plots = page.locator(".js-plotly-plot").count()
            out.panels = page.evaluate(
                """() => Object.fromEntries(
                    [...document.querySelectorAll('#details article.panel')].map(
                        p => [p.dataset.column, p.querySelectorAll('.js-plotly-plot').length]))"""
            )
            out.text = page.inner_text("body")
            page.screenshot(path=str(screenshot), full_page=full_page)
            if probe:
                out.extra["probe"] = page.evaluate(probe)
        finally:
            browser.close()
    return out


def needs_chromium() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):  # CI installs it: a skip there would hide a missing check
            pytest.fail(f"{CHROMIUM} is absent in CI; .ci/run should have installed it")
        pytest.skip(f"{CHROMIUM} is absent (CI installs Debian's chromium package)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def hostile_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reference and current frames whose names and categories try to break out of the page."""
    rng = np.random.default_rng(7)
    n = 400
    ref: dict[str, Any] = {}
    cur: dict[str, Any] = {}
    for i, name in enumerate(HOSTILE_NAMES):
        if i % 2 == 0:
            ref[name] = rng.normal(0, 1, n)
            cur[name] = rng.normal(0.8 if i == 0 else 0, 1, n)
        else:
            ref[name] = rng.choice(HOSTILE_VALUES[:6], n)
            cur[name] = rng.choice(HOSTILE_VALUES[2:], n)  # two lost, two new categories
    return pd.DataFrame(ref), pd.DataFrame(cur)


def example_result(monkeypatch: pytest.MonkeyPatch) -> Result:
    monkeypatch.chdir(ROOT)  # relative paths in the header, as a user would type them
    return compare("examples/reference.parquet", "examples/current.parquet")


# --------------------------------------------------------------------------- contents


def test_compare_html_and_report_from_json_are_identical(cli, examples, tmp_path):
    json_path, html_a, html_b = tmp_path / "r.json", tmp_path / "a.html", tmp_path / "b.html"
    run = cli(
        "compare",
        examples / "reference.parquet",
        examples / "current.parquet",
        "--json",
        json_path,
        "--html",
        html_a,
        "-q",
    )
    assert run.code == 1, run.err
    run = cli("report", json_path, "--html", html_b)
    assert run.code == 0, run.err
    assert html_a.read_bytes() == html_b.read_bytes()


def test_report_contents(monkeypatch):
    result = example_result(monkeypatch)
    page = html_view.render(result)
    for text in (
        "BREACHED",
        "dataset drift: 4 of 8 tested columns drifted (50% &gt;= 50%)",
        "examples/reference.parquet",
        "examples/current.parquet",
        "2,000 rows × 10 columns",
        f"driftcli {result.driftcli_version}",
        result.generated_at,
        "Dataset drift",
        "Schema changes",
        "settings: stattest auto · threshold auto · drift share 0.5",
        'id="filter"',
        "new in current",  # region gained the APAC category
        "APAC",
    ):
        assert text in page, text
    for col in result.columns:
        assert f'data-column="{col.name}"' in page or not col.tested
        assert f">{col.name}<" in page
    # drifted columns come first in the table
    names = re.findall(r'<td data-v="([^"]*)" class="colname">', page)
    assert set(names[:4]) == {"income", "session_length", "device", "region"}


def test_self_contained_and_offline(monkeypatch):
    page = html_view.render(example_result(monkeypatch))
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "@import" not in page and "url(http" not in page
    # plotly.js is embedded exactly once, gzip + base64, and decodes to the installed copy
    blobs = re.findall(r'<script type="application/octet-stream" id="driftcli-plotly">(.*?)<', page)
    assert len(blobs) == 1
    from plotly.offline import get_plotlyjs

    assert gzip.decompress(base64.b64decode(blobs[0])).decode() == get_plotlyjs()


def test_example_report_size(monkeypatch, tmp_path):
    out = tmp_path / "report.html"
    html_view.write(example_result(monkeypatch), out)
    assert out.stat().st_size < MAX_EXAMPLE_BYTES


def test_size_does_not_grow_with_rows(tmp_path):
    """Same columns at 2,000 and 50,000 rows: only bin counts change, not the payload."""
    sizes = []
    for n in (2_000, 50_000):
        rng = np.random.default_rng(1)
        ref = pd.DataFrame({f"x{i}": rng.normal(0, 1, n) for i in range(5)})
        ref["c"] = rng.choice(list("abcdefgh"), n)
        cur = ref.copy()
        cur["x0"] += 0.5
        sizes.append(len(html_view.render(compare(ref, cur)).encode()))
    assert abs(sizes[1] - sizes[0]) / sizes[0] < 0.10


def test_hostile_names_and_values_are_escaped():
    ref, cur = hostile_frames()
    page = html_view.render(compare(ref, cur, fail_on=["column"]))
    # only our own script elements: the chart data, plotly, the page code
    assert page.count("<script") == 3
    assert page.count("</script>") == 3
    assert "<img" not in page and '<a href="javascript' not in page and "<b>bold" not in page
    for raw in HOSTILE_NAMES + HOSTILE_VALUES:
        assert raw not in page or not re.search(r"[<>]", raw), raw
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "&lt;/script&gt;&lt;script&gt;window.__pwned=2&lt;/script&gt;" in page
    assert "a &amp; b &amp;amp; c" in page
    assert "emoji 🚀📉" in page and "עברית שלום" in page and "مرحبا" in page
    # chart data is JSON escaped for a script context
    data = re.search(r'id="driftcli-charts">(.*?)</script>', page, re.S)
    assert data is not None
    assert "<" not in data.group(1) and ">" not in data.group(1) and "\u2028" not in data.group(1)
    labels = json.loads(data.group(1))["charts"]
    assert any("<script>window.__pwned=4</script>" in c.get("labels", []) for c in labels)


def model_sections(result: Result) -> Result:
    """The example result with model-quality sections shaped like the performance module's."""
    data = result.to_dict()
    pred = next(c for c in data["columns"] if c["name"] == "device")
    hist = {
        "edges": [-1.0, -0.5, 0.0, 0.5, 1.0],
        "reference": [1, 5, 6, 2],
        "current": [3, 4, 4, 5],
    }
    data["performance"] = {
        "task": "classification",
        "skipped_reason": None,
        "metrics": [
            {
                "name": "accuracy",
                "reference": 0.91,
                "current": 0.76,
                "change": -0.15,
                "relative_change": -0.165,
                "threshold": 0.8645,
                "breached": True,
            },
            {
                "name": "f1",
                "reference": 0.88,
                "current": 0.86,
                "change": -0.02,
                "relative_change": -0.023,
                "threshold": 0.836,
                "breached": False,
            },
        ],
        "confusion_matrix": {
            "labels": ["no", "<yes>"],
            "reference": [[50, 5], [4, 41]],
            "current": [[40, 15], [9, 36]],
        },
        "residuals": hist,
        "breaches": ["accuracy dropped from 0.91 to 0.76 (-16.5%, max drop 5%)"],
    }
    data["target_drift"] = {"columns": [], "breaches": [], "skipped_reason": "no target"}
    data["prediction_drift"] = {
        "columns": [{**pred, "name": "prediction"}],
        "breaches": [],
        "confidence": {"reference": {"mean": 0.8}, "current": {"mean": 0.7}, "histogram": hist},
    }
    return Result.from_dict(data)


def test_generic_model_sections(monkeypatch):
    """Performance / target / prediction drift render whatever shape they carry."""
    page = html_view.render(model_sections(example_result(monkeypatch)))
    assert "Model performance" in page and "Prediction drift" in page
    assert "accuracy" in page and "0.91" in page and "0.76" in page
    assert 'class="confusion"' in page  # confusion matrices side by side
    assert page.count('class="chart chart-extra"') == 2  # residual + confidence histograms
    assert 'data-column="prediction"' in page  # a column-like entry becomes a panel


def test_many_columns_are_capped(tmp_path):
    rng = np.random.default_rng(3)
    n, k = 300, 400
    ref = pd.DataFrame({f"col_{i:04d}": rng.normal(0, 1, n) for i in range(k)})
    cur = ref + rng.normal(0, 0.01, (n, k))
    result = compare(ref, cur)
    started = time.perf_counter()
    out = tmp_path / "wide.html"
    html_view.write(result, out)
    elapsed = time.perf_counter() - started
    page = out.read_text()
    assert page.count('<article class="panel') == html_view.MAX_PANELS
    assert f"+{k - html_view.MAX_PANELS} more tested columns" in page
    assert page.count('class="colname"') >= k + 1  # every column stays in the table
    hidden_rows = re.findall(r"<tr [^>]* hidden>", page)
    assert len(hidden_rows) == k - html_view.TABLE_ROWS  # laid out on "show all"
    assert elapsed < 10


# --------------------------------------------------------------------------- errors, atomicity


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "result file not found"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"columns": []}', "no valid schema_version"),
        ('{"schema_version": 2, "columns": []}', "missing key"),
        ('{"schema_version": "2", "columns": []}', "no valid schema_version"),
        ('{"schema_version": 99, "columns": []}', "newer than this driftcli reads"),
        (
            '{"schema_version": 2, "reference": 3, "current": {}, "columns": [],'
            ' "dataset_drift": {}}',
            "not a driftcli",
        ),
    ],
)
def test_report_bad_json_is_one_line_exit_2(cli, tmp_path, content, message):
    src = tmp_path / "result.json"
    if content is not None:
        src.write_text(content)
    out = tmp_path / "report.html"
    run = cli("report", src, "--html", out)
    assert run.code == 2
    assert run.err.count("\n") == 1 and message in run.err, run.err
    assert "Traceback" not in run.err
    assert not out.exists()


def test_failed_render_leaves_no_file(monkeypatch, tmp_path):
    result = compare(ROOT / "examples" / "reference.parquet", ROOT / "examples" / "current.parquet")
    out = tmp_path / "report.html"

    def boom(self: Any, *a: Any, **k: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(html_view.Path, "read_text", boom)  # the assets cannot be read
    with pytest.raises(RuntimeError):
        html_view.write(result, out)
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []
    # a write error is a one-line DriftcliError (exit 2), and leaves nothing either
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(DriftcliError, match="cannot write"):
        html_view.write(result, blocker / "report.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_unwritable_html_path_exit_2(cli, examples, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    run = cli(
        "compare",
        examples / "reference.parquet",
        examples / "current.parquet",
        "--html",
        blocker / "r.html",
        "-q",
    )
    assert run.code == 2 and run.err.count("\n") == 1 and "cannot write" in run.err


# --------------------------------------------------------------------------- packaging


@pytest.mark.slow
def test_templates_ship_in_a_non_editable_install(tmp_path, examples):
    """Build the wheel, install it into a private folder and run it from another directory.

    ``pip install --target`` plus ``PYTHONPATH`` instead of a venv: a venv made from inside a
    CI venv would not see the CI venv's dependencies, while this reuses them and still puts
    the installed copy of driftcli first on ``sys.path``.
    """
    started = time.monotonic()
    wheels, site, work = tmp_path / "wheels", tmp_path / "site", tmp_path / "elsewhere"
    work.mkdir()
    build = [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(wheels)]
    try:
        import hatchling  # noqa: F401

        build.append("--no-build-isolation")
    except ImportError:
        pass
    subprocess.run(build, check=True, timeout=120, cwd=tmp_path)
    (wheel,) = wheels.glob("driftcli-*.whl")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), wheel],
        check=True,
        timeout=60,
    )
    assert (site / "driftcli" / "templates" / "report.html.j2").is_file()
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import driftcli.render.html as h; print(h.__file__); print(h.templates_dir())",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split("\n")
    assert where[0].startswith(str(site)) and where[1].startswith(str(site)), where
    shutil.copy(examples / "reference.parquet", work / "ref.parquet")
    shutil.copy(examples / "current.parquet", work / "cur.parquet")
    argv = ["compare", "ref.parquet", "cur.parquet", "--html", "out/report.html", "-q"]
    run = subprocess.run(
        [sys.executable, "-m", "driftcli", *argv],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1, run.stderr
    page = (work / "out" / "report.html").read_text()
    assert 'id="driftcli-plotly"' in page and "BREACHED" in page
    assert time.monotonic() - started < 90


# --------------------------------------------------------------------------- real browser


TABLE_PROBE = """() => {
    const rows = () => [...document.querySelectorAll('#summary tbody tr:not([hidden])')]
        .map(r => r.cells[0].textContent.trim());
    document.querySelector('#summary th[data-key=name]').click();
    const sorted = rows().filter(n => !['customer_id', 'signup_date'].includes(n));
    const box = document.getElementById('filter');
    box.value = 'SESS';
    box.dispatchEvent(new Event('input'));
    return {first: sorted[0], last: sorted[sorted.length - 1], visible: rows()};
}"""


@pytest.mark.browser
def test_example_report_in_headless_chromium(monkeypatch, tmp_path):
    needs_chromium()
    result = example_result(monkeypatch)
    report = tmp_path / "report.html"
    html_view.write(result, report)
    shot = tmp_path / "report.png"
    seen = open_in_browser(report, shot, probe=TABLE_PROBE)
    assert seen.errors == []
    assert seen.blocked == []
    assert seen.charts_state == "done"
    tested = {c.name for c in result.columns if c.tested}
    assert seen.panels == dict.fromkeys(tested, 1)  # one rendered chart per tested column
    assert seen.charts_drawn == seen.plots == len(tested)
    assert "BREACHED" in seen.text
    assert "dataset drift: 4 of 8 tested columns drifted (50% >= 50%)" in seen.text
    assert shot.stat().st_size > 10_000
    # the table sorts on a header click and filters on typing
    assert seen.extra["probe"] == {
        "first": "age",
        "last": "session_length",
        "visible": ["session_length"],
    }
    docs = os.environ.get(DOCS_SCREENSHOT_ENV)
    if docs:  # the README screenshot: same code path, top of the page at a readable height
        open_in_browser(report, Path(docs), full_page=False, height=1720)


@pytest.mark.browser
def test_hostile_report_runs_nothing_in_chromium(tmp_path):
    needs_chromium()
    ref, cur = hostile_frames()
    result = compare(ref, cur, fail_on=["column"])
    report = tmp_path / "hostile.html"
    html_view.write(result, report)
    probe = """() => ({
        pwned: window.__pwned === undefined ? null : window.__pwned,
        scripts: document.scripts.length,
        imgs: document.images.length,
        links: document.querySelectorAll('a[href^="javascript"]').length,
        svgText: [...document.querySelectorAll('.js-plotly-plot .xtick text')]
            .map(t => t.textContent).join('|'),
    })"""
    seen = open_in_browser(report, tmp_path / "hostile.png", probe=probe)
    got = seen.extra["probe"]
    assert seen.errors == [] and seen.charts_state == "done"
    assert got["pwned"] is None
    assert got["scripts"] == 4  # data, plotly blob, page code, decompressed plotly
    assert got["imgs"] == 0 and got["links"] == 0
    assert "<script>window." in got["svgText"]  # shown as text (labels are truncated)
    assert "<b>bold</b>" in got["svgText"] and "<img src=x " in got["svgText"]
    for name in HOSTILE_NAMES:
        assert name.replace("\u2028", "") in seen.text.replace("\u2028", "")
    assert seen.panels and all(v == 1 for v in seen.panels.values())


# --------------------------------------------------------------------------- model summary


def churn_result() -> Result:
    return compare(
        ROOT / "examples" / "churn_reference.parquet",
        ROOT / "examples" / "churn_current.parquet",
        target="churned",
        prediction="predicted_churn",
        proba=["churn_proba"],
    )


def test_model_quality_summary_leads_with_changes_as_percentages():
    result = churn_result()
    page = html_view.render(result)
    order = [page.index(f'id="{i}"') for i in ("verdict", "model-summary", "dataset-drift")]
    assert order == sorted(order)  # verdict, then model quality, then feature drift
    summary = page[page.index('id="model-summary"') : page.index('id="dataset-drift"')]
    assert "6 metrics breached" in summary
    for metric in result.performance["metrics"]:
        rel = metric["relative_change"]
        assert f"{rel * 100:+.1f}%" in summary, metric["name"]  # e.g. -16.5%, +493.2%
    assert "≥ 0.8688" in summary and "≤ 0.2085" in summary  # the side current must stay on
    assert "churned" in summary and "predicted_churn" in summary


def test_model_sections_are_typed_not_key_value_dumps():
    page = html_view.render(churn_result())
    model = page[page.index('id="performance"') : page.index('id="settings"')]
    assert '<dl class="kv' not in model
    assert "Confusion matrices" in model and "1,339" in model  # reference true negatives
    assert "mean top-class probability" in model and "0.9157" in model
    assert 'data-column="predicted_churn"' in model and 'data-column="churn_proba"' in model


def test_skipped_performance_shows_the_reason_and_reference_metrics(tmp_path):
    ref = pd.read_parquet(ROOT / "examples" / "churn_reference.parquet")
    cur = pd.read_parquet(ROOT / "examples" / "churn_current.parquet").drop(columns="churned")
    result = compare(ref, cur, target="churned", prediction="predicted_churn")
    page = html_view.render(result)
    summary = page[page.index('id="model-summary"') : page.index('id="dataset-drift"')]
    assert "not checked" in summary and "labels not available yet" in summary
    assert "accuracy" in summary


# --------------------------------------------------------------------------- tampered JSON

PAYLOAD = '<img src=x onerror="window.__pwned=7"><script>window.__pwned=8</script>'


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))]
    return [path]


def _nodes(value: Any, path: tuple[Any, ...] = (), depth: int = 3) -> list[tuple[Any, ...]]:
    out = [path] if path else []
    if depth and isinstance(value, dict):
        out += [p for k, v in value.items() for p in _nodes(v, (*path, k), depth - 1)]
    if depth and isinstance(value, list) and value:
        out += _nodes(value[0], (*path, 0), depth - 1)
    return out


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def _check_safe(data: dict[str, Any]) -> None:
    """Rendered from ``data``: a one-line InputError, or a page where the payload is inert."""
    try:
        result = Result.from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        return  # driftcli report turns these into a one-line error (tested below)
    page = html_view.render(result)
    assert page.count("<script") == 3 and page.count("</script>") == 3
    assert "<img" not in page and "window.__pwned=8</script>" not in page
    charts = json.loads(re.search(r'id="driftcli-charts">(.*?)</script>', page, re.S).group(1))
    for chart in charts["charts"]:
        for key in ("edges", "ref", "cur", "other"):
            assert all(isinstance(x, int | float) for x in chart.get(key, [])), (key, chart)
        assert all(isinstance(x, str) for x in chart.get("labels", []))


@pytest.fixture(scope="module")
def churn_json() -> dict[str, Any]:
    return churn_result().to_dict()


def test_tampered_json_every_string_replaced(churn_json):
    data = json.loads(json.dumps(churn_json))
    for path in _leaves(data):
        value = data
        for key in path:
            value = value[key]
        if isinstance(value, str):
            _set(data, path, PAYLOAD)
    _check_safe(data)


def test_tampered_json_every_number_replaced_by_markup(churn_json):
    data = json.loads(json.dumps(churn_json))
    for path in _leaves(data):
        value = data
        for key in path:
            value = value[key]
        if isinstance(value, int | float) and not isinstance(value, bool):
            _set(data, path, PAYLOAD)
    _check_safe(data)


def test_tampered_json_each_node_replaced_by_wrong_types(churn_json, monkeypatch):
    """Every key down to three levels gets markup, a list and a dict of wrong things instead."""
    monkeypatch.setattr(html_view, "plotly_js_gzip_b64", lambda: "")  # 2 MB per page: skip
    paths = _nodes(churn_json)
    assert len(paths) > 60
    for path in paths:
        for bad in (PAYLOAD, [PAYLOAD, {"x": PAYLOAD}, None], {"name": PAYLOAD, "x": 1e308}):
            data = json.loads(json.dumps(churn_json))
            _set(data, path, bad)
            _check_safe(data)


def test_tampered_json_through_the_report_command(cli, churn_json, tmp_path):
    data = json.loads(json.dumps(churn_json))
    numeric = next(c for c in data["columns"] if c.get("histogram"))
    numeric["name"] = PAYLOAD
    numeric["histogram"]["reference"][0] = PAYLOAD
    data["performance"]["metrics"][0]["name"] = PAYLOAD
    data["verdict"]["reasons"] = [PAYLOAD]
    source, out = tmp_path / "tampered.json", tmp_path / "report.html"
    source.write_text(json.dumps(data))
    run = cli("report", source, "--html", out)
    assert run.code == 0, run.err
    page = out.read_text()
    assert "<img" not in page and "&lt;img src=x onerror=" in page
    data["columns"] = "not a list"
    source.write_text(json.dumps(data))
    run = cli("report", source, "--html", tmp_path / "other.html")
    assert run.code == 2 and run.err.count("\n") == 1 and "not a driftcli result" in run.err


@pytest.mark.browser
def test_model_report_charts_exist_at_the_load_event(tmp_path):
    """The churn report in Chromium: every chart (features, prediction, probability,
    confidence) is drawn by the load event, so a plain headless screenshot shows it."""
    needs_chromium()
    result = churn_result()
    report = tmp_path / "churn.html"
    html_view.write(result, report)
    expected = len(html_view.context(result)["charts"])
    seen = open_in_browser(report, tmp_path / "churn.png")
    assert seen.errors == [] and seen.blocked == []
    assert seen.charts_state == "done"
    assert seen.charts_drawn == seen.plots == expected > 8
    assert "Model quality" in seen.text and "-16.5%" in seen.text


@pytest.mark.browser
def test_tampered_report_runs_nothing_in_chromium(churn_json, tmp_path):
    needs_chromium()
    data = json.loads(json.dumps(churn_json))
    for path in _leaves(data):
        value = data
        for key in path:
            value = value[key]
        if isinstance(value, str):
            _set(data, path, PAYLOAD)
        elif isinstance(value, int | float) and not isinstance(value, bool) and len(path) % 3 == 0:
            _set(data, path, PAYLOAD)  # a third of the numbers too: text where counts belong
    report = tmp_path / "tampered.html"
    html_view.write(Result.from_dict(data), report)
    seen = open_in_browser(
        report, tmp_path / "tampered.png", probe="() => window.__pwned === undefined"
    )
    assert seen.extra["probe"] is True
    assert seen.blocked == []


def test_compressed_plotly_is_cached_per_version(tmp_path: Path, monkeypatch: Any) -> None:
    """The 0.15 s gzip of plotly.js is paid once: later runs read the cached text."""
    import plotly
    from plotly.offline import get_plotlyjs

    monkeypatch.setenv("DRIFTCLI_CACHE_DIR", str(tmp_path / "cache"))
    html_view.plotly_js_gzip_b64.cache_clear()
    first = html_view.plotly_js_gzip_b64()
    cached = tmp_path / "cache" / f"plotly-{plotly.__version__}.min.js.gz.b64"
    assert cached.read_text(encoding="ascii") == first
    assert gzip.decompress(base64.b64decode(first)).decode() == get_plotlyjs()
    cached.write_text("c2VudGluZWw=", encoding="ascii")  # the cache is what a later run uses
    html_view.plotly_js_gzip_b64.cache_clear()
    assert html_view.plotly_js_gzip_b64() == "c2VudGluZWw="
    html_view.plotly_js_gzip_b64.cache_clear()
    monkeypatch.setenv("DRIFTCLI_CACHE_DIR", str(tmp_path / "file" / "x"))
    (tmp_path / "file").write_text("not a directory")  # an unwritable cache costs only time
    assert html_view.plotly_js_gzip_b64() == first
    html_view.plotly_js_gzip_b64.cache_clear()
