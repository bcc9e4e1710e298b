"""A user's own components and hook checks, for `lolpop test` and the hooks' tests.

A config names them by reference (`type: tests.testing.custom_components:ROW_SPLITTER`,
`function: tests.testing.custom_components:count_missing`) and allow-lists the module
(`allow_imports: [tests.testing]`). Some are correct; the broken ones each break one law:

- `OVERLAPPING_SPLITTER`: its valid part repeats train rows ("parts are disjoint and
  cover every row");
- `jitter`, a transformer function: adds unseeded noise ("deterministic").
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from attrs import frozen

from lolpop import make_step
from lolpop.components._kinds import make_kind
from lolpop.components.records import DataSplitter, Labelled, Splits

# --- splitters --------------------------------------------------------------------------


@frozen
class RowSplitterSettings:
    """A split by row position: every fifth row to test, the next to valid."""

    target: str
    drop: tuple[str, ...] = ()


def _part(frame: pd.DataFrame, settings: RowSplitterSettings, rows: np.ndarray) -> Labelled:
    features = frame.drop(columns=[settings.target, *settings.drop])
    return Labelled(features.iloc[rows], frame[settings.target].iloc[rows])


def _positions(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    place = np.arange(len(frame)) % 5
    return np.flatnonzero(place >= 2), np.flatnonzero(place == 1), np.flatnonzero(place == 0)


def row_splitter(settings: RowSplitterSettings) -> DataSplitter:
    """Every fifth row to test, the next to valid, the rest to train (a correct splitter)."""

    def split(frame: pd.DataFrame) -> Splits:
        train, valid, test = _positions(frame)
        return Splits(
            _part(frame, settings, train),
            _part(frame, settings, valid),
            _part(frame, settings, test),
        )

    return DataSplitter(split=make_step(split, name="split"))


def overlapping_splitter(settings: RowSplitterSettings) -> DataSplitter:
    """Like `row_splitter`, but its valid part is the train part again (broken)."""

    def split(frame: pd.DataFrame) -> Splits:
        train, _, test = _positions(frame)
        return Splits(
            _part(frame, settings, train),
            _part(frame, settings, train),
            _part(frame, settings, test),
        )

    return DataSplitter(split=make_step(split, name="split"))


ROW_SPLITTER = make_kind("row_splitter", RowSplitterSettings, row_splitter)
OVERLAPPING_SPLITTER = make_kind("overlapping_splitter", RowSplitterSettings, overlapping_splitter)

# --- transformer functions (`type: function`) --------------------------------------------


def count_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds how many values each row misses (a correct transformer)."""
    return frame.assign(missing_values=frame.isna().sum(axis=1))


def jitter(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds a little noise to a new column, unseeded: not deterministic (broken)."""
    noise = np.random.default_rng().normal(0.0, 1.0, len(frame))
    return frame.assign(noise=noise)


# --- hook checks ------------------------------------------------------------------------


def has_rows(frame: pd.DataFrame) -> str | None:
    """The frame holds rows."""
    return None if len(frame) > 0 else "the frame has no rows"


def at_most_ten_rows(frame: pd.DataFrame) -> str | None:
    """The frame holds at most ten rows (the churn data has more: this check fails)."""
    return None if len(frame) <= 10 else f"expected at most 10 rows, got {len(frame)}"


def asserts_no_rows(frame: pd.DataFrame) -> None:
    """Asserts the frame is empty (fails on any data, with an assertion)."""
    assert frame.empty, f"{len(frame)} rows where none were expected"


def takes_two(frame: pd.DataFrame, other: pd.DataFrame) -> str | None:
    """Not a check: it takes two arguments."""
    return None
