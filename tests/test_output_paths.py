"""Output paths are checked before anything is read or written (issue 13, item 1).

A matrix: every output option against every dangerous target (an input file, a file inside
an input directory, the config, links to inputs, a directory, a FIFO, a socket, a device,
another output). Each must be one line, exit 2, before the comparison runs (the current
input here is not even valid Parquet), with nothing written and the target untouched.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from driftcli.errors import OutputError
from driftcli.render import targets

OPTIONS = ["--json", "--html", "--junit", "--markdown", "--prometheus"]


@pytest.fixture(autouse=True)
def _quiet_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


class Scene:
    """A working folder with a reference CSV, a Parquet directory, a config and a
    deliberately broken current file (so a comparison that ran would fail differently)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        rng = np.random.default_rng(0)
        self.ref = root / "ref.csv"
        pd.DataFrame({"x": rng.normal(size=200)}).to_csv(self.ref, index=False)
        self.parts = root / "parts"
        self.parts.mkdir()
        pd.DataFrame({"x": rng.normal(size=200)}).to_parquet(self.parts / "p0.parquet")
        self.broken = root / "cur.parquet"
        self.broken.write_bytes(b"not parquet at all")
        self.config = root / "drift.toml"
        self.config.write_text("drift_share = 0.5\n")

    def snapshot(self) -> dict[str, bytes]:
        """Every regular file under the folder, by relative path (links followed)."""
        out = {}
        for dirpath, _dirs, files in os.walk(self.root):
            for name in files:
                p = Path(dirpath) / name
                if p.is_file():
                    out[str(p.relative_to(self.root))] = p.read_bytes()
        return out


@pytest.fixture
def scene(tmp_path: Path) -> Scene:
    return Scene(tmp_path)


def _link(to: Callable[[Scene], Path]) -> Callable[[Scene], Path]:
    def make(s: Scene) -> Path:
        link = s.root / "link.out"
        link.symlink_to(to(s))
        return link

    return make


def _hardlink(s: Scene) -> Path:
    link = s.root / "hard.out"
    os.link(s.ref, link)
    return link


def _fifo(s: Scene) -> Path:
    path = s.root / "fifo.out"
    os.mkfifo(path)
    return path


def _socket(s: Scene) -> Path:
    path = s.root / "s.sock"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    s.sock = sock  # type: ignore[attr-defined]  # kept open for the test
    return path


def _directory(s: Scene) -> Path:
    path = s.root / "adir"
    path.mkdir()
    return path


def _under_a_file(s: Scene) -> Path:
    return s.ref / "sub" / "out"


#: name -> (make the dangerous target, words the one-line error must contain)
DANGERS: dict[str, tuple[Callable[[Scene], Path], str]] = {
    "the reference file": (lambda s: s.ref, "would overwrite the input"),
    "the current file": (lambda s: s.broken, "would overwrite the input"),
    "a file inside an input directory": (
        lambda s: s.parts / "p0.parquet",
        "would write inside the input directory",
    ),
    "a new file inside an input directory": (
        lambda s: s.parts / "new.parquet",
        "would write inside the input directory",
    ),
    "the config file": (lambda s: s.config, "would overwrite the input"),
    "a symlink to the reference": (_link(lambda s: s.ref), "would overwrite the input"),
    "a dotted path to the reference": (
        lambda s: s.parts / ".." / "ref.csv",
        "would overwrite the input",
    ),
    "a hard link to the reference": (_hardlink, "would overwrite the input"),
    "a directory": (_directory, "it is a directory"),
    "a FIFO": (_fifo, "it is a FIFO"),
    "a socket": (_socket, "it is a socket"),
    "a device": (lambda s: Path("/dev/null"), "it is a device"),
    "a path below a regular file": (_under_a_file, "not a directory"),
}


@pytest.mark.parametrize("option", OPTIONS)
@pytest.mark.parametrize("danger", list(DANGERS), ids=lambda d: d.replace(" ", "-"))
def test_dangerous_targets_are_refused_before_comparing(cli, scene, option, danger):
    make, words = DANGERS[danger]
    target = make(scene)
    before = scene.snapshot()
    dev_null = os.stat("/dev/null")
    reference = scene.parts if "input directory" in danger else scene.ref
    run = cli("compare", reference, scene.broken, "--config", scene.config, option, target)
    assert run.code == 2, run
    assert run.err.count("\n") == 1 and run.out == "", run.err
    assert run.err.startswith(f"driftcli: error: {option} ") and words in run.err, run.err
    assert "Parquet" not in run.err  # the (broken) current input was never read
    assert scene.snapshot() == before  # nothing written, nothing replaced
    assert not any(".driftcli-" in name for name in os.listdir(scene.root))
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)  # as root: still the device node
    assert os.stat("/dev/null").st_ino == dev_null.st_ino


PAIRS = [(a, b) for a in OPTIONS for b in OPTIONS if a < b]


@pytest.mark.parametrize(("first", "second"), PAIRS)
@pytest.mark.parametrize("alias", ["same", "dotted", "symlink"])
def test_two_outputs_on_one_file_are_refused(cli, scene, first, second, alias):
    out = scene.root / "out" / "result.txt"
    other = {
        "same": out,
        "dotted": scene.root / "out" / "." / ".." / "out" / "result.txt",
        "symlink": scene.root / "alias.txt",
    }[alias]
    if alias == "symlink":
        other.symlink_to(out)  # dangling: the file does not exist yet
    run = cli("compare", scene.ref, scene.broken, first, out, second, other)
    assert run.code == 2 and run.err.count("\n") == 1, run.err
    assert "writes the same file" in run.err and first in run.err and second in run.err
    assert not (scene.root / "out").exists()


@pytest.mark.parametrize("option", [o for o in OPTIONS if o != "--json"])
def test_only_json_writes_to_stdout(cli, scene, option):
    run = cli("compare", scene.ref, scene.broken, option, "-")
    assert run.code == 2 and "only --json can write to stdout" in run.err
    assert not (Path.cwd() / "-").exists()


def test_a_symlinked_target_writes_where_it_points(cli, scene, tmp_path):
    cur = scene.root / "cur.csv"
    pd.DataFrame({"x": np.random.default_rng(1).normal(size=200)}).to_csv(cur, index=False)
    real = tmp_path / "elsewhere" / "result.json"
    real.parent.mkdir()
    link = scene.root / "result.json"
    link.symlink_to(real)
    run = cli("compare", scene.ref, cur, "--json", link)
    assert run.code in (0, 1), run.err
    assert link.is_symlink() and os.readlink(link) == str(real)  # the link stays a link
    assert real.read_text().startswith("{")
    run = cli("compare", scene.ref, cur, "--json", "-")  # and '-' is stdout
    assert run.out.lstrip().startswith("{") and not (Path.cwd() / "-").exists()


def test_the_discovered_config_is_an_input_too(cli, scene, monkeypatch):
    monkeypatch.chdir(scene.root)
    (scene.root / "driftcli.toml").write_text("drift_share = 0.5\n")
    run = cli("compare", "ref.csv", "cur.parquet", "--markdown", "driftcli.toml")
    assert run.code == 2 and "would overwrite the input" in run.err
    assert run.err.rstrip().endswith("driftcli.toml; choose another path")
    assert (scene.root / "driftcli.toml").read_text() == "drift_share = 0.5\n"


def test_report_refuses_to_overwrite_its_json(cli, scene):
    saved = scene.root / "r.json"
    saved.write_text("{}")
    run = cli("report", saved, "--html", saved)
    assert run.code == 2 and "would overwrite the input" in run.err
    assert saved.read_text() == "{}"


def test_hostile_output_names_are_shown_inert(scene):
    name = scene.root / "x\x1b[2J\n::error::pwned"
    os.mkfifo(name)
    with pytest.raises(OutputError) as err:
        targets.check([("--json", str(name))], [])
    message = str(err.value)
    assert "\n" not in message and "\x1b" not in message and "\\x1b[2J\\n::error" in message


def test_a_saved_profile_being_read_is_an_input(cli, scene):
    prof = scene.root / "ref.profile"
    assert cli("profile", scene.ref, "-o", prof, "-q").code == 0
    before = prof.read_bytes()
    for option in OPTIONS:
        run = cli("compare", prof, scene.broken, option, prof)
        assert run.code == 2 and "would overwrite the input" in run.err, run.err
    assert prof.read_bytes() == before


def test_a_sqlite_database_input_is_protected(cli, scene, monkeypatch):
    import sqlite3

    monkeypatch.chdir(scene.root)
    with sqlite3.connect(scene.root / "ref.db") as db:
        db.execute("create table t (x real)")
    before = (scene.root / "ref.db").read_bytes()
    for url in ("sqlite:///ref.db", f"sqlite:///{scene.root / 'ref.db'}"):
        run = cli("compare", url, "cur.parquet", "--json", "ref.db")
        assert run.code == 2 and "would overwrite the input" in run.err, run.err
    assert (scene.root / "ref.db").read_bytes() == before
    assert targets.local_path("postgresql://u@h/db") is None


@pytest.mark.parametrize("option", OPTIONS)
def test_only_an_earlier_result_or_an_empty_file_is_replaced(cli, examples, tmp_path, option):
    """A user's own file is never replaced by accident, whatever its name; each earlier
    driftcli result (of any format and command) and an empty file may be."""
    ref, cur = examples / "reference.parquet", examples / "current.parquet"
    mine = {
        "pyproject.toml": '[project]\nname = "mine"\n',
        "data.txt": (examples / "reference.csv").read_text()[:500],
        "monitor.py": "# check drift nightly\nimport driftcli\n",
        "notes.md": "# my notes about driftcli\n",
        "config.json": '{"threshold": 0.1}\n',
    }
    for name, content in mine.items():
        path = tmp_path / name
        path.write_text(content)
        run = cli("compare", ref, cur, option, path, "-q")
        assert run.code == 2 and run.err.count("\n") == 1, (name, run.err)
        assert "would replace a file that is not a driftcli result" in run.err
        assert path.read_text() == content
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    outs = {o: earlier / f"r{o.lstrip('-')}" for o in OPTIONS}
    flags = [str(x) for o, p in outs.items() for x in (o, p)]
    assert cli("compare", ref, cur, *flags, "-q").code == 1
    timeline = earlier / "timeline.json"
    log = f"sqlite:///{examples / 'predictions.db'}"
    assert cli("timeline", log, "--table", "predictions", "--time-column", "ts", "--every",
               "1w", "--json", timeline, "-q").code in (0, 1)  # fmt: skip
    empty = tmp_path / "empty.out"
    empty.touch()
    for previous in [*outs.values(), timeline, empty]:
        target = tmp_path / "again.out"
        target.write_bytes(previous.read_bytes())
        run = cli("compare", ref, cur, option, target, "-q")
        assert run.code == 1, (previous.name, run.err)
        assert target.read_bytes()[:40] == outs[option].read_bytes()[:40]  # this run's


def test_init_force_never_replaces_data(cli, examples, tmp_path):
    shutil.copy(examples / "reference.csv", tmp_path / "t.csv")
    shutil.copy(examples / "reference.parquet", tmp_path / "r.parquet")
    for name in ("t.csv", "r.parquet"):
        before = (tmp_path / name).read_bytes()
        run = cli("init", tmp_path / name, "--force")
        assert run.code == 2 and "would replace" in run.err, run.err
        assert (tmp_path / name).read_bytes() == before
    mine = tmp_path / "old.toml"
    mine.write_text("# my own\n")
    assert cli("init", mine, "--force").code == 0  # --force replaces any other file


def test_earlier_results_are_recognised_and_lookalikes_are_not(cli, examples, tmp_path):
    ref, cur = examples / "reference.parquet", examples / "current.parquet"
    piped = cli("compare", ref, cur, "--json", "-", "-q").out
    utf16 = tmp_path / "r16.json"
    utf16.write_bytes(piped.encode("utf-16"))  # PowerShell 5.1's `>`
    blank = tmp_path / "blank.json"
    blank.write_text("\n\n" + piped)
    for earlier in (utf16, blank):
        assert cli("compare", ref, cur, "--json", earlier, "-q").code == 1
    for text in ('{"name": "prod", "monitor": "nightly", "api_key": "abc"}',
                 '{"schema_version": 3, "rows": []}'):  # fmt: skip
        mine = tmp_path / "settings.json"
        mine.write_text(text)
        run = cli("compare", ref, cur, "--json", mine, "-q")
        assert run.code == 2 and "not a driftcli result" in run.err
        assert mine.read_text() == text
