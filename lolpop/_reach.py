"""Whether a server at an `http(s)://` address takes a connection, asked once with a
short timeout: MLflow's and Prefect's clients retry a server that does not answer for
minutes, without a word, so lolpop asks before it starts work that needs one."""

from __future__ import annotations

import socket
import urllib.parse
import urllib.request


def unreachable(url: str, timeout: float = 5.0) -> str | None:
    """Why the server at `url` takes no connection within `timeout` seconds (the system's
    words, e.g. "Connection refused"); None when it takes one, and when lolpop cannot
    tell: a URL that is not `http(s)://` with a host, or one reached through a proxy the
    environment names (only the proxy could tell).

    >>> unreachable("sqlite:///mlflow.db") is None
    True
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.scheme in urllib.request.getproxies() and not urllib.request.proxy_bypass(
        parts.hostname
    ):
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return None
    except (OSError, ValueError) as error:
        return error.strerror if isinstance(error, OSError) and error.strerror else str(error)
