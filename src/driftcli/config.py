"""The configuration file: discovery, validation with key-precise errors, and precedence.

Settings come from three layers, later ones winning: the defaults (the dataclass fields of
:class:`~driftcli.settings.Settings` and of the output and notification dataclasses below),
a TOML file (``driftcli.toml`` or ``[tool.driftcli]`` in ``pyproject.toml``, looked up in the
working directory, or ``--config PATH``) and the command line.

The valid keys are derived from the dataclass fields, so a field added to ``Settings`` is a
config key at once, type-checked from its annotation. On top of the flat keys the file has
``[columns."name"]`` tables (per-column ``test``, ``threshold``, ``kind``, ``ignore``),
``[metrics]`` (per-metric limits, mapped to ``min_metric``/``max_metric_drop``), ``[notify]``
and ``[notify.email]``. Every error is one line naming the file, the line and the key.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import inspect
import itertools
import json
import math
import os
import re
import sys
import textwrap
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from driftcli import stattests
from driftcli.errors import ConfigError, UsageError
from driftcli.render.prometheus import parse_labels
from driftcli.settings import OVERRIDE_KINDS, ColumnOverride, Settings

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

CONFIG_NAME = "driftcli.toml"
PYPROJECT_NAME = "pyproject.toml"
NOTIFY_WHEN = ("breach", "always", "never", "changes")
#: A config file larger than this is refused (one line), never parsed: it is not a config.
MAX_CONFIG_BYTES = 1 << 20
#: Bounds of the delivery settings, so that an alert can never wait for hours.
MAX_ATTEMPTS = 10
MAX_TIMEOUT = 300.0
DEFAULT = "default"
COMMAND_LINE = "command line"


@dataclass
class Outputs:
    """Where the result goes besides the terminal table."""

    json: str | None = None
    """Write the JSON result to this path ("-" for stdout)."""
    html: str | None = None
    """Write the offline HTML report to this path."""
    junit: str | None = None
    """Write JUnit XML (one test case per column and metric) to this path."""
    markdown: str | None = None
    """Write a Markdown summary (PR comment, $GITHUB_STEP_SUMMARY) to this path."""
    prometheus: str | None = None
    """Write node_exporter textfile metrics to this path (atomically)."""
    prometheus_labels: list[str] = field(default_factory=list)
    """Extra labels NAME=VALUE on every metric (to tell jobs apart in one textfile directory)."""
    annotations: str = "auto"
    """GitHub Actions ::error annotations: auto (when GITHUB_ACTIONS=true), always or never."""
    show_all: bool = False
    """List every column in the table."""
    quiet: bool = False
    """Print nothing; rely on the exit code and output files."""


@dataclass
class EmailSettings:
    """SMTP delivery of the summary (the ``[notify.email]`` table)."""

    to: list[str] = field(default_factory=list)
    """Recipients; email is sent only when this is not empty."""
    server: str = "localhost"
    """SMTP server host."""
    port: int = 25
    """SMTP server port (587 is usual with starttls, 465 with ssl)."""
    sender: str = "driftcli@localhost"
    """From address (key: from)."""
    starttls: bool = False
    """Upgrade the connection with STARTTLS before logging in."""
    ssl: bool = False
    """Connect with implicit TLS (SMTPS)."""
    username: str | None = None
    """Log in as this user (the password is read from password_env, never from the file)."""
    password_env: str = "DRIFTCLI_SMTP_PASSWORD"
    """Environment variable holding the SMTP password."""


@dataclass
class NotifySettings:
    """Alerts after a comparison (the ``[notify]`` table)."""

    when: str = "breach"
    """Send on a breach (exit 1), always, or never."""
    webhook: str | None = None
    """POST a Slack-compatible JSON summary to this URL."""
    timeout: float = 5.0
    """Seconds per delivery attempt."""
    attempts: int = 3
    """Delivery attempts, with exponential backoff between them."""
    email: EmailSettings = field(default_factory=EmailSettings)
    """Email settings."""


#: TOML key spelling that differs from the field name.
KEY_ALIASES = {"sender": "from"}
#: Extra top-level spellings: ``select`` is ``columns`` for files that also have
#: ``[columns."name"]`` tables (TOML cannot hold both a ``columns`` list and tables).
TOP_LEVEL_ALIASES = {"select": "columns"}

#: Command-line option name -> dotted config key (Settings fields map to themselves).
CLI_KEYS = {
    **{f.name: f.name for f in dataclasses.fields(Outputs)},
    "notify": "notify.when",
    "notify_webhook": "notify.webhook",
    "notify_email": "notify.email.to",
}


@dataclass
class Effective:
    """The settings a run uses, and where each came from."""

    settings: Settings
    outputs: Outputs
    notify: NotifySettings
    path: Path | None
    origins: dict[str, str]
    """Dotted key -> ``default``, ``FILE:LINE`` or ``command line``."""


# -- schema: valid keys from the dataclass fields -----------------------------------------


def _configurable(cls: type) -> list[dataclasses.Field[Any]]:
    out = []
    for f in dataclasses.fields(cls):
        if f.metadata.get("config", True) is not True:
            continue
        if dataclasses.is_dataclass(_hints(cls).get(f.name)):
            continue
        out.append(f)
    return out


def _toml_key(name: str) -> str:
    return KEY_ALIASES.get(name, name)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def top_level_fields() -> dict[str, tuple[type, dataclasses.Field[Any]]]:
    """Flat keys of the file's top level: every configurable Settings and Outputs field."""
    out: dict[str, tuple[type, dataclasses.Field[Any]]] = {}
    for cls in (Settings, Outputs):
        for f in _configurable(cls):
            out[f.name] = (cls, f)
    return out


def _section_fields(cls: type) -> dict[str, dataclasses.Field[Any]]:
    return {_toml_key(f.name): f for f in _configurable(cls)}


# -- type checking from annotations ------------------------------------------------------


def _describe(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return " or ".join(_describe(a) for a in args)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if origin is list:
        (arg,) = typing.get_args(tp) or (Any,)
        return f"a list of {_describe(arg).removeprefix('a ').removeprefix('an ')}s"
    if tp is bool:
        return "true or false"
    if tp is int:
        return "an integer"
    if tp is float:
        return "a number"
    if tp is str:
        return "a string"
    return getattr(tp, "__name__", str(tp))


def _toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "table"
    return type(value).__name__


def short(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, so one bad value gives one short line."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def coerce(value: Any, tp: Any) -> Any:
    """``value`` as the annotated type ``tp``; raises ValueError saying what was expected."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        for arg in args:
            try:
                return coerce(value, arg)
            except ValueError as exc:
                if "finite" in str(exc):  # the right type, a wrong value: say so
                    raise
                continue
        raise ValueError(f"expected {_describe(tp)}, got {_toml_type(value)} {short(value)}")
    if origin is Literal:
        if value in typing.get_args(tp):
            return value
        raise ValueError(f"expected {_describe(tp)}, got {short(value)}")
    ok = True
    if tp is bool:
        ok = isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok and not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value!r}")
        value = float(value) if ok else value
    elif tp is str:
        ok = isinstance(value, str)
    elif origin is list:
        (arg,) = typing.get_args(tp) or (Any,)
        if isinstance(value, str) and arg is str:
            return [value]
        if not isinstance(value, list):
            raise ValueError(f"expected {_describe(tp)}, got {_toml_type(value)} {short(value)}")
        try:
            return [coerce(v, arg) for v in value]
        except ValueError:
            raise ValueError(f"expected {_describe(tp)}, got {short(value)}") from None
    if not ok:
        raise ValueError(f"expected {_describe(tp)}, got {_toml_type(value)} {short(value)}")
    return value


# -- locating keys in the TOML text (tomllib gives no positions for valid documents) --------

_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_PART = rf"(?:{_BARE}|{_QUOTED})"
_DOTTED = rf"{_PART}(?:\s*\.\s*{_PART})*"
_HEADER_RE = re.compile(rf"^\s*\[\[?\s*({_DOTTED})\s*\]\]?")
_KEY_RE = re.compile(rf"^\s*({_DOTTED})\s*=")


def _split_dotted(text: str) -> tuple[str, ...]:
    parts = re.findall(_PART, text)
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)


def locate_keys(text: str) -> dict[tuple[str, ...], int]:
    """Dotted key path -> 1-based line, for tables and ``key = value`` lines."""
    where: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    in_multiline: str | None = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if in_multiline in line:
                in_multiline = None
            continue
        header = _HEADER_RE.match(line)
        if header and not _KEY_RE.match(line):
            table = _split_dotted(header.group(1))
            where.setdefault(table, lineno)
            continue
        key = _KEY_RE.match(line)
        if key:
            where.setdefault(table + _split_dotted(key.group(1)), lineno)
            rest = line[key.end() :]
            for quote in ('"""', "'''"):
                if rest.count(quote) == 1:
                    in_multiline = quote
    return where


# -- loading ---------------------------------------------------------------------------


@dataclass
class ConfigFile:
    """A parsed config file: its driftcli table, and where each key stands."""

    path: Path
    data: dict[str, Any]
    prefix: tuple[str, ...]
    lines: dict[tuple[str, ...], int]

    def where(self, *key: str) -> str:
        """``FILE:LINE`` of the nearest enclosing key found in the text, else ``FILE``."""
        full = self.prefix + key
        for n in range(len(full), 0, -1):
            line = self.lines.get(full[:n])
            if line is not None:
                return f"{self.path}:{line}"
        return str(self.path)

    def error(self, key: tuple[str, ...], message: str) -> ConfigError:
        """A one-line error naming the file, line and key."""
        return ConfigError(f"{self.where(*key)}: {dotted(key)}: {message}")


def column_key(column: str, key: str) -> str:
    """The dotted origin key of a per-column setting: ``columns."a b".test``."""
    return f"columns.{dotted((column,))}.{key}"


def dotted(key: tuple[str, ...]) -> str:
    """``("columns", "a b", "test")`` -> ``columns."a b".test``."""
    return ".".join(k if re.fullmatch(_BARE, k) else json.dumps(k) for k in key)


def discover(cwd: Path | None = None) -> Path | None:
    """The config file of the working directory, found as ruff, pytest and coverage do.

    From ``cwd`` upward, the first folder holding ``driftcli.toml``, or a ``pyproject.toml``
    with a ``[tool.driftcli]`` table, wins (``driftcli.toml`` first within a folder). The
    search stops after the repository root (a folder holding ``.git``, a directory or the
    file of a worktree) or at the filesystem root. None when no folder has one.
    """
    base = (cwd or Path.cwd()).absolute()
    for folder in (base, *base.parents):
        found = _config_in(folder)
        if found is not None:
            return found
        if (folder / ".git").exists():
            return None
    return None


def _config_in(folder: Path) -> Path | None:
    """``driftcli.toml`` in ``folder``, else its ``pyproject.toml`` if that has our table."""
    own = folder / CONFIG_NAME
    if own.is_file():
        return own
    pyproject = folder / PYPROJECT_NAME
    if not pyproject.is_file():
        return None
    shown = Path(shown_path(pyproject))
    try:
        raw = pyproject.read_bytes()
    except OSError:
        return None
    ours = b"tool.driftcli" in raw  # a broken file must not silently drop our settings
    try:
        if len(raw) > MAX_CONFIG_BYTES:
            _read_bytes(pyproject, shown)  # raises the one-line "larger than" error
        data = _loads(raw.decode("utf-8"), shown)
    except UnicodeDecodeError as exc:
        if ours:
            raise ConfigError(f"{shown}: cannot read config file: {exc}") from None
        return None
    except ConfigError:
        if ours:
            raise
        return None
    if isinstance(data.get("tool"), dict) and "driftcli" in data["tool"]:
        return pyproject
    return None


def shown_path(path: Path, cwd: Path | None = None) -> str:
    """How to name a discovered file: relative to the working directory (``driftcli.toml``,
    ``../pyproject.toml``), absolute when no relative path reaches it."""
    base = (cwd or Path.cwd()).absolute()
    try:
        return os.path.relpath(path.absolute(), base)
    except ValueError:  # another drive on Windows
        return str(path.absolute())


def _read_bytes(path: Path, shown: Path) -> bytes:
    """The file's bytes; a missing, unreadable or oversized file is one-line ConfigError."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{shown}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot read config file: {exc.strerror or exc}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{shown}: config file is larger than {MAX_CONFIG_BYTES // 1024} KiB; "
            "is it the right file?"
        )
    return raw


def _loads(text: str, shown: Path) -> dict[str, Any]:
    """Parse TOML; invalid or absurdly nested text is a one-line :class:`ConfigError`."""
    if sys.version_info >= (3, 11):  # imported when a config file is read
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _invalid_toml(shown, exc) from None
    except RecursionError:
        raise ConfigError(f"{shown}: invalid TOML: nested too deeply") from None


def _invalid_toml(shown: Path, exc: tomllib.TOMLDecodeError) -> ConfigError:
    """One line naming the file and, when the parser gives it, the line."""
    msg = str(exc).splitlines()[0] if str(exc) else "invalid TOML"
    m = re.search(r"line (\d+)", msg)
    loc = f"{shown}:{m.group(1)}" if m else str(shown)
    return ConfigError(f"{loc}: invalid TOML: {msg}")


def read_file(path: Path, *, display: str | None = None) -> ConfigFile:
    """Parse ``path``; a pyproject.toml contributes its ``[tool.driftcli]`` table."""
    shown = Path(display) if display else path
    try:
        text = _read_bytes(path, shown).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{shown}: cannot read config file: {exc}") from None
    data = _loads(text, shown)
    prefix: tuple[str, ...] = ()
    if path.name == PYPROJECT_NAME:
        tool = data.get("tool", {})
        if not isinstance(tool, dict) or "driftcli" not in tool:
            raise ConfigError(f"{shown}: no [tool.driftcli] table")
        data, prefix = tool["driftcli"], ("tool", "driftcli")
        if not isinstance(data, dict):
            raise ConfigError(f"{shown}: tool.driftcli must be a table")
    return ConfigFile(shown, data, prefix, locate_keys(text))


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _unknown_key(cfg: ConfigFile, key: tuple[str, ...], choices: list[str]) -> ConfigError:
    return cfg.error(key, "unknown key" + _suggest(key[-1], choices))


def _check_test(cfg: ConfigFile, key: tuple[str, ...], name: str) -> None:
    if name not in stattests.REGISTRY:
        hint = _suggest(name, sorted(stattests.REGISTRY)) or (
            f"; choose one of: {', '.join(sorted(stattests.REGISTRY))}"
        )
        raise cfg.error(key, f"unknown stat test {name!r}{hint}")


@dataclass
class FileValues:
    """What a config file sets, checked: flat values per layer, plus per-column tables."""

    settings: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    notify: dict[str, Any] = field(default_factory=dict)
    email: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, ColumnOverride] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    """Field name -> the key as spelled in the file."""


def _norm(key: str) -> str:
    return key.replace("-", "_")


def _table(cfg: ConfigFile, key: tuple[str, ...], value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise cfg.error(key, f"expected a table, got {_toml_type(value)} {short(value)}")
    return value


def _spelled_once(cfg: ConfigFile, path: tuple[str, ...], table: dict[str, Any]) -> None:
    """Each key once: ``drift_share`` and ``drift-share`` in one table are one key set twice
    (TOML sees two), and one value would be dropped without a word."""
    seen: dict[str, str] = {}
    for raw in table:
        name = _norm(raw)
        if not path:  # the top level's other names for a key: select = columns
            name = TOP_LEVEL_ALIASES.get(name, name)
            if isinstance(table[raw], dict):  # [columns."x"] tables: beside them the
                name += ".*"  # selection is spelled select
        first = seen.setdefault(name, raw)
        if first != raw:
            raise cfg.error((*path, raw), f"set twice, as {first!r} and as {raw!r}; keep one")


def _read_section(
    cfg: ConfigFile, path: tuple[str, ...], table: dict[str, Any], cls: type, out: dict[str, Any]
) -> None:
    """Check the keys of a ``[notify]``-style table against ``cls`` fields into ``out``."""
    _spelled_once(cfg, path, table)
    known = _section_fields(cls)
    for raw, value in table.items():
        key = (*path, raw)
        name = _norm(raw)
        if name not in known:
            raise _unknown_key(cfg, key, list(known))
        f = known[name]
        try:
            out[f.name] = coerce(value, _hints(cls)[f.name])
        except ValueError as exc:
            raise cfg.error(key, str(exc)) from None


def _metric_limits(cfg: ConfigFile, table: dict[str, Any], out: FileValues) -> None:
    """``[metrics]``: ``name = LIMIT`` per metric, appended to ``min_metric`` as NAME=LIMIT.

    The limit is a floor for higher-is-better metrics and a ceiling for lower-is-better ones.
    """
    from driftcli.model.options import DIRECTIONS

    limits = list(out.settings.get("min_metric", []))
    for metric, value in table.items():
        key = ("metrics", metric)
        if metric not in DIRECTIONS:
            hint = _suggest(metric, list(DIRECTIONS)) or f"; choose from: {', '.join(DIRECTIONS)}"
            raise cfg.error(key, f"unknown metric{hint}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise cfg.error(key, f"expected a number, got {_toml_type(value)} {short(value)}")
        if not math.isfinite(value):
            raise cfg.error(key, f"expected a finite number, got {value!r}")
        limits.append(f"{metric}={value}")
    out.settings["min_metric"] = limits
    out.origins["min_metric"] = cfg.where("metrics")
    out.keys.setdefault("min_metric", "metrics")


def _column_table(cfg: ConfigFile, name: str, value: Any) -> ColumnOverride:
    path = ("columns", name)
    table = _table(cfg, path, value)
    values: dict[str, Any] = {}
    _read_section(cfg, path, table, ColumnOverride, values)
    values.pop("source", None)
    ov = ColumnOverride(**values, source=cfg.where(*path))
    if ov.test is not None:
        _check_test(cfg, (*path, "test"), ov.test)
    if ov.kind is not None and ov.kind not in OVERRIDE_KINDS:
        raise cfg.error(
            (*path, "kind"), f"expected one of {', '.join(OVERRIDE_KINDS)}, got {ov.kind!r}"
        )
    if ov.threshold is not None:
        _check_threshold(cfg, (*path, "threshold"), ov.threshold, ov.test)
    return ov


def _check_threshold(cfg: ConfigFile, key: tuple[str, ...], value: float, test: str | None) -> None:
    if not value > 0:
        raise cfg.error(key, f"threshold must be > 0, got {value:g}")
    if test is not None and stattests.get(test).output is stattests.Output.P_VALUE and value >= 1:
        raise cfg.error(key, f"threshold of p-value test {test!r} must be in (0, 1), got {value:g}")


def parse(cfg: ConfigFile) -> FileValues:
    """Check every key of the file; the first problem is a one-line :class:`ConfigError`."""
    out = FileValues()
    flat = top_level_fields()
    sections = ["columns", "metrics", "notify"]
    _spelled_once(cfg, (), cfg.data)
    for raw, value in cfg.data.items():
        name = _norm(raw)
        key = (raw,)
        if name == "columns" and isinstance(value, dict):
            for col, spec in value.items():
                out.columns[col] = _column_table(cfg, col, spec)
                for raw_key in spec:  # --print-config names each key's own line
                    where = cfg.where("columns", col, raw_key)
                    out.origins[column_key(col, _norm(raw_key))] = where
            continue
        if name == "metrics":
            _metric_limits(cfg, _table(cfg, key, value), out)
            continue
        if name == "notify":
            table = _table(cfg, key, value)
            email = table.get("email")
            rest = {k: v for k, v in table.items() if k != "email"}
            _read_section(cfg, key, rest, NotifySettings, out.notify)
            if email is not None:
                _read_section(
                    cfg,
                    (*key, "email"),
                    _table(cfg, (*key, "email"), email),
                    EmailSettings,
                    out.email,
                )
            continue
        name = TOP_LEVEL_ALIASES.get(name, name)
        if name not in flat:
            raise _unknown_key(cfg, key, [*flat, *sections, *TOP_LEVEL_ALIASES])
        cls, f = flat[name]
        try:
            coerced = coerce(value, _hints(cls)[f.name])
        except ValueError as exc:
            raise cfg.error(key, str(exc)) from None
        (out.settings if cls is Settings else out.outputs)[f.name] = coerced
        out.origins[f.name] = cfg.where(raw)
        out.keys[f.name] = raw
    for name in out.notify:
        out.origins[f"notify.{name}"] = cfg.where("notify", name)
    for name in out.email:
        out.origins[f"notify.email.{name}"] = cfg.where("notify", "email", _toml_key(name))
    _check_values(cfg, out)
    return out


def _check_values(cfg: ConfigFile, out: FileValues) -> None:
    """Checks that need no other setting: test names, threshold ranges, choices."""
    if "stattest" in out.settings:
        _check_test(cfg, (out.keys["stattest"],), out.settings["stattest"])
    if "threshold" in out.settings:
        _check_threshold(
            cfg, (out.keys["threshold"],), out.settings["threshold"], out.settings.get("stattest")
        )
    if out.outputs.get("annotations", "auto") not in ("auto", "always", "never"):
        raise cfg.error((out.keys["annotations"],), "expected one of auto, always, never")
    if "prometheus_labels" in out.outputs:
        try:
            parse_labels(out.outputs["prometheus_labels"])
        except UsageError as exc:
            raise cfg.error((out.keys["prometheus_labels"],), str(exc)) from None
    if out.notify.get("when", "breach") not in NOTIFY_WHEN:
        raise cfg.error(("notify", "when"), f"expected one of {', '.join(NOTIFY_WHEN)}")
    if not 1 <= out.notify.get("attempts", 1) <= MAX_ATTEMPTS:
        raise cfg.error(
            ("notify", "attempts"),
            f"must be in [1, {MAX_ATTEMPTS}], got {out.notify['attempts']}",
        )
    if not 0 < out.notify.get("timeout", 1.0) <= MAX_TIMEOUT:
        raise cfg.error(
            ("notify", "timeout"),
            f"must be in (0, {MAX_TIMEOUT:g}] seconds, got {out.notify['timeout']:g}",
        )
    problem = webhook_problem(out.notify.get("webhook"))
    if problem:
        raise cfg.error(("notify", "webhook"), problem)
    if not 1 <= out.email.get("port", 25) <= 65535:
        raise cfg.error(
            ("notify", "email", "port"), f"must be in [1, 65535], got {out.email['port']}"
        )


def _validate(
    values: dict[str, Any], extra: dict[str, Any], file_keys: dict[str, str], cfg: ConfigFile | None
) -> Settings:
    """Validate the merged settings; a failure caused by a file key names the file and key.

    The culprit is the file key whose removal (back to its default) makes the error go away;
    checking the merged values, not the file alone, lets a file key need a command-line one.
    """
    try:
        return Settings(**values, **extra).validate()
    except UsageError as exc:
        if cfg is None:
            raise
        if str(exc).startswith(f"{cfg.path}:"):  # already names the file, line and key
            raise ConfigError(str(exc)) from None
        first = exc
    for name, raw in file_keys.items():
        if name not in values:
            continue
        trial = {k: v for k, v in values.items() if k != name}
        try:
            Settings(**trial, **extra).validate()
        except UsageError:
            continue
        raise cfg.error((raw,), _plain(str(first))) from None
    raise first


def _plain(message: str) -> str:
    """Option flags in library messages (``--drift-share``) read as config keys in a file."""
    return re.sub(r"--([a-z][a-z-]*)", lambda m: m.group(1).replace("-", "_"), message)


# -- precedence -------------------------------------------------------------------------


def resolve(
    cli_options: dict[str, Any] | None = None,
    config_path: str | Path | None = None,
    *,
    cwd: Path | None = None,
    use_file: bool = True,
) -> Effective:
    """Defaults < config file < command line. ``cli_options`` holds only what the user set."""
    cli_options = dict(cli_options or {})
    path: Path | None = None
    if config_path is not None and str(config_path) != "":
        path = Path(config_path)
        cfg: ConfigFile | None = read_file(path)
    elif use_file:
        path = discover(cwd)
        cfg = read_file(path, display=shown_path(path, cwd)) if path else None
    else:
        cfg = None
    values = parse(cfg) if cfg else FileValues()

    origins = dict(values.origins)
    settings_vals = dict(values.settings)
    output_vals = dict(values.outputs)
    notify_vals = dict(values.notify)
    email_vals = dict(values.email)
    settings_names = {f.name for f in dataclasses.fields(Settings)}
    for name, value in cli_options.items():
        if name in settings_names:
            settings_vals[name] = value
            origins[name] = COMMAND_LINE
        elif name in CLI_KEYS:
            target = CLI_KEYS[name]
            if target.startswith("notify.email."):
                email_vals[target.rsplit(".", 1)[1]] = value
            elif target.startswith("notify."):
                notify_vals[target.split(".", 1)[1]] = value
            else:
                output_vals[target] = value
            origins[target] = COMMAND_LINE
        else:
            raise UsageError(f"unknown option {name!r}")

    overrides = dict(values.columns)
    forced = set(cli_options.get("categorical") or []) | set(cli_options.get("numerical") or [])
    for name in forced & set(overrides):  # the command line's kind beats the file's
        overrides[name] = dataclasses.replace(overrides[name], kind=None)
    sources = {
        k: f"{values.origins[k]}: {values.keys.get(k, k)}"
        for k in values.origins
        if k in settings_names and origins[k] != COMMAND_LINE
    }
    file_keys = {k: raw for k, raw in values.keys.items() if origins.get(k) != COMMAND_LINE}
    extra = {
        "column_overrides": overrides,
        "sources": sources,
        "config_file": str(cfg.path) if cfg else None,
    }
    settings = _validate(settings_vals, extra, file_keys, cfg)

    outputs = Outputs(**output_vals)
    if outputs.annotations not in ("auto", "always", "never"):
        raise UsageError("--annotations must be auto, always or never")
    parse_labels(outputs.prometheus_labels)  # before any comparison: no run, no files
    notify = NotifySettings(**notify_vals, email=EmailSettings(**email_vals))
    notify.email.to = _split(notify.email.to)
    if notify.when not in NOTIFY_WHEN:
        raise UsageError(f"--notify must be one of {', '.join(NOTIFY_WHEN)}, got {notify.when!r}")
    problem = webhook_problem(notify.webhook)
    if problem:  # the file's own value was checked with the file; this is the command line's
        raise UsageError(f"--notify-webhook: {problem}")
    for name, ov in overrides.items():
        origins[f"columns.{dotted((name,))}"] = ov.source or str(path)
    return Effective(settings, outputs, notify, path if cfg else None, origins)


def webhook_problem(url: object) -> str | None:
    """Why ``url`` cannot take a webhook POST (None when it can, or when none is set): found
    before any data is read, not after a long run when the alert is due."""
    if url is None:
        return None
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(str(url))
        host = parts.hostname
    except ValueError:  # "http://[::1/hook": an unclosed IPv6 bracket
        host = None
    shown = _mask("notify.webhook", str(url))  # a webhook's path is its secret
    if host is None or parts.scheme not in ("http", "https"):
        return f"expected an http:// or https:// URL with a host, got {shown!r}"
    if "@" in parts.netloc:  # urllib cannot send it, and its error would quote the password
        return f"a webhook URL cannot carry a user name or password, got {shown!r}"
    return None


def _split(values: list[str]) -> list[str]:
    return [p.strip() for v in values for p in v.split(",") if p.strip()]


# -- describing: --print-config and `driftcli init` -------------------------------------


@cache
def field_docs(cls: type) -> dict[str, str]:
    """The docstring under each dataclass field (read from the source), by field name."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    body = ast.parse(source).body[0]
    docs: dict[str, str] = {}
    if not isinstance(body, ast.ClassDef):
        return docs
    stmts = body.body
    for stmt, nxt in itertools.pairwise(stmts):
        if (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and isinstance(nxt, ast.Expr)
            and isinstance(nxt.value, ast.Constant)
            and isinstance(nxt.value.value, str)
        ):
            docs[stmt.target.id] = " ".join(nxt.value.value.split())
    return docs


def toml_value(value: Any) -> str:
    """A Python value as TOML (None has no TOML spelling: callers comment it out)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{ " + ", ".join(f"{dotted((k,))} = {toml_value(v)}" for k, v in value.items()) + " }"
        )
    return json.dumps(str(value))


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None


def _entries(eff: Effective) -> Iterator[tuple[str, str, Any]]:
    """(section, key, value) for every setting, in file order."""
    for name in top_level_fields():
        obj = eff.settings if hasattr(eff.settings, name) else eff.outputs
        yield "", name, getattr(obj, name)
    for f in _configurable(NotifySettings):
        yield "notify", f.name, getattr(eff.notify, f.name)
    for f in _configurable(EmailSettings):
        yield "notify.email", f.name, getattr(eff.notify.email, f.name)


def _mask(key: str, value: Any) -> Any:
    """A webhook URL as it may be shown: scheme and host only. Its path, query and any
    user:password are often the secret, also in a mistyped URL (no scheme, one slash)."""
    if key != "notify.webhook" or not isinstance(value, str):
        return value
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*:[/\\]*)?([^/\\]*)(.*)$", value, re.DOTALL)
    if m is None:  # pragma: no cover - the pattern matches every string
        return "..."
    scheme, host, rest = m.group(1) or "", m.group(2), m.group(3)
    if "@" in host:
        host = "***@" + host.rsplit("@", 1)[1]
    cut = re.split(r"[?#;&=]", host, maxsplit=1)  # a host name holds none of these
    if len(cut) > 1:
        host, rest = cut[0], rest or "?"
    return scheme + host + ("/..." if rest else "")


def describe(eff: Effective) -> str:
    """The effective settings as TOML, each line commented with where it came from."""
    lines = [
        "# driftcli effective settings: defaults < "
        + (eff.settings.config_file or str(eff.path or "") or "(no config file)")
        + " < command line",
    ]
    section = ""
    body: list[tuple[str, str]] = []
    for sec, name, value in _entries(eff):
        if sec != section:
            section = sec
            body.append((f"\n[{sec}]", ""))
        full = f"{sec}.{name}" if sec else name
        origin = eff.origins.get(full, DEFAULT)
        key = _toml_key(name)
        if key == "columns" and not sec and eff.settings.column_overrides:
            key = "select"
        value = _mask(full, value)
        text = f"{key} = {toml_value(value)}" if value is not None else f"# {key} is not set"
        body.append((text, origin))
    for name, ov in eff.settings.column_overrides.items():
        body.append((f"\n[columns.{dotted((name,))}]", ""))
        for f in _configurable(ColumnOverride):
            value = getattr(ov, f.name)
            if value is not None and f.name != "source" and (f.name != "ignore" or value):
                origin = eff.origins.get(column_key(name, f.name), ov.source or "")
                body.append((f"{f.name} = {toml_value(value)}", origin))
    # comments line up after the usual short lines; a long value (na_values) does not push
    # every comment far right
    width = min(max((len(t) for t, o in body if o), default=0), 40)
    for text, origin in body:
        lines.append(f"{text.ljust(width)}  # {origin}" if origin else text)
    return "\n".join(lines) + "\n"


def _doc_lines(doc: str, indent: str = "") -> list[str]:
    return [f"{indent}# {line}" for line in textwrap.wrap(doc, 94)] if doc else []


def _template_key(cls: type, f: dataclasses.Field[Any]) -> list[str]:
    lines = _doc_lines(field_docs(cls).get(f.name, ""))
    default = _default(f)
    key = _toml_key(f.name)
    if default is None:
        tp = _hints(cls)[f.name]
        example = {"a string": '""', "a number": "0.05"}.get(_describe(tp), '""')
        lines.append(f"# {key} = {example}    # not set by default")
    else:
        lines.append(f"# {key} = {toml_value(default)}")
    return lines


def starter_config() -> str:
    """A commented ``driftcli.toml`` listing every setting with its default."""
    out = [
        "# driftcli configuration. Uncomment a line to change its setting.",
        "# Precedence: defaults < this file < command-line options.",
        "# Every key below is shown with its default. `driftcli compare --print-config` shows",
        "# the settings a run uses and where each came from.",
        "",
    ]
    for cls, f in top_level_fields().values():
        out.extend(_template_key(cls, f))
        if f.name == "columns":
            out.append('# (write it as `select = [...]` in a file with [columns."name"] tables)')
        out.append("")
    out += [
        "# Per-column overrides: test, threshold, kind (numeric|categorical), ignore.",
        "# A column's own test and threshold beat stattest and threshold.",
        '# [columns."customer_id"]',
        "# ignore = true",
        "#",
        '# [columns."income"]',
        '# test = "psi"',
        "# threshold = 0.2",
        "",
    ]
    out += [
        "# Per-metric limits (added to min_metric): a floor for higher-is-better metrics,",
        "# a ceiling for lower-is-better ones (log_loss, mae, rmse, ...).",
        "# [metrics]",
        "# accuracy = 0.8",
        "# rmse = 12.5",
        "",
    ]
    out.append("# [notify]")
    for f in _configurable(NotifySettings):
        out.extend(_template_key(NotifySettings, f))
    out.append("")
    out.append("# [notify.email]")
    for f in _configurable(EmailSettings):
        out.extend(_template_key(EmailSettings, f))
    return "\n".join(line for line in out) + "\n"


def write_starter(path: Path, *, force: bool = False) -> None:
    """Write :func:`starter_config` to ``path``; refuse to overwrite unless ``force``."""
    from driftcli.io import atomic_writer

    if path.exists() and not force:
        raise ConfigError(f"{path} already exists; use --force to overwrite it")
    with atomic_writer(path) as fh:  # raises OutputError (one line, exit 2) on failure
        fh.write(starter_config())


__all__ = [
    "CONFIG_NAME",
    "ConfigFile",
    "Effective",
    "EmailSettings",
    "NotifySettings",
    "Outputs",
    "describe",
    "discover",
    "field_docs",
    "parse",
    "read_file",
    "resolve",
    "starter_config",
    "write_starter",
]
