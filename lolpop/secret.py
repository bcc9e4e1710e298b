"""Secrets: values lolpop uses but never shows.

Design notes:

- A setting that holds a credential is typed `Secret` (a webhook's URL and headers): its
  `str` and `repr` are `***`, the config converter decodes it from text and shows it
  as `***` (in `lolpop check`, exports, plans), and only the code that needs the value
  calls `reveal()`. Two secrets are equal when their values are, so configs still
  compare and round-trip.
- Secrets also arrive where no type says so: a token read from the environment
  (`${env:API_TOKEN}`), a password in a tracking URI. Every `Secret` made, and every
  environment value of a secret-looking name that a config reads, is remembered for the
  life of the process, and `scrub(text)` replaces each remembered value (raw and
  percent-encoded) by `***`, then masks what still looks like a credential in a URL
  (its userinfo and the values of secret-looking query keys; path segments are left
  alone there, as run ids and file names look like tokens too). The command line writes
  every line through `scrub`, and the trackers scrub params and tags before recording.
- Remembering is process-wide on purpose: a secret must stay hidden in whatever message
  it reaches, however far from the setting it came from. Values shorter than 4
  characters are not remembered (masking every `1` in a log would hide nothing and
  garble everything).
"""

from __future__ import annotations

import re
import threading
import urllib.parse
from typing import final

MASK = "***"
_MIN_LENGTH = 4

#: A key that names a secret: password, token, secret, api_key, Authorization...
_SECRET_NAME = re.compile(
    r"(^|[_\-.])(password|passwd|pwd|token|secret|key|apikey|auth|authorization|"
    r"credential|credentials|cookie|session|signature|sig)$",
    re.IGNORECASE,
)
#: A query key whose value is a credential.
_SECRET_QUERY_KEY = re.compile(
    r"token|key|secret|pass|pwd|sig|auth|code|credential|session", re.IGNORECASE
)
#: A path segment that looks like a credential: long, of a token's alphabet, not a word.
_TOKEN_SEGMENT = re.compile(r"[A-Za-z0-9_\-.~=+]{16,}")
_WORDS = re.compile(r"[a-z_\-.]+")
#: `scheme://user:password@` in running text.
_USERINFO = re.compile(r"(?<=://)[^\s/@:]*:[^\s/@]*@")
_QUERY_PAIR = re.compile(r"(?<=[?&])([^=&#\s]+=)([^&#\s]*)")
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s'\"<>]+")

_known: set[str] = set()
_lock = threading.Lock()


def remember(value: str) -> None:
    """Hide `value` (and its percent-encoded forms) in everything `scrub` sees from now on."""
    if len(value) < _MIN_LENGTH:
        return
    forms = {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value)}
    with _lock:
        _known.update(form for form in forms if len(form) >= _MIN_LENGTH)


def is_secret_name(name: str) -> bool:
    """Whether a key or variable name names a secret (`password`, `API_TOKEN`, ...).

    >>> is_secret_name("API_TOKEN"), is_secret_name("Authorization"), is_secret_name("tokens")
    (True, True, False)
    """
    return bool(_SECRET_NAME.search(name))


@final
class Secret:
    """A text to use but never to show: `str()` and `repr()` give `***`.

    >>> token = Secret("s3cr3t-t0ken")
    >>> token, str(token), token.reveal()
    (Secret('***'), '***', 's3cr3t-t0ken')
    >>> scrub("sent with s3cr3t-t0ken")
    'sent with ***'
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"a Secret holds text, not a {type(value).__name__}")
        self._value = value
        remember(value)

    def reveal(self) -> str:
        """The secret's value, for the code that must use it (never to print)."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __reduce__(self) -> tuple[type[Secret], tuple[str]]:
        return Secret, (self._value,)


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
        netloc = MASK + "@" + netloc.rsplit("@", 1)[1]
    path = "/".join(_mask_segment(segment) for segment in parts.path.split("/"))
    query = urllib.parse.urlencode(
        [
            (key, MASK if _SECRET_QUERY_KEY.search(key) else value)
            for key, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="*",
    )
    fragment = MASK if parts.fragment else ""
    return urllib.parse.urlunsplit((parts.scheme, netloc, path, query, fragment))


def _mask_segment(segment: str) -> str:
    if _TOKEN_SEGMENT.fullmatch(segment) and not _WORDS.fullmatch(segment):
        return MASK
    return segment


def _mask_query(url: str) -> str:
    """`url`, changed in nothing but the values of its secret-looking query keys."""
    if "?" not in url:
        return url
    return _QUERY_PAIR.sub(
        lambda pair: (
            pair.group(1) + (MASK if _SECRET_QUERY_KEY.search(pair.group(1)) else pair.group(2))
        ),
        url,
    )


def scrub(text: str) -> str:
    """`text` with every remembered secret and every URL credential replaced by `***`.

    >>> scrub("cannot reach postgresql://bob:pa55@db/sales")
    'cannot reach postgresql://***@db/sales'
    """
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, MASK)
    if "://" in text:
        text = _USERINFO.sub(MASK + "@", text)
        text = _URL.sub(lambda found: _mask_query(found.group(0)), text)
    return text


def reveal(value: str | Secret) -> str:
    """The text of a setting that may be given as plain text (in Python) or a `Secret`."""
    return value.reveal() if isinstance(value, Secret) else value
