"""A notifier that POSTs messages as JSON to a webhook (`type: webhook`).

Design notes:

- The body is `{"level": "WARNING", "subject": "...", "text": "..."}` (UTF-8 JSON),
  sent with the standard library's `urllib.request`: no dependency to install, and
  proxies set in the environment (`https_proxy`, `no_proxy`) are honoured.
- Retries: a connection failure, a timeout, HTTP 408, 429 and any 5xx are tried again,
  up to `retries` more times, waiting `backoff * 2**n` seconds between attempts; any
  other HTTP error (a 4xx: a wrong URL or token) fails at once, as trying again cannot
  help. The last failure raises a `WebhookError` naming the URL and the HTTP status.
- URLs often hold secrets (a token in the query, a password in the userinfo, the key
  of a Slack or Discord hook in the path), so an error never shows the URL as given:
  `mask_url` replaces the userinfo, the values of secret-looking query keys and
  token-looking path segments by `***`. Header values (an `Authorization:`) are never
  shown at all.
- `min_level` filters as the log notifier does: a message below it is not sent, and the
  step still returns it.
- Only `http` and `https` URLs are accepted (urllib would also open `file:` and `ftp:`).
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping

from attrs import Factory, frozen

from lolpop.components._kinds import make_kind
from lolpop.components.notifier import MinLevel, level_passes
from lolpop.components.records import Message, Notifier
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step
from lolpop.errors import DefinitionError, LolpopError

_SECRET_KEY = re.compile(
    r"token|key|secret|pass|pwd|sig|auth|code|credential|session", re.IGNORECASE
)
#: A path segment that looks like a credential: long, of a token's alphabet, not a word.
_TOKEN_SEGMENT = re.compile(r"[A-Za-z0-9_\-.~=+]{16,}")
_WORDS = re.compile(r"[a-z_\-.]+")
_RETRIED_STATUSES = frozenset({408, 429})


class WebhookError(LolpopError):
    """A webhook refused a message, or could not be reached, after every attempt."""

    def __init__(self, message: str, *, url: str, status: int | None, attempts: int) -> None:
        super().__init__(message)
        #: The URL with its secrets masked.
        self.url = url
        #: The last HTTP status (None when no answer came).
        self.status = status
        self.attempts = attempts


@frozen
class WebhookSettings:
    """`type: webhook`: messages POSTed as JSON to a URL."""

    url: str
    #: Seconds to wait for each attempt's answer.
    timeout: float = 5.0
    min_level: MinLevel = "INFO"
    #: Extra HTTP headers, e.g. `{"Authorization": "Bearer ..."}`.
    headers: Mapping[str, str] = Factory(dict)
    #: Attempts after the first one, for failures that may pass (see the module notes).
    retries: int = 2
    #: Seconds before the first retry; each next wait doubles.
    backoff: float = 0.5


def _mask_segment(segment: str) -> str:
    if _TOKEN_SEGMENT.fullmatch(segment) and not _WORDS.fullmatch(segment):
        return "***"
    return segment


def mask_url(url: str) -> str:
    """`url` with its userinfo, secret query values and token-like path segments masked.

    >>> mask_url("https://bot:hunter2@example.com/hook?channel=ops&token=abc123")
    'https://***@example.com/hook?channel=ops&token=***'
    >>> mask_url("https://hooks.slack.com/services/T0001/B0001/XyZ123abcDEF456ghiJKL789")
    'https://hooks.slack.com/services/T0001/B0001/***'
    """
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "<an unreadable URL>"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    path = "/".join(_mask_segment(segment) for segment in parts.path.split("/"))
    query = urllib.parse.urlencode(
        [
            (key, "***" if _SECRET_KEY.search(key) else value)
            for key, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="*",
    )
    fragment = "***" if parts.fragment else ""
    return urllib.parse.urlunsplit((parts.scheme, netloc, path, query, fragment))


def _check_settings(settings: WebhookSettings) -> None:
    try:
        parts = urllib.parse.urlsplit(settings.url)
    except ValueError as error:
        raise DefinitionError(
            f"the webhook URL {mask_url(settings.url)} cannot be read: {error}."
        ) from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DefinitionError(
            f"the webhook URL {mask_url(settings.url)!r} is not an http(s) URL with a host; "
            "write it in full, e.g. 'https://hooks.example.com/lolpop'."
        )
    if settings.timeout <= 0:
        raise DefinitionError(f"the webhook timeout must be positive, not {settings.timeout}.")
    if settings.retries < 0:
        raise DefinitionError(f"the webhook retries must be 0 or more, not {settings.retries}.")
    if settings.backoff < 0:
        raise DefinitionError(f"the webhook backoff must be 0 or more, not {settings.backoff}.")


def _post(request: urllib.request.Request, timeout: float) -> tuple[bool, int | None, str]:
    """One attempt: (succeeded, HTTP status if any, what went wrong)."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return True, int(response.status), ""
    except urllib.error.HTTPError as error:
        error.close()
        return False, error.code, f"HTTP {error.code} {error.reason}"
    except urllib.error.URLError as error:
        return False, None, f"no HTTP answer ({error.reason})"
    except (TimeoutError, OSError) as error:
        return False, None, f"no HTTP answer ({str(error) or type(error).__name__})"


def _is_retried(status: int | None) -> bool:
    return status is None or status >= 500 or status in _RETRIED_STATUSES


def webhook_notifier(settings: WebhookSettings) -> Notifier:
    """POSTs each message at or above `min_level` as JSON to a webhook URL."""
    _check_settings(settings)
    shown = mask_url(settings.url)
    headers = {"Content-Type": "application/json", "User-Agent": "lolpop", **settings.headers}

    def notify(message: Message) -> Message:
        """POST the message as JSON to the webhook (if at or above the minimum level)."""
        if not level_passes(message, settings.min_level):
            return message
        body = {"level": message.level.name, "subject": message.subject, "text": message.text}
        data = json.dumps(body).encode("utf-8")
        attempts = 1 + settings.retries
        for attempt in range(1, attempts + 1):
            request = urllib.request.Request(settings.url, data, headers, method="POST")
            succeeded, status, problem = _post(request, settings.timeout)
            if succeeded:
                return message
            if not _is_retried(status) or attempt == attempts:
                break
            time.sleep(settings.backoff * 2 ** (attempt - 1))
        tries = f"{attempt} attempt{'s' if attempt != 1 else ''}"
        raise WebhookError(
            f"the webhook {shown} did not take the {message.level.name} message "
            f"{message.subject!r}: {problem} (after {tries}).",
            url=shown,
            status=status,
            attempts=attempt,
        )

    return Notifier(notify=make_step(notify, effect=True))


KINDS: tuple[ComponentKind, ...] = (
    make_kind(
        "webhook",
        WebhookSettings,
        webhook_notifier,
        "POSTs messages as JSON ({level, subject, text}) to a webhook URL, with retries.",
    ),
)
