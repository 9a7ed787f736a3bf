"""The CI examples (examples/ci) install and run driftcli as written.

Each example's install step and run steps are taken from the file, the placeholder repository
URL is pointed at a local git copy of this project tagged like the example, the example's
paths at a temporary folder holding the shipped example data, and the steps run in a fresh
virtual environment. Offline: pip is told not to use an index (``PIP_NO_INDEX``), not to fetch
dependencies (the test's own environment provides them through a ``.pth`` file) and to build
with the hatchling already installed (``PIP_NO_BUILD_ISOLATION=0``). Slow (a wheel is built
per example): run in CI, or locally with ``pytest --runslow``.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from driftcli import __version__

yaml = pytest.importorskip("yaml")

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
CI = ROOT / "examples" / "ci"
PLACEHOLDER = "https://github.com/YOUR-ORG/driftcli"
TAG = f"v{__version__}"


def test_every_example_installs_from_the_marked_placeholder_pinned_to_this_version():
    for path in sorted(CI.iterdir()):
        text = path.read_text()
        assert "pip install driftcli" not in text, path.name  # no index serves that name
        assert f'"driftcli @ git+{PLACEHOLDER}@{TAG}"' in text, path.name
        assert "PLACEHOLDER" in text, path.name


@pytest.fixture(scope="module")
def local_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository holding this project, tagged as the examples pin it."""
    if shutil.which("git") is None:
        pytest.fail("git is needed to install from a git URL, as the examples do")
    repo = tmp_path_factory.mktemp("origin") / "driftcli"
    repo.mkdir()
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ("src", "templates"):
        shutil.copytree(ROOT / name, repo / name, ignore=skip)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, repo / name)
    git = [
        "git",
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "-c",
        "init.defaultBranch=main",
    ]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "release"], ["tag", TAG]):
        subprocess.run([*git, *args], cwd=repo, check=True, timeout=60)
    return repo


def _parent_pth(site: Path) -> None:
    """Let a fresh venv import the test environment's packages (dependencies, pip, hatchling)."""
    paths = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "zz_parent.pth").write_text("\n".join(sorted(paths)) + "\n")


def make_venv(where: Path) -> Path:
    """A fresh venv (no pip of its own: the parent's is reached through the .pth)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    _parent_pth(site)
    pip = where / "bin" / "pip"
    pip.write_text(f'#!/bin/sh\nexec "{python}" -m pip "$@"\n')
    pip.chmod(0o755)
    return where


def environment(venv_bin: Path, extra_path: Path | None = None) -> dict[str, str]:
    path = [str(venv_bin)] + ([str(extra_path)] if extra_path else [])
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV", "GITHUB_"))
    }
    env.update(
        PATH=os.pathsep.join([*path, os.environ.get("PATH", "/usr/bin:/bin")]),
        PIP_NO_INDEX="1",
        PIP_NO_DEPS="1",
        # the parent environment (reached through the .pth) may hold a non-editable driftcli
        # of the same version, as CI's does: install the example's own copy all the same
        PIP_IGNORE_INSTALLED="1",
        PIP_NO_BUILD_ISOLATION="0",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


def localize(text: str, repo: Path, paths: dict[str, Path] | None = None) -> str:
    """Point the placeholder URL at ``repo`` and example paths at the temporary folders."""
    text = text.replace(PLACEHOLDER, f"file://localhost{repo}")
    for old, new in (paths or {}).items():
        text = text.replace(old, str(new))
    return text


def run(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def example_data(folder: Path, reference: str, current: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "examples" / "reference.parquet", folder / reference)
    shutil.copy(ROOT / "examples" / "current.parquet", folder / current)


def assert_installed_here(venv: Path) -> None:
    """The driftcli that ran is the one the example installed, not the test's own."""
    where = subprocess.run(
        [venv / "bin" / "python", "-c", "import driftcli; print(driftcli.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(venv)), where


def test_github_actions_example(local_repo, tmp_path):
    doc = yaml.safe_load((CI / "github-actions.yml").read_text())
    steps = [s for s in doc["jobs"]["drift"]["steps"] if "run" in s]
    assert "pip install" in steps[0]["run"]
    venv = make_venv(tmp_path / "venv")
    work = tmp_path / "checkout"
    example_data(work / "data", "reference.parquet", "current.parquet")
    env = environment(venv / "bin")
    summary = tmp_path / "step_summary.md"
    env.update(GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary))
    codes = []
    for step in steps:
        done = run(localize(step["run"], local_repo), work, env)
        codes.append(done.returncode)
        if step is steps[0]:
            assert done.returncode == 0, done.stderr
    assert_installed_here(venv)
    # the example data has drift planted: the gate fails the job (exit 1) with its annotations
    assert codes == [0, 1, 0]
    for name in ("drift.xml", "drift.md", "drift.json"):
        assert (work / "reports" / name).is_file()
    assert summary.read_text() == (work / "reports" / "drift.md").read_text() != ""


def test_gitlab_ci_example(local_repo, tmp_path):
    job = yaml.safe_load((CI / "gitlab-ci.yml").read_text())["drift-check"]
    assert any("git" in line for line in job["before_script"])  # the image gets git; not run here
    venv = make_venv(tmp_path / "venv")
    work = tmp_path / "project"
    example_data(work / "data", "reference.parquet", "current.parquet")
    env = environment(venv / "bin")
    install, *script = job["script"]
    done = run(localize(install, local_repo), work, env)
    assert done.returncode == 0, done.stderr
    assert_installed_here(venv)
    codes = [run(localize(line, local_repo), work, env).returncode for line in script]
    assert codes == [1]
    assert (work / job["artifacts"]["reports"]["junit"]).is_file()


def test_crontab_example(local_repo, tmp_path):
    text = (CI / "crontab").read_text()
    install = [
        line.lstrip("#").strip()
        for line in text.splitlines()
        if line.startswith("#   ") and ("venv" in line or "pip install" in line)
    ]
    assert len(install) == 2
    (entry,) = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    command = entry.split(None, 5)[5]  # after the five schedule fields
    srv, opt, textfile = tmp_path / "srv", tmp_path / "opt" / "driftcli", tmp_path / "textfile"
    textfile.mkdir()
    example_data(srv / "data", "reference.parquet", "today.parquet")
    paths = {
        "/srv/churn": srv,
        "/opt/driftcli": opt,
        "/var/lib/node_exporter/textfile": textfile,
    }
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    mailbox = tmp_path / "mailbox"
    mail = stubs / "mail"
    mail.write_text(f'#!/bin/sh\n{{ echo "ARGS: $*"; cat; }} >> "{mailbox}"\n')
    mail.chmod(0o755)
    python_dir = Path(sys.executable).parent  # python3 of the test's interpreter version
    env = environment(python_dir, stubs)
    venv_line, pip_line = (localize(line, local_repo, paths) for line in install)
    assert run(venv_line.replace("-m venv", "-m venv --without-pip"), tmp_path, env).returncode == 0
    site = next((opt / "lib").glob("python*/site-packages"))
    _parent_pth(site)
    pip = f"{opt}/bin/python -m pip"
    done = run(pip_line.replace(f"{opt}/bin/pip", pip), tmp_path, env)
    assert done.returncode == 0, done.stderr
    assert_installed_here(opt)
    done = run(localize(command, local_repo, paths), tmp_path, env)
    assert done.returncode == 0, done.stderr  # the mail pipeline succeeded
    prom = (textfile / "driftcli_churn.prom").read_text()
    assert 'driftcli_exit_code{job="churn"} 1' in prom
    assert "ARGS: -s churn drift check: exit 1 ml-oncall@example.com" in mailbox.read_text()


def _airflow_check_command(data: Path) -> tuple[str, str]:
    """The DAG's bash command rendered for one day, and its documented install line."""
    source = (CI / "airflow_dag.py").read_text()
    module = ast.parse(source)
    install = re.search(r"INSTALL: (.+)", ast.get_docstring(module) or "")
    assert install, "the DAG's docstring shows how to install driftcli"
    for node in module.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "CHECK":
            expr = ast.Expression(node.value)
            check = eval(compile(expr, "airflow_dag.py", "eval"), {"DATA": str(data)})
            return check.replace("{{ ds }}", "2024-01-02"), install.group(1)
    raise AssertionError("no CHECK command in the DAG")


def test_airflow_example(local_repo, tmp_path):
    data = tmp_path / "data" / "churn"
    example_data(data, "reference.parquet", "2024-01-02.parquet")
    check, install = _airflow_check_command(data)
    venv = make_venv(tmp_path / "venv")
    env = environment(venv / "bin")
    done = run(localize(install, local_repo), tmp_path, env)
    assert done.returncode == 0, done.stderr
    assert_installed_here(venv)
    done = run(check, tmp_path, env)
    assert done.returncode == 0, done.stderr  # exit 1 is a branch, not a failed task
    assert done.stdout.strip().splitlines()[-1] == "1"  # pushed to XCom: retrain
    assert (data / "reports" / "drift_2024-01-02.json").is_file()
