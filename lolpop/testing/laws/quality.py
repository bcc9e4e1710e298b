"""Kits of the quality family: `DataComparer`, `DataChecker` and `DataProfiler`.

Design notes:

- A comparer's example is a frame, a numeric column of it and a shift size
  (`DriftExample`); `exercise` compares the frame with a copy whose column is moved by
  that many standard deviations (`shift`), the way a comparer meets drift in a
  workflow. Its two laws are the two ends of what a comparer promises: identical data
  never drifts, and a column moved far enough always does.
- "Far enough" is declared, not guessed: every value moved by `SHIFT` (5) sample
  standard deviations, on at least `MIN_VALUES` (50) values. Whatever the column's
  distribution, some interval as wide as the shift then holds at least four fifths of
  its values (values spread so that every such interval holds less have a larger
  standard deviation than a fifth of the shift), so the two samples are at a
  Kolmogorov-Smirnov distance of at least 0.8, far beyond chance at 50 values. A
  constant column (no spread) is moved by `SHIFT` times its size (at least 1), so that
  the move survives floating point.
- A comparer set to compare some columns only (`columns:`) says nothing of the others:
  the shift law asks that the moved column be flagged when the report has it.
- A frame with too few values in the column is repeated row by row until it has
  `MIN_VALUES`, when it is moved: a comparer's verdict is about distributions, which
  repetition keeps, and the example (what a counterexample shows) stays the small frame
  drawn. A frame with no numeric column (or none with a finite value) leaves the shift
  law nothing to move; its example says so (`column` None) and that law asks nothing
  of it.
- A checker has the every-step laws only: what a report must hold depends on its
  rules. A profiler's counts must add up: the profile's row count is the frame's, one
  column profile per column in the frame's order, and each column's values and missing
  cells make up its rows.
"""

from __future__ import annotations

import math

import attrs
import numpy as np
import pandas as pd
from attrs import frozen
from hypothesis import strategies as st

from lolpop.components.profiler import is_numeric
from lolpop.components.records import (
    CheckReport,
    DataChecker,
    DataComparer,
    DataProfiler,
    DriftReport,
    Profile,
)
from lolpop.testing.laws import Kit, Law, broken, call, declare, show
from lolpop.testing.strategies import frames

#: How far the shift law moves a column, in its standard deviations.
SHIFT = 5.0
#: How many values the moved column has at least (rows are repeated to reach it).
MIN_VALUES = 50


@frozen
class DriftExample:
    """A frame to compare, and the column of it that the shift law moves by `size`."""

    frame: pd.DataFrame
    #: A numeric column with a finite value at least (None: the frame has none).
    column: str | None
    #: How far to move it, in its standard deviations.
    size: float = SHIFT


def _movable(frame: pd.DataFrame) -> list[str]:
    """The columns the shift law can move: numeric, named once, with finite values only
    (besides missing ones) and at least one of them."""
    counts = frame.columns.value_counts()
    names = []
    for name, column in frame.items():
        if not isinstance(name, str) or counts[name] > 1 or not is_numeric(column):
            continue
        values = column.dropna().to_numpy(dtype=np.float64)
        if values.size and np.isfinite(values).all():
            names.append(name)
    return names


def _drift_examples_from(
    comparer: DataComparer, frames: st.SearchStrategy[pd.DataFrame], target: str
) -> st.SearchStrategy[DriftExample]:
    @st.composite
    def examples(draw: st.DrawFn) -> DriftExample:
        # Drawn in one composite, so that a counterexample shows the frame itself.
        frame = draw(frames)
        names = _movable(frame)
        return DriftExample(frame, draw(st.sampled_from(names)) if names else None)

    return examples()


def _drift_examples(comparer: DataComparer) -> st.SearchStrategy[DriftExample]:
    drawn = frames(numeric=2, categorical=1, max_rows=20, missing=True)
    return _drift_examples_from(comparer, drawn, "")


def shift(example: DriftExample) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two frames the shift law compares: the example's frame, its rows repeated
    until the column has `MIN_VALUES` values, and a copy of that with the column moved
    by `size` standard deviations (by `size` times its size, at least 1, when it is
    constant). A frame with no column to move is compared with a copy of itself.

    >>> frame = pd.DataFrame({"x": [0.0, 2.0], "y": ["a", "b"]})
    >>> reference, current = shift(DriftExample(frame, "x"))
    >>> moved = current["x"] - reference["x"]
    >>> len(reference), round(float(reference["x"].std()), 2), round(float(moved.max()), 2)
    (50, 1.01, 5.05)
    """
    if example.column is None:
        return example.frame, example.frame.copy()
    present = int(example.frame[example.column].count())
    repeats = math.ceil(MIN_VALUES / present) if 0 < present < MIN_VALUES else 1
    reference = pd.concat([example.frame] * repeats, ignore_index=True)
    column = reference[example.column].astype(np.float64)
    values = column.dropna()
    top = float(values.abs().max())
    # Constant is judged by the values (the std of equal floats may come out a rounding
    # error); the std is taken of the values scaled into [-1, 1] and scaled back, since
    # tiny values (1e-300) would square to 0.
    constant = values.nunique() <= 1
    scale = max(1.0, top) if constant else top * float((values / top).std())
    return reference, reference.assign(**{example.column: column + example.size * scale})


def _compare(comparer: DataComparer, example: DriftExample) -> DriftReport:
    return call(comparer.compare, shift(example))


def _identical_never_drifts(comparer: DataComparer, example: DriftExample) -> None:
    report = call(comparer.compare, (example.frame, example.frame.copy()))
    if report.drifted:
        flagged = [c for c in report.columns if c.drifted]
        broken(
            f"a frame compared with a copy of itself drifts in {show(list(report.drifted))}: "
            f"{show(flagged)}"
        )


def _shift_drifts(comparer: DataComparer, example: DriftExample) -> None:
    if example.column is None:
        return
    report = _compare(comparer, example)
    found = [c for c in report.columns if c.column == example.column]
    if found and example.column not in report.drifted:
        broken(
            f"the column {example.column!r}, every value moved by {example.size:g} standard "
            f"deviations, is not flagged as drifted: {show(found)}"
        )


COMPARER = declare(
    Kit(
        "comparer",
        DataComparer,
        _compare,
        (
            Law(
                "identical data never drifts",
                "A frame compared with a copy of itself drifts in no column.",
                _identical_never_drifts,
            ),
            Law(
                "a shifted column drifts",
                f"A numeric column with every value moved by {SHIFT:g} standard deviations "
                f"(on at least {MIN_VALUES} values) is flagged as drifted (when compared).",
                _shift_drifts,
            ),
        ),
        _drift_examples,
        _drift_examples_from,
    )
)


# --- checkers and profilers -------------------------------------------------------------


def _frames(component: object) -> st.SearchStrategy[pd.DataFrame]:
    return frames(numeric=2, categorical=1, max_rows=30, missing=True)


def _same_frames(
    component: object, frames: st.SearchStrategy[pd.DataFrame], target: str
) -> st.SearchStrategy[pd.DataFrame]:
    return frames


def _check(checker: DataChecker, frame: pd.DataFrame) -> CheckReport:
    return call(checker.check, frame)


CHECKER = declare(Kit("checker", DataChecker, _check, (), _frames, _same_frames))


def _profile(profiler: DataProfiler, frame: pd.DataFrame) -> Profile:
    return call(profiler.profile, frame)


_COUNTS = frozenset({"count", "missing", "distinct"})


def _counts_add_up(profiler: DataProfiler, frame: pd.DataFrame) -> None:
    profile = _profile(profiler, frame)
    if profile.rows != len(frame):
        broken(f"the profile counts {profile.rows} rows in a frame of {len(frame)}")
    names = [column.name for column in profile.columns]
    expected = [str(name) for name in frame.columns]
    if names != expected:
        broken(f"the profile has the columns {show(names)}, not the frame's {show(expected)}")
    for column in profile.columns:
        if column.count + column.missing != len(frame) or column.distinct > column.count:
            counts = attrs.asdict(column, filter=lambda a, _: a.name in _COUNTS)
            broken(
                f"the counts of column {column.name!r} do not add up to the frame's "
                f"{len(frame)} rows (count + missing = rows, distinct <= count): {counts}"
            )


PROFILER = declare(
    Kit(
        "profiler",
        DataProfiler,
        _profile,
        (
            Law(
                "counts add up",
                "The profile counts the frame's rows, profiles each column in the frame's "
                "order, and each column's values and missing cells add up to the rows (with "
                "no more distinct values than values).",
                _counts_add_up,
            ),
        ),
        _frames,
        _same_frames,
    )
)

__all__ = (
    "CHECKER",
    "COMPARER",
    "MIN_VALUES",
    "PROFILER",
    "SHIFT",
    "DriftExample",
    "shift",
)
