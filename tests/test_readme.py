"""The README's commands run as written: every ``driftcli`` command in its code blocks, on
the shipped example data, and its example config on the churn example."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```(\w*)\n(.*?)^```$", README, flags=re.DOTALL | re.MULTILINE)


def commands(block: str) -> list[tuple[list[str], int | None]]:
    """``driftcli ...`` commands of a code block, each with the exit code the block shows
    (``$ echo $?`` then a number), else None."""
    joined = re.sub(r"\\\n\s*", " ", block)
    lines = joined.splitlines()
    out: list[tuple[list[str], int | None]] = []
    for i, line in enumerate(lines):
        text = line.removeprefix("$ ").strip()
        for part in text.split("&&"):
            words = shlex.split(part.strip())
            if words[:1] != ["driftcli"]:
                continue
            shown = None
            rest = lines[i + 1 :]
            for j, later in enumerate(rest[:-1]):
                if later.strip() == "$ echo $?":
                    shown = int(rest[j + 1])
                    break
            out.append((words[1:], shown))
    return out


COMMANDS = [cmd for _, block in BLOCKS for cmd in commands(block)]


def test_the_readme_has_driftcli_commands_to_check():
    assert len(COMMANDS) >= 3
    assert any(words[:1] == ["compare"] and "--target" in words for words, _ in COMMANDS)


@pytest.mark.parametrize(("words", "shown"), COMMANDS, ids=[" ".join(w) for w, _ in COMMANDS])
def test_every_readme_command_runs_on_the_example_data(cli, monkeypatch, words, shown):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    run = cli(*words)
    assert run.code in (0, 1), run.err  # 2 would mean the documented command cannot run
    if shown is not None:
        assert run.code == shown
    assert "error" not in run.err


def _block_after(marker: str) -> str:
    """The first code block after ``marker`` in the README."""
    tail = README.split(marker, 1)[1]
    return re.search(r"^```\w*\n(.*?)^```$", tail, flags=re.DOTALL | re.MULTILINE).group(1)


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


def test_the_quick_start_output_is_what_the_command_prints(cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = next(b for _, b in BLOCKS if b.startswith("$ driftcli compare") and b in quick)
    shown = [ln for ln in _lines(block) if not ln.startswith("$ ")]
    run = cli("compare", "examples/reference.parquet", "examples/current.parquet")
    assert shown[:-1] == _lines(run.out)  # every line, in order: the table, quality, verdict
    assert run.code == int(shown[-1])


def test_the_model_quality_output_is_what_the_command_prints(cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    block = _block_after("prints the feature table")
    run = cli(
        "compare",
        "examples/churn_reference.parquet",
        "examples/churn_current.parquet",
        "--target",
        "churned",
        "--prediction",
        "predicted_churn",
        "--proba",
        "churn_proba",
    )
    assert run.code == 1
    got = _lines(run.out)
    for line in _lines(block):
        if not line.endswith("..."):  # the README shortens the long reasons line
            assert line in got, line


def test_the_readme_config_runs_on_the_readme_example_data(cli, tmp_path, monkeypatch):
    block = next(b for lang, b in BLOCKS if lang == "toml" and b.startswith("# driftcli.toml"))
    (tmp_path / ".git").mkdir()  # a repository root: discovery stops here
    (tmp_path / "driftcli.toml").write_text(block)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    run = cli(
        "compare",
        ROOT / "examples" / "churn_reference.parquet",
        ROOT / "examples" / "churn_current.parquet",
        "--notify",
        "never",  # the webhook and mail server in the example are placeholders
        "--json",
        "-",
    )
    assert run.code == 1, run.err
    result = json.loads(run.out)
    assert result["settings"]["config_file"] == "driftcli.toml"
    assert "config: driftcli.toml" in run.err
    by_name = {c["name"]: c for c in result["columns"]}
    assert "customer_id" not in by_name  # ignored by its [columns] table
    assert by_name["income"]["test"] == "wasserstein" and by_name["income"]["threshold"] == 0.2
    assert by_name["num_products"]["kind"] == "numeric"
    assert result["performance"]["target"] == "churned"
    limits = {m["name"]: m["limit"] for m in result["performance"]["metrics"]}
    assert limits["accuracy"] == 0.8 and limits["roc_auc"] == 0.85
    assert (tmp_path / "reports" / "drift.xml").is_file()
