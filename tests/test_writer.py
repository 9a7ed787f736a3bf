"""The all-or-nothing writer (issue 13, item 2): old or new content, never a mix, and no
temporary file left behind, also when the process is killed at a random moment."""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from prometheus_client.parser import text_string_to_metric_families

from driftcli.errors import OutputError
from driftcli.render import writer

SRC = Path(__file__).resolve().parents[1] / "src"
LINES = 50_000

#: A child that rewrites its targets in a loop with the signal handlers on. It loads the
#: writer without the package's __init__ (no pandas), so each run starts in milliseconds.
CHILD = textwrap.dedent(
    f"""
    import sys, types
    pkg = types.ModuleType("driftcli")
    pkg.__path__ = [{str(SRC / "driftcli")!r}]
    sys.modules["driftcli"] = pkg
    from driftcli.render.writer import signals, write_text
    with signals():
        print("ready", flush=True)
        i = 0
        while True:
            i += 1
            for target in sys.argv[1:]:
                write_text(target, f"v{{i}}\\n" * {LINES})
    """
)


def _temps(folder: Path) -> list[str]:
    return [n for n in os.listdir(folder) if ".driftcli-" in n]


def _start(args: list[str]) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline() == "ready\n"
    return child


def _whole(content: str) -> bool:
    """The old content, or one complete version written by the child."""
    if content == "old\n":
        return True
    lines = content.split("\n")
    return lines[-1] == "" and len(lines) == LINES + 1 and len(set(lines[:-1])) == 1


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_killed_at_random_moments_every_target_is_old_or_new(tmp_path, sig):
    rng = random.Random(f"writer-{sig.name}")
    targets = [tmp_path / name for name in ("a.json", "b.xml", "sub/c.md")]
    for _ in range(20):
        for t in targets:
            t.parent.mkdir(exist_ok=True)
            t.write_text("old\n")
        child = _start([str(t) for t in targets])
        time.sleep(rng.uniform(0, 0.25))
        child.send_signal(sig)
        _, err = child.communicate(timeout=30)
        assert child.returncode == writer.SIGNAL_EXIT[sig], err
        assert err.count("\n") == 1 and f"stopped by {sig.name}" in err
        for t in targets:
            assert _whole(t.read_text()), t
        assert not _temps(tmp_path) and not _temps(tmp_path / "sub")


def test_a_hard_kill_leaves_a_temp_file_that_the_next_run_removes(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old\n")
    leftovers = 0
    for attempt in range(10):
        child = _start([str(target)])
        time.sleep(0.05 + 0.02 * attempt)
        child.kill()  # SIGKILL: no handler runs
        child.communicate(timeout=30)
        assert _whole(target.read_text())
        leftovers += len(_temps(tmp_path))
        writer.write_text(target, "next\n")  # a later run removes the dead run's temp file
        assert not _temps(tmp_path) and target.read_text() == "next\n"
        target.write_text("old\n")
    assert leftovers, "no kill landed during a write; the test did not test anything"


def test_stale_temps_of_dead_processes_only_are_removed(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead = int(done.stdout)
    live = os.getppid()
    mine = [
        tmp_path / f".out.json.driftcli-{dead}.tmp",  # removed: its process is gone
        tmp_path / f".out.json.driftcli-{live}.tmp",  # kept: its writer may still rename it
        tmp_path / f".other.json.driftcli-{dead}.tmp",  # kept: another target's
        tmp_path / ".out.json.tmp",  # kept: not driftcli's naming
    ]
    for p in mine:
        p.write_text("partial")
    writer.write_text(tmp_path / "out.json", "{}\n")
    assert sorted(_temps(tmp_path)) == sorted(p.name for p in mine[1:3])
    assert (tmp_path / ".out.json.tmp").exists()
    assert writer.remove_stale(tmp_path) == [mine[2]]  # any target's, when asked


@pytest.mark.parametrize("error", [ValueError("boom"), KeyboardInterrupt(), OSError(28, "full")])
def test_a_failure_inside_the_block_keeps_the_old_file(tmp_path, error):
    target = tmp_path / "out.txt"
    target.write_text("old")
    expected = OutputError if isinstance(error, OSError) else type(error)
    with pytest.raises(expected), writer.atomic_writer(target) as fh:
        fh.write("half")
        raise error
    assert target.read_text() == "old" and not _temps(tmp_path)
    assert not writer._PENDING


def test_a_symlink_is_followed_and_kept(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    writer.write_text(link, "new")
    assert link.is_symlink() and real.read_text() == "new"
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to(tmp_path / "made" / "later.txt")
    writer.write_text(dangling, "x")
    assert (tmp_path / "made" / "later.txt").read_text() == "x" and dangling.is_symlink()


def test_the_new_file_gets_the_usual_mode(tmp_path):
    old = os.umask(0o022)
    try:
        writer.write_text(tmp_path / "f.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "f.txt").stat().st_mode & 0o777 == 0o644


# -- the whole command, killed at random moments -------------------------------------------


def test_the_cli_killed_at_random_moments_leaves_whole_outputs(tmp_path):
    rng = np.random.default_rng(5)
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    cols = {f"c{i}": rng.normal(size=3000) for i in range(30)}
    pd.DataFrame(cols).to_csv(ref, index=False)
    pd.DataFrame({k: v + 0.3 for k, v in cols.items()}).to_csv(cur, index=False)
    out = tmp_path / "out"
    out.mkdir()
    paths = {k: out / f"r.{k}" for k in ("json", "junit", "markdown", "prometheus")}
    args = [sys.executable, "-m", "driftcli", "compare", str(ref), str(cur), "-q"]
    for option, path in paths.items():
        args += [f"--{option}", str(path)]
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("GITHUB_ACTIONS", None)

    start = time.monotonic()
    subprocess.run(args, env=env, check=False, timeout=120)
    full = time.monotonic() - start
    finished = {k: p.read_text() for k, p in paths.items()}
    assert json.loads(finished["json"])["verdict"]["exit_code"] == 1

    moments = random.Random(13)
    for _ in range(4):
        for p in paths.values():
            p.write_text("old\n")
        child = subprocess.Popen(args, env=env, stderr=subprocess.PIPE, text=True)
        time.sleep(moments.uniform(0.4, 1.1) * full)
        child.send_signal(moments.choice([signal.SIGINT, signal.SIGTERM]))
        _, err = child.communicate(timeout=120)
        # negative: killed while Python was importing or exiting, outside driftcli's handlers
        assert child.returncode in (1, 2, 130, -signal.SIGINT, -signal.SIGTERM), err
        assert not _temps(out)
        for kind, p in paths.items():
            text = p.read_text()
            if text == "old\n":
                continue
            if kind == "json":
                json.loads(text)
            elif kind == "junit":
                ET.fromstring(text.split("\n", 1)[1])
            elif kind == "prometheus":
                fams = {f.name: f for f in text_string_to_metric_families(text)}
                running = fams["driftcli_run_in_progress"].samples[0].value
                if child.returncode == 1:
                    assert running == 0
            else:
                assert text.endswith("</sub>\n")


@pytest.mark.parametrize("kind", ["device", "fifo", "directory"])
def test_the_writer_itself_never_replaces_a_special_file(tmp_path, kind):
    """The last line of defence, for writes that skip the path checks (``driftcli init``)."""
    if kind == "device":
        target = Path("/dev/null")
    elif kind == "fifo":
        target = tmp_path / "f"
        os.mkfifo(target)
    else:
        target = tmp_path / "d"
        target.mkdir()
    before = os.stat(target)
    with pytest.raises(OutputError, match="cannot write: it is a"):
        writer.write_text(target, "x")
    after = os.stat(target)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    assert not _temps(target.parent) or target.parent == Path("/dev")


def test_init_refuses_a_device(cli):
    run = cli("init", "/dev/null", "--force")
    assert run.code == 2 and "it is a device" in run.err
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
