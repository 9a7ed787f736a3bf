"""Alerts after a comparison: a Slack-compatible webhook and email through SMTP.

Delivery never changes the outcome: each channel makes up to ``attempts`` tries with
exponential backoff (0.5 s, 1 s, 2 s, ...), each bounded by ``timeout`` seconds, and a
channel that still fails prints one warning line on stderr. The exit code keeps its meaning.

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
from collections.abc import Callable
from email.message import EmailMessage
from typing import IO, Any

from driftcli.config import EmailSettings, NotifySettings
from driftcli.render.console import fmt, sort_key
from driftcli.result import Result

#: Seconds before the second attempt; doubled before each further one.
BACKOFF = 0.5
#: Drifted columns listed in a message.
MAX_LISTED = 10


class DeliveryError(Exception):
    """One failed attempt; ``retry`` is False when trying again cannot help (HTTP 4xx)."""

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


def should_send(result: Result, when: str) -> bool:
    """``always``; ``breach`` only when the verdict breached (exit code 1); ``never``."""
    return when == "always" or (when == "breach" and not result.verdict.passed)


def headline(result: Result) -> str:
    """One line: verdict, share of drifted columns, and the current input."""
    dd = result.dataset_drift
    word = "PASSED" if result.verdict.passed else "BREACHED"
    where = result.current.path or result.current.format
    return (
        f"driftcli {word} (exit {result.exit_code}): {dd.drifted_columns} of "
        f"{dd.total_columns} tested columns drifted in {where}"
    )


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
    """The webhook body: ``text`` plus Block Kit ``blocks``."""
    title = headline(result)
    ref, cur = result.reference, result.current
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": title[:150]},
        },
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Reference*\n{ref.path or ref.format} ({ref.rows:,})"},
                {"type": "mrkdwn", "text": f"*Current*\n{cur.path or cur.format} ({cur.rows:,})"},
            ],
        },
    ]
    if result.verdict.reasons:
        text = "\n".join(f"• {r}" for r in result.verdict.reasons)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}})
    drifted = _drifted_lines(result)
    if drifted:
        text = "*Drifted columns*\n" + "\n".join(f"• {line}" for line in drifted)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}})
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
    return {"text": title, "blocks": blocks}


def email_body(result: Result) -> str:
    """Plain-text email body."""
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
    return "\n".join(lines) + "\n"


def retry(
    send: Callable[[], None],
    attempts: int,
    *,
    backoff: float = BACKOFF,
    sleep: Callable[[float], None] = time.sleep,
) -> str | None:
    """Call ``send`` up to ``attempts`` times; None on success, else the last error."""
    error = "no attempt made"
    for attempt in range(max(attempts, 1)):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        try:
            send()
            return None
        except DeliveryError as exc:
            error = str(exc)
            if not exc.retry:
                break
        except Exception as exc:  # any delivery problem is a warning, never a new exit code
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return error


def post_webhook(url: str, payload: dict[str, Any], timeout: float) -> None:
    """One POST of ``payload`` as JSON; raises :class:`DeliveryError` on failure."""
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
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}", retry=retryable) from None
    except urllib.error.URLError as exc:
        raise DeliveryError(f"{exc.reason}") from None
    except TimeoutError:
        raise DeliveryError(f"timed out after {timeout:g} s") from None


def send_email(result: Result, email: EmailSettings, timeout: float) -> None:
    """One SMTP delivery of the summary to ``email.to``."""
    msg = EmailMessage()
    word = "passed" if result.verdict.passed else "BREACHED"
    where = result.current.path or result.current.format
    msg["Subject"] = f"[driftcli] drift check {word}: {where}"
    msg["From"] = email.sender
    msg["To"] = ", ".join(email.to)
    msg.set_content(email_body(result))
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


def notify(
    result: Result,
    settings: NotifySettings,
    *,
    err: IO[str] | None = None,
    backoff: float = BACKOFF,
) -> dict[str, bool]:
    """Send the configured alerts for ``result``; returns channel -> delivered.

    Never raises for a delivery problem: it prints ``driftcli: warning: ...`` on ``err``.
    """
    err = err or sys.stderr
    sent: dict[str, bool] = {}
    if not should_send(result, settings.when):
        return sent
    if settings.webhook:
        payload = slack_payload(result)
        url = settings.webhook
        error = retry(
            lambda: post_webhook(url, payload, settings.timeout),
            settings.attempts,
            backoff=backoff,
        )
        sent["webhook"] = error is None
        if error:
            print(
                f"driftcli: warning: webhook delivery failed after {settings.attempts} "
                f"attempt(s): {error}",
                file=err,
            )
    if settings.email.to:
        error = retry(
            lambda: send_email(result, settings.email, settings.timeout),
            settings.attempts,
            backoff=backoff,
        )
        sent["email"] = error is None
        if error:
            print(
                f"driftcli: warning: email delivery failed after {settings.attempts} "
                f"attempt(s): {error}",
                file=err,
            )
    return sent
