"""Hypothesis strategies for frames and labelled data, to property-test components.

Columns are named by kind (`num_0`, `num_1`, ..., `cat_0`, ...), so a law can pick
columns without inspecting the frame. Numbers are finite and moderate (|x| <= 1e6), so
that laws about models and metrics are not laws about float overflow; categories are
short strings of a few letters (pyarrow refuses the surrogates an unrestricted text
strategy draws). Classification targets hold every class at least three times, so a
stratified split or a cross-validated fit always has something to work with.

>>> from hypothesis import given
>>> @given(frames(numeric=1, categorical=1, min_rows=2))
... def law(frame: pd.DataFrame) -> None:
...     assert list(frame.columns) == ["num_0", "cat_0"] and len(frame) >= 2
>>> law()
"""

from __future__ import annotations

import pandas as pd
from hypothesis import strategies as st

from lolpop.components.records import Labelled, Task

_CATEGORIES = ("a", "b", "c", "d", "e")


def _numbers(allow_missing: bool) -> st.SearchStrategy[float]:
    finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
    return st.one_of(finite, st.just(float("nan"))) if allow_missing else finite


def _categories(allow_missing: bool) -> st.SearchStrategy[str | None]:
    letters: st.SearchStrategy[str | None] = st.sampled_from(_CATEGORIES)
    return st.one_of(letters, st.none()) if allow_missing else letters


@st.composite
def _frame(
    draw: st.DrawFn, numeric: int, categorical: int, rows: int, missing: bool
) -> pd.DataFrame:
    columns: dict[str, list[float] | list[str | None]] = {}
    for i in range(numeric):
        columns[f"num_{i}"] = draw(st.lists(_numbers(missing), min_size=rows, max_size=rows))
    for i in range(categorical):
        columns[f"cat_{i}"] = draw(st.lists(_categories(missing), min_size=rows, max_size=rows))
    frame = pd.DataFrame(columns, index=pd.RangeIndex(rows))
    for i in range(categorical):
        frame[f"cat_{i}"] = frame[f"cat_{i}"].astype(object)
    return frame


def frames(
    *,
    numeric: int = 2,
    categorical: int = 1,
    min_rows: int = 1,
    max_rows: int = 40,
    missing: bool = False,
) -> st.SearchStrategy[pd.DataFrame]:
    """Frames with `numeric` float columns and `categorical` string columns.

    `missing=True` lets any cell be missing (NaN in numbers, None in categories).
    """
    return st.integers(min_rows, max_rows).flatmap(
        lambda rows: _frame(numeric, categorical, rows, missing)
    )


@st.composite
def _labelled(
    draw: st.DrawFn,
    *,
    task: Task,
    classes: int,
    numeric: int,
    categorical: int,
    rows: int,
    missing: bool,
) -> Labelled:
    features = draw(_frame(numeric, categorical, rows, missing))
    if task == "classification":
        # Every class three times, the rest drawn, then shuffled (by hypothesis).
        fixed = [label for label in range(classes) for _ in range(3)]
        rest = draw(st.lists(st.integers(0, classes - 1), min_size=rows - len(fixed)))
        labels = draw(st.permutations(fixed + rest[: rows - len(fixed)]))
        target = pd.Series(labels, index=features.index, name="target", dtype="int64")
    else:
        values = draw(st.lists(_numbers(False), min_size=rows, max_size=rows))
        target = pd.Series(values, index=features.index, name="target", dtype="float64")
    return Labelled(features, target)


def labelled(
    task: Task = "classification",
    *,
    classes: int = 2,
    numeric: int = 2,
    categorical: int = 0,
    min_rows: int = 20,
    max_rows: int = 60,
    missing: bool = False,
) -> st.SearchStrategy[Labelled]:
    """Features (as `frames` makes them) with a target named `target`.

    Classification targets are the integers `0 .. classes - 1`, each at least three
    times; regression targets are finite floats.
    """
    low = max(min_rows, 3 * classes if task == "classification" else 1)
    return st.integers(low, max(low, max_rows)).flatmap(
        lambda rows: _labelled(
            task=task,
            classes=classes,
            numeric=numeric,
            categorical=categorical,
            rows=rows,
            missing=missing,
        )
    )
