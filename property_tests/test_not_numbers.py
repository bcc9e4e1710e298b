"""`not_numbers` parses each distinct value once, and finds exactly the rows a parse of
every row finds (numbers as text, numbers, text, missing values, mixed)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from lolpop.components._errors import not_numbers

_VALUES = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**6), 10**6),
    st.sampled_from(["1", "2.5", " 3 ", "abc", "?", "", "n/a", "1e3", "nan", "inf", "-0"]),
    st.text(max_size=4),
)


def _every_row(column: pd.Series) -> pd.Series:
    return pd.to_numeric(column.astype(object), errors="coerce").isna() & column.notna()


@given(st.lists(_VALUES, max_size=30))
def test_distinct_values_give_the_rows_every_row_gives(values: list[object]) -> None:
    column = pd.Series(values, dtype=object)
    assert not_numbers(column).tolist() == _every_row(column).tolist()


def test_numbers_and_text_columns() -> None:
    assert not not_numbers(pd.Series([1.0, None, 3.5])).any()
    text = pd.Series(["1", "abc", None, "abc", "2"], dtype="string")
    assert not_numbers(text).tolist() == [False, True, False, True, False]
