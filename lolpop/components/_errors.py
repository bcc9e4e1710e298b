"""Errors that components raise for data they cannot use.

Kept out of `lolpop.errors` (the tree of the core) because only components read data;
every component family raises the same `DataError`, so a caller catches one class.
"""

from __future__ import annotations

from lolpop.errors import LolpopError


class DataError(LolpopError):
    """Data that cannot be used: a missing file or column, an unreadable or empty file."""
