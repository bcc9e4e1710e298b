"""Errors that components raise for data they cannot use.

Kept out of `lolpop.errors` (the tree of the core) because only components read data;
every component family raises the same `DataError`, so a caller catches one class.

Design notes:

- A `DataError` is one paragraph that names what is wrong and where: the file (when a
  connector read it), the column and how many rows hold the mistake, with a few of the
  offending values. The same context is kept as fields (`path`, `column`, `rows`), so a
  caller (or a test) reads it without parsing the message.
- Data is checked before a library sees it: a user's data mistake never surfaces as
  scikit-learn's or pandas' own message, which names no file or column.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from lolpop._lazy import np, pd
from lolpop.errors import LolpopError


class DataError(LolpopError):
    """Data that cannot be used: a missing file or column, an unreadable or empty file,
    a value a column cannot hold (text among numbers, a missing or infinite value)."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        column: str | None = None,
        rows: int | None = None,
    ) -> None:
        super().__init__(message)
        #: The file the data came from, when known.
        self.path = path
        #: The column that holds the mistake, when it is one column.
        self.column = column
        #: How many rows hold the mistake, when counted.
        self.rows = rows

    def __reduce__(self) -> tuple[object, ...]:
        # The fields are keyword-only: pickle (a process backend) would drop them.
        rebuild = functools.partial(type(self), path=self.path, column=self.column, rows=self.rows)
        return (rebuild, self.args)


def not_numbers(column: pd.Series) -> pd.Series:
    """Which values of `column` are there (not missing) but are not numbers (`'abc'`).

    >>> not_numbers(pd.Series(["1", "abc", None, 2.5])).tolist()
    [False, True, False, False]
    """
    present = column.notna()
    if pd.api.types.is_numeric_dtype(column.dtype):
        return pd.Series(False, index=column.index)  # numbers, or missing
    try:  # each distinct value parsed once: a column repeats its few categories
        distinct = pd.Series(pd.unique(column[present].astype(object)), dtype=object)
    except TypeError:  # unhashable values (lists): parse every row
        return pd.to_numeric(column.astype(object), errors="coerce").isna() & present
    failed = distinct[pd.to_numeric(distinct, errors="coerce").isna()]
    return column.isin(failed.tolist()) & present


#: A text column whose values are numbers in at least this share of its rows (those not
#: missing) holds numbers, and its few other values are mistakes ('abc', '?'), not
#: categories.
NUMBERS_SHARE = 0.9


def typos_among_numbers(column: pd.Series) -> pd.Series:
    """The text values of a column that holds numbers in nearly every row (none when it
    does not: a column of categories, or of numbers only).

    >>> typos_among_numbers(pd.Series([*"123456789", "abc"])).tolist()[-2:]
    [False, True]
    >>> typos_among_numbers(pd.Series(["1", "x", "y"])).any()
    np.False_
    """
    text = not_numbers(column)
    present, count = int(column.notna().sum()), int(text.sum())
    if count == 0 or (present - count) / present < NUMBERS_SHARE:
        return pd.Series(False, index=column.index)
    return text


def numbers_and_text(column: pd.Series, text: pd.Series) -> str:
    """What a message says of a column's `text` values (`typos_among_numbers`) among its
    numbers: how many rows of each, some of the text and its index labels.

    >>> column = pd.Series(["1", "2", "x"], index=[7, 8, 9])
    >>> numbers_and_text(column, column == "x")
    "numbers in 2 rows and text in 1 row ('x'; index 9)"
    """
    count = int(text.sum())
    return (
        f"numbers in {int(column.notna().sum()) - count} rows and text in "
        f"{count_rows(count)} ({show_values(column[text].tolist())}; index "
        f"{show_values(column.index[text.to_numpy()].tolist())})"
    )


def count_rows(count: int) -> str:
    """`1 row`, `3 rows`.

    >>> count_rows(1), count_rows(3)
    ('1 row', '3 rows')
    """
    return f"{count} row{'' if count == 1 else 's'}"


def in_rows(mask: object, labels: pd.Index, named: str = "index") -> str:
    """`3 rows of 10 (index 4, 7, 9)`: how many of the rows labelled `labels` the boolean
    `mask` picks, and some of their labels, for a message (`named`: what the labels are,
    e.g. an id column's name).

    >>> in_rows([False, True, True], pd.Index(["a", "b", "c"]))
    "2 rows of 3 (index 'b', 'c')"
    >>> in_rows([True, False], pd.Index([17, 23]), "customer_id")
    '1 row of 2 (customer_id 17)'
    """
    picked = np.asarray(mask, dtype=bool)
    shown = show_values(labels[picked].tolist())
    return f"{count_rows(int(picked.sum()))} of {len(labels)} ({named} {shown})"


def show_values(values: Iterable[object], limit: int = 3) -> str:
    """Up to `limit` distinct values for a message, and how many more there are.

    >>> show_values(["abc", "n/a", "abc"]), show_values("abcde")
    ("'abc', 'n/a'", "'a', 'b', 'c' and 2 more")
    """
    distinct = list(dict.fromkeys(values))
    shown = ", ".join(repr(value) for value in distinct[:limit])
    more = len(distinct) - limit
    return f"{shown} and {more} more" if more > 0 else shown
