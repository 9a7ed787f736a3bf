"""Alerts after a comparison: a Slack-compatible webhook and email through SMTP.

Each channel makes up to ``attempts`` tries with exponential backoff (0.5 s, 1 s, 2 s, ...),
each bounded by ``timeout`` seconds; a server's ``Retry-After`` (seconds or an HTTP date) is
honoured up to :data:`MAX_RETRY_AFTER` seconds, and a longer one ends the tries. A channel
that still fails prints one warning line on stderr naming the attempts really made.

A failed delivery is never silent to cron: it turns exit code 0 into 2 (see
:func:`exit_code`; a breach stays 1, already non-zero) and is recorded under ``delivery``
in the JSON result.

Text from data (column names, file names, reasons) is escaped for each channel by
:mod:`driftcli.text`: ``&``, ``<`` and ``>`` in Slack ``mrkdwn`` (so ``<!channel>`` and
``<url|text>`` stay inert), and controls shown visibly in the e-mail subject and body.

The webhook body is Slack's incoming-webhook format: ``text`` (the fallback shown in
notifications) and ``blocks`` (a header, the verdict, the reasons, the drifted columns).
The SMTP password is read only from the environment variable named by
``notify.email.password_env`` (``DRIFTCLI_SMTP_PASSWORD`` by default), never from a file.
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parsedate_to_datetime
from typing import IO, Any

from driftcli import text
from driftcli.config import EmailSettings, NotifySettings
from driftcli.gate import EXIT_ERROR
from driftcli.render.console import fmt, sort_key
from driftcli.result import Result

#: Seconds before the second attempt; doubled before each further one.
BACKOFF = 0.5
#: The longest ``Retry-After`` waited for; a server asking for more ends the tries.
MAX_RETRY_AFTER = 60.0
#: Drifted columns listed in a message.
MAX_LISTED = 10


class DeliveryError(Exception):
    """One failed attempt; ``retry`` is False when trying again cannot help (HTTP 4xx);
    ``wait`` is the server's ``Retry-After`` in seconds, when it sent one."""

    def __init__(self, message: str, *, retry: bool = True, wait: float | None = None) -> None:
        super().__init__(message)
        self.retry = retry
        self.wait = wait


@dataclass(frozen=True)
class Delivery:
    """How one channel's delivery went: recorded under ``delivery`` in the JSON."""

    delivered: bool
    attempts: int
    error: str | None = None


def exit_code(verdict_code: int, deliveries: Mapping[str, Delivery]) -> int:
    """The run's exit code: a failed delivery turns a pass (0) into 2; 1 and 2 stay.

    >>> exit_code(0, {"webhook": Delivery(False, 3, "HTTP 404")})
    2
    >>> exit_code(1, {"webhook": Delivery(False, 3, "HTTP 404")})
    1
    """
    failed = any(not d.delivered for d in deliveries.values())
    return EXIT_ERROR if verdict_code == 0 and failed else verdict_code


def as_json(deliveries: Mapping[str, Delivery]) -> dict[str, Any] | None:
    """The ``delivery`` key of the JSON: channel -> {delivered, attempts, error}; None
    when nothing was sent."""
    return {name: asdict(d) for name, d in deliveries.items()} or None


def should_send(result: Result, when: str, changed: bool | None = None) -> bool:
    """``always``; ``breach`` only when the verdict breached (exit code 1); ``never``;
    ``changes`` only when ``changed`` (the verdict differs from the monitor's previous run,
    told by the history; see :func:`driftcli.history.verdict_changed`)."""
    if when == "changes":
        return bool(changed)
    return when == "always" or (when == "breach" and not result.verdict.passed)


def headline(result: Result) -> str:
    """One line: verdict, share of drifted columns, and the current input."""
    dd = result.dataset_drift
    word = "PASSED" if result.verdict.passed else "BREACHED"
    return (
        f"driftcli {word} (exit {result.exit_code}): {dd.drifted_columns} of "
        f"{dd.total_columns} tested columns drifted in {_where(result.current)}"
    )


def _where(info: Any) -> str:
    return str(info.path or info.format)


def _drifted_lines(result: Result) -> list[str]:
    cols = sorted((c for c in result.columns if c.drift), key=sort_key)
    lines = []
    for c in cols[:MAX_LISTED]:
        if c.output == "p_value":
            decisive = c.p_value if c.p_value_adjusted is None else c.p_value_adjusted
        else:
            decisive = c.statistic
        label = "p" if c.output == "p_value" else "stat"
        lines.append(f"{c.name}: {c.test} {label}={fmt(decisive)} ({c.severity})")
    if len(cols) > MAX_LISTED:
        lines.append(f"... and {len(cols) - MAX_LISTED} more")
    return lines


def slack_payload(result: Result) -> dict[str, Any]:
    """The webhook body: ``text`` plus Block Kit ``blocks``.

    ``text`` and every ``mrkdwn`` field are escaped for Slack (:func:`driftcli.text.slack`);
    the ``plain_text`` header is not parsed by Slack, so it only gets controls shown.
    """
    title = headline(result)
    ref, cur = result.reference, result.current
    esc = text.slack
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": text.visible(title)[:150]},
        },
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Reference*\n{esc(_where(ref))} ({ref.rows:,})"},
                {"type": "mrkdwn", "text": f"*Current*\n{esc(_where(cur))} ({cur.rows:,})"},
            ],
        },
    ]
    if result.verdict.reasons:
        body = "\n".join(f"• {esc(r)}" for r in result.verdict.reasons)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body[:3000]}})
    drifted = _drifted_lines(result)
    if drifted:
        body = "*Drifted columns*\n" + "\n".join(f"• {esc(line)}" for line in drifted)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body[:3000]}})
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"driftcli {result.driftcli_version} · {result.generated_at}",
                }
            ],
        }
    )
    return {"text": esc(title), "blocks": blocks}


def email_body(result: Result) -> str:
    """Plain-text email body; every control character from data is shown, not sent."""
    lines = [headline(result), ""]
    lines += [f"- {r}" for r in result.verdict.reasons]
    drifted = _drifted_lines(result)
    if drifted:
        lines += ["", "Drifted columns:", *(f"  {d}" for d in drifted)]
    ref, cur = result.reference, result.current
    lines += [
        "",
        f"reference: {ref.path or ref.format} ({ref.rows:,} rows)",
        f"current:   {cur.path or cur.format} ({cur.rows:,} rows)",
        f"driftcli {result.driftcli_version}, {result.generated_at}",
    ]
    return "\n".join(text.visible(line) for line in lines) + "\n"


def retry(
    send: Callable[[], None],
    attempts: int,
    *,
    backoff: float = BACKOFF,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """Call ``send`` up to ``attempts`` times; the outcome counts the attempts really made.

    Between tries it waits ``backoff`` doubled each time, or the server's ``Retry-After``
    when it gave one (:class:`DeliveryError` ``wait``); a wait above
    :data:`MAX_RETRY_AFTER` seconds ends the tries rather than holding the job for hours.
    """
    error = "no attempt made"
    wait: float | None = None
    made = 0
    for attempt in range(max(attempts, 1)):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1) if wait is None else wait)
        made += 1
        try:
            send()
            return Delivery(True, made)
        except DeliveryError as exc:
            error, wait = str(exc), exc.wait
            if wait is not None and wait > MAX_RETRY_AFTER:
                error += f" (the server asked to retry after {wait:g} s; not waiting that long)"
                break
            if not exc.retry:
                break
        except Exception as exc:  # any delivery problem is reported, never a traceback
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            wait = None
    return Delivery(False, made, text.visible(error))


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay seconds or an HTTP date).

    >>> retry_after("7")
    7.0
    >>> retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0)
    10.0
    >>> retry_after("soon") is None
    True
    """
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, moment - (time.time() if now is None else now))


def _scrub(message: str, url: str) -> str:
    """``message`` without the parts of ``url`` that may be its secret (path, query,
    user:password): an error from the HTTP stack can quote them."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        user = parts.netloc.rpartition("@")[0]
        secrets = [parts.path, parts.query, parts.fragment, user, *user.split(":", 1)]
    except ValueError:
        return "the webhook URL could not be used"
    for secret in sorted((x for x in secrets if len(x) > 1), key=len, reverse=True):
        message = message.replace(secret, "...")
    return message


def post_webhook(url: str, payload: dict[str, Any], timeout: float) -> None:
    """One POST of ``payload`` as JSON; raises :class:`DeliveryError` on failure (its
    message never quotes the URL's secret parts)."""
    try:
        _post(url, payload, timeout)
    except DeliveryError as exc:
        raise DeliveryError(_scrub(str(exc), url), retry=exc.retry, wait=exc.wait) from None
    except Exception as exc:
        shown = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise DeliveryError(_scrub(shown, url)) from None


def _post(url: str, payload: dict[str, Any], timeout: float) -> None:
    if not url.lower().startswith(("http://", "https://")):
        raise DeliveryError("webhook URL must start with http:// or https://", retry=False)
    body = json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "driftcli"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        retryable = exc.code >= 500 or exc.code == 429
        wait = retry_after(exc.headers.get("Retry-After")) if exc.headers else None
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}", retry=retryable, wait=wait) from None
    except urllib.error.URLError as exc:
        raise DeliveryError(f"{exc.reason}") from None
    except TimeoutError:
        raise DeliveryError(f"timed out after {timeout:g} s") from None


def build_email(result: Result, email: EmailSettings) -> EmailMessage:
    """The summary as an e-mail, with ``Date`` and ``Message-ID``; text from data is shown
    inert (no line breaks in the subject, controls shown in the body)."""
    msg = EmailMessage()
    word = "passed" if result.verdict.passed else "BREACHED"
    msg["Subject"] = text.header(f"[driftcli] drift check {word}: {_where(result.current)}")
    msg["From"] = email.sender
    msg["To"] = ", ".join(email.to)
    msg["Date"] = formatdate(localtime=False)
    domain = email.sender.rpartition("@")[2].strip(" >") or "driftcli.invalid"
    msg["Message-ID"] = make_msgid(idstring="driftcli", domain=domain)  # no DNS lookup
    msg.set_content(email_body(result))
    return msg


def send_email(result: Result, email: EmailSettings, timeout: float) -> None:
    """One SMTP delivery of the summary to ``email.to``."""
    msg = build_email(result, email)
    password = os.environ.get(email.password_env)
    if email.username and not password:
        raise DeliveryError(f"username is set but ${email.password_env} is empty", retry=False)
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if email.ssl:
        smtp = smtplib.SMTP_SSL(email.server, email.port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(email.server, email.port, timeout=timeout)
    with smtp:
        if email.starttls and not email.ssl:
            smtp.starttls(context=context)
        if email.username and password:
            smtp.login(email.username, password)
        smtp.send_message(msg)


def deliver(
    result: Result,
    settings: NotifySettings,
    *,
    err: IO[str] | None = None,
    backoff: float = BACKOFF,
    sleep: Callable[[float], None] = time.sleep,
    changed: bool | None = None,
) -> dict[str, Delivery]:
    """Send the configured alerts for ``result``; returns channel -> :class:`Delivery`.

    ``changed`` is whether the verdict changed since the previous run (``--notify changes``).

    Never raises for a delivery problem: a channel that fails prints
    ``driftcli: warning: ...`` on ``err`` with the number of attempts made.
    """
    err = err or sys.stderr
    out: dict[str, Delivery] = {}
    if not should_send(result, settings.when, changed):
        return out
    channels: list[tuple[str, Callable[[], None]]] = []
    if settings.webhook:
        payload = slack_payload(result)
        url = settings.webhook
        channels.append(("webhook", lambda: post_webhook(url, payload, settings.timeout)))
    if settings.email.to:
        channels.append(("email", lambda: send_email(result, settings.email, settings.timeout)))
    for name, send in channels:
        done = retry(send, settings.attempts, backoff=backoff, sleep=sleep)
        out[name] = done
        if not done.delivered:
            print(
                f"driftcli: warning: {name} delivery failed after {done.attempts} "
                f"attempt(s): {done.error}",
                file=err,
            )
    return out


def notify(
    result: Result,
    settings: NotifySettings,
    *,
    err: IO[str] | None = None,
    backoff: float = BACKOFF,
) -> dict[str, bool]:
    """Send the configured alerts; returns channel -> delivered (see :func:`deliver`)."""
    done = deliver(result, settings, err=err, backoff=backoff)
    return {name: d.delivered for name, d in done.items()}
