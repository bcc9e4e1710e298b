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
- A webhook that fails after every attempt (an HTTP 500, no answer) is reported as a
  warning on the `lolpop.notifier` logger, naming the masked URL and the status, and the
  message is passed on: a notice is optional, so the run goes on. `fail_on_error: true`
  raises the `WebhookError` instead, failing the step. A private address (below) is
  refused either way: it is a setting to fix, not a failure to ride out.
- Only `http` and `https` URLs are accepted (urllib would also open `file:` and `ftp:`).
- The URL and the header values are `Secret`s: `lolpop check`, exports and plans show
  them as `***`, and only the request itself reveals them.
- Private networks need a word from the config: a webhook whose host is, or resolves
  to, a private, link-local (cloud metadata at 169.254.169.254), shared, reserved or
  unspecified address is refused unless `allow_private: true`; loopback (a hook on this
  machine) is allowed. An address written in the URL is checked when the notifier is
  built (so `lolpop check` refuses it); a host name is resolved and checked before each
  POST, and every redirect's target is checked the same way (a redirect to another
  scheme is refused by urllib itself). A name that resolves differently between the
  check and urllib's own lookup is not defended against.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from http.client import HTTPMessage
from typing import IO

from attrs import Factory, frozen

from lolpop.components._kinds import make_kind, setting
from lolpop.components.notifier import MinLevel, NotifierError, level_passes, report_failure
from lolpop.components.records import Message, Notifier
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step
from lolpop.errors import DefinitionError, SettingError
from lolpop.secret import Secret, mask_url

_RETRIED_STATUSES = frozenset({408, 429})
#: Carrier-grade NAT's shared range, private in all but name (`is_private` omits it).
_SHARED = ipaddress.ip_network("100.64.0.0/10")


class WebhookError(NotifierError):
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

    #: The URL (a secret: webhook URLs usually carry their token).
    url: Secret
    #: Seconds to wait for each attempt's answer.
    timeout: float = 5.0
    #: Messages below this level are not sent.
    min_level: MinLevel = "INFO"
    #: Extra HTTP headers, e.g. `{"Authorization": "Bearer ..."}` (secrets: never shown).
    headers: Mapping[str, Secret] = Factory(dict)
    #: Attempts after the first one, for failures that may pass (see the module notes).
    retries: int = 2
    #: Seconds before the first retry; each next wait doubles.
    backoff: float = 0.5
    #: Allow a host on a private network (10.0.0.0/8, 192.168.0.0/16, 169.254.0.0/16, ...).
    allow_private: bool = False
    #: Fail the step (and the run) when the webhook takes no message, rather than warn.
    fail_on_error: bool = False


def _is_private(address: str) -> bool:
    """Whether `address` (an IP literal) is on a network a webhook needs an allow for.

    >>> [_is_private(a) for a in ("127.0.0.1", "10.1.2.3", "169.254.169.254", "8.8.8.8")]
    [False, True, True, False]
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return False
    return (
        ip.is_private
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED)
    )


def _literal_address(host: str) -> str | None:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
    return host


def _check_host(url: str, allow_private: bool, *, resolve: bool) -> None:
    """Refuse a URL whose host is (or, with `resolve`, resolves to) a private address."""
    if allow_private:
        return
    host = urllib.parse.urlsplit(url).hostname or ""
    literal = _literal_address(host)
    if literal is not None:
        addresses = [literal]
    elif resolve:
        try:
            found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except OSError:
            return  # unreachable: the POST itself reports it
        addresses = [str(entry[4][0]) for entry in found]
    else:
        return
    private = [address for address in addresses if _is_private(address)]
    if private:
        raise PrivateAddressError(
            f"the webhook {shown_webhook(url)} points at {private[0]}, an address on a private "
            "network; set `allow_private: true` on the webhook if that is meant."
        )


class PrivateAddressError(DefinitionError):
    """A webhook (or a redirect) leads to a private network the config did not allow."""


def _check_settings(settings: WebhookSettings) -> None:
    url = settings.url.reveal()
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 (reading the port checks it)
    except ValueError as error:
        raise SettingError(
            "url", f"the webhook URL {shown_webhook(url)} cannot be read: {error}."
        ) from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingError(
            "url",
            f"the webhook URL {shown_webhook(url)!r} is not an http(s) URL with a host; "
            "write it in full, e.g. 'https://hooks.example.com/lolpop'.",
        )
    with setting("url"):
        _check_host(url, settings.allow_private, resolve=False)
    if settings.timeout <= 0:
        raise SettingError(
            "timeout", f"the webhook timeout must be positive, not {settings.timeout}."
        )
    if settings.retries < 0:
        raise SettingError(
            "retries", f"the webhook retries must be 0 or more, not {settings.retries}."
        )
    if settings.backoff < 0:
        raise SettingError(
            "backoff", f"the webhook backoff must be 0 or more, not {settings.backoff}."
        )


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to a host the webhook's settings allow."""

    def __init__(self, allow_private: bool) -> None:
        self._allow_private = allow_private

    def redirect_request(  # noqa: PLR0917 (urllib's signature)
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        _check_host(newurl, self._allow_private, resolve=True)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _post(
    opener: urllib.request.OpenerDirector, request: urllib.request.Request, timeout: float
) -> tuple[bool, int | None, str]:
    """One attempt: (succeeded, HTTP status if any, what went wrong)."""
    try:
        with opener.open(request, timeout=timeout) as response:
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


def shown_webhook(url: str) -> str:
    """A webhook's URL as a message shows it: its host and first path segment, the rest
    masked (a webhook's URL is its credential, e.g. Slack's `/services/T.../B.../token`),
    its userinfo and secret-looking query values masked as `mask_url` masks them.

    >>> shown_webhook("https://hooks.slack.com/services/T000/B000/abc123?channel=ops")
    'https://hooks.slack.com/services/***?channel=ops'
    """
    masked = mask_url(url)
    scheme, _, rest = masked.partition("://")
    address, slash, path = rest.partition("/")
    query = path.partition("?")[2]
    first, _, more = path.partition("?")[0].partition("/")
    if not slash:
        return masked
    kept = f"{scheme}://{address}/{first}" + ("/***" if more else "")
    return kept + (f"?{query}" if query else "")


def webhook_notifier(settings: WebhookSettings) -> Notifier:
    """POSTs each message at or above `min_level` as JSON to a webhook URL."""
    _check_settings(settings)
    url = settings.url.reveal()
    shown = shown_webhook(url)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "lolpop",
        **{name: value.reveal() for name, value in settings.headers.items()},
    }
    opener = urllib.request.build_opener(_CheckedRedirects(settings.allow_private))

    def notify(message: Message) -> Message:
        """POST the message as JSON to the webhook (if at or above the minimum level)."""
        if not level_passes(message, settings.min_level):
            return message
        body = {"level": message.level.name, "subject": message.subject, "text": message.text}
        data = json.dumps(body).encode("utf-8")
        _check_host(url, settings.allow_private, resolve=True)
        attempts = 1 + settings.retries
        status: int | None = None
        problem = ""
        for attempt in range(1, attempts + 1):
            request = urllib.request.Request(url, data, headers, method="POST")
            succeeded, status, problem = _post(opener, request, settings.timeout)
            if succeeded:
                return message
            if not _is_retried(status) or attempt == attempts:
                break
            time.sleep(settings.backoff * 2 ** (attempt - 1))
        tries = f"{attempt} attempt{'s' if attempt != 1 else ''}"
        error = WebhookError(
            f"the webhook {shown} did not take the {message.level.name} message "
            f"{message.subject!r}: {problem} (after {tries}).",
            url=shown,
            status=status,
            attempts=attempt,
        )
        report_failure(error, settings.fail_on_error)
        return message

    return Notifier(notify=make_step(notify, effect=True))


KINDS: tuple[ComponentKind, ...] = (
    make_kind(
        "webhook",
        WebhookSettings,
        webhook_notifier,
        "POSTs messages as JSON ({level, subject, text}) to a webhook URL, with retries.",
    ),
)
