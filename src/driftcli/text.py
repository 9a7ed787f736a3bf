r"""Sanitizers for text that comes from data: one module, used by every output channel.

Column names, category values, file names and error messages are data: a CSV header may
hold an ANSI escape that repaints the terminal, a ``::set-env`` that GitHub Actions would
run as a workflow command, ``<!channel>`` that pages a Slack workspace, or ``@someone`` that
pings a person from a pull-request comment. Every channel passes such text through one of
the functions below before it is shown; none of them trusts its input.

* :func:`visible` shows control characters (C0, DEL, C1, and the bidirectional overrides
  that reorder text) as escapes such as ``\x1b``, ``\r``, ``\n`` or ``\u202e``: never
  passed through, never silently dropped.
* :func:`terminal` is :func:`visible` plus GitHub's workflow-command markers made inert; it
  is what the terminal table, messages and the exit-2 error line use.
* :func:`guard_line` makes a whole output line inert if it would start a workflow command.
* :func:`markdown`, :func:`slack`, :func:`xml` and :func:`header` fit one channel each.
"""

from __future__ import annotations

import re

#: C0 controls, DEL, C1 controls, and the Unicode bidi embeddings/overrides/isolates,
#: the line and paragraph separators, and U+FEFF (an invisible byte-order mark).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _show(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: object) -> str:
    r"""``text`` on one line with every control character shown as an escape.

    >>> visible("a\x1b[31mred\r\nb")
    'a\\x1b[31mred\\r\\nb'
    >>> visible("\u202eevil")
    '\\u202eevil'
    """
    return _CONTROL.sub(_show, str(text))


#: A workflow command anywhere in a line (the legacy ``##[`` form) is made inert.
_LEGACY_COMMAND = "##["


def terminal(text: object) -> str:
    r"""Text for the terminal and the one-line messages: :func:`visible`, and GitHub's
    legacy ``##[command]`` marker made inert.

    >>> terminal("x##[error]y\n::warning::z")
    'x##\\[error]y\\n::warning::z'
    """
    return visible(text).replace(_LEGACY_COMMAND, "##\\[")


def guard_line(line: str) -> str:
    r"""One output line that cannot start a GitHub Actions workflow command.

    The runner trims leading white space and reads a line starting with ``::`` as a
    command; such a line gets a visible backslash in front.

    >>> guard_line("  ::set-output name=x::1")
    '\\  ::set-output name=x::1'
    >>> guard_line("| ::error:: |")
    '| ::error:: |'
    >>> guard_line("::x##[error]")
    '\\::x##\\[error]'
    """
    line = line.replace(_LEGACY_COMMAND, "##\\[")
    return "\\" + line if line.lstrip().startswith("::") else line


def guard_lines(text: str, *, strip: bool = False) -> str:
    """:func:`guard_line` on every line of ``text``; ``strip`` drops trailing spaces."""
    lines = text.split("\n")
    if strip:
        lines = [line.rstrip(" ") for line in lines]
    return "\n".join(guard_line(line) for line in lines)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>:])")
_ZWSP = "\u200b"


def markdown(text: object) -> str:
    r"""Text safe in GitHub-flavoured Markdown, also inside a table cell.

    Controls are shown (:func:`visible`), HTML is defused (``&``, ``<``, ``>`` as entities),
    Markdown specials are backslashed (no emphasis, links, images or table breaks), and a
    zero-width space after ``@`` and inside ``://`` and ``www.`` keeps GitHub from turning
    data into @mentions, e-mail links or autolinks.

    >>> markdown("@team ![x](http://e.vil) <b>")
    '@\u200bteam \\!\\[x\\]\\(http\\:\u200b//e\\.vil\\) &lt;b&gt;'
    """
    s = visible(text)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = s.replace("@", "@" + _ZWSP).replace("://", ":" + _ZWSP + "//")
    s = re.sub(r"(?i)\bwww\.", lambda m: m.group(0)[:3] + _ZWSP + ".", s)
    return _MD_SPECIAL.sub(r"\\\1", s)


def slack(text: object) -> str:
    r"""Text for Slack ``mrkdwn``: controls shown, and ``&``, ``<``, ``>`` escaped as Slack
    asks, so ``<!channel>`` and ``<https://x|click>`` stay inert.

    >>> slack("<!channel> & <http://x|y>")
    '&lt;!channel&gt; &amp; &lt;http://x|y&gt;'
    """
    return visible(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


#: What XML 1.0 cannot hold even as a reference: surrogates, U+FFFE and U+FFFF
#: (the controls it forbids are shown by :func:`visible` first).
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def xml(text: object, *, multiline: bool = False) -> str:
    r"""Text every XML 1.0 parser reads: controls shown, what XML cannot hold as U+FFFD.

    ``multiline`` keeps line feeds (element text); attributes get everything on one line.

    >>> xml("a\x01b\ud800") == "a\\x01b\ufffd"
    True
    >>> xml("l1\nl2", multiline=True)
    'l1\nl2'
    """
    s = body(str(text)) if multiline else visible(text)
    return _NOT_XML.sub("\ufffd", s)


def header(text: object, limit: int = 200) -> str:
    r"""An e-mail header value: one line, controls shown, at most ``limit`` characters.

    >>> header("x\r\nBcc: all@example.com")
    'x\\r\\nBcc: all@example.com'
    """
    s = visible(text)
    return s if len(s) <= limit else s[: limit - 3] + "..."


_CONTROL_BUT_TAB = re.compile(_CONTROL.pattern.replace("\x00-\x1f", "\x00-\x08\x0a-\x1f"))


def body(text: str) -> str:
    r"""A plain-text body: line feeds and tabs kept, every other control shown.

    >>> body("a\x1b[2J\tb\nc\r")
    'a\\x1b[2J\tb\nc\\r'
    """
    return "\n".join(_CONTROL_BUT_TAB.sub(_show, line) for line in text.split("\n"))
