"""The laws of the step cache's codec (`lolpop.backends._codec`), on generated values.

`values` are trees of plain values (None, bools, ints, floats, text, bytes) in lists,
tuples and dicts with text or int keys; `frames` are pandas frames of int, float, bool
and text columns. The laws:

- round trip: `decode(encode(v)) == v` (NaN-free values: NaN is not equal to itself),
  and, NaN included, re-encoding what was decoded writes the same bytes, so a round trip
  keeps every type (a tuple stays a tuple, 1 stays an int and not 1.0 or True);
- a round trip keeps the digest: `digest(decode(encode(v))) == digest(v)` (what a step
  downstream of a reused output is keyed on);
- `encode` is deterministic: the same value, or a deep copy of it, gives the same bytes;
- a digest names exactly what `encode` writes: `digest(a) == digest(b)` if and only if
  `encode(a) == encode(b)`. Note that this is *not* "equal values have equal digests":
  `1 == 1.0 == True`, `[1] == (1,)` is False but `0.0 == -0.0` is True, and dicts equal
  in another order are equal; the digest tells all of these apart, as `encode` does
  (a step could tell them apart too). Nor is it "unequal values have other digests":
  `[nan] != [nan]`, yet both digests are one. What does hold for NaN-free values is
  `a != b  =>  digest(a) != digest(b)`, since equal encodings decode to equal values.
"""

from __future__ import annotations

import copy

import pandas as pd
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames, range_indexes

from lolpop.backends._codec import decode, digest, encode


def plain_values(*, allow_nan: bool) -> st.SearchStrategy[object]:
    """Trees of plain values in lists, tuples and dicts (text or int keys)."""
    leaves: st.SearchStrategy[object] = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=allow_nan)
        | st.text(max_size=8)
        | st.binary(max_size=8)
    )
    keys: st.SearchStrategy[object] = st.text(max_size=4) | st.integers()

    def extend(children: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
        return (
            st.lists(children, max_size=4)
            | st.lists(children, max_size=4).map(tuple)
            | st.dictionaries(keys, children, max_size=4)
        )

    return st.recursive(leaves, extend, max_leaves=12)


values = plain_values(allow_nan=True)
nan_free_values = plain_values(allow_nan=False)

frames: st.SearchStrategy[pd.DataFrame] = data_frames(
    columns=[
        column("n", dtype="int64"),
        column("x", dtype="float64"),
        column("flag", dtype="bool"),
        column("text", elements=st.text(max_size=6), dtype=object),
    ],
    index=range_indexes(max_size=8),
)
number_frames: st.SearchStrategy[pd.DataFrame] = data_frames(
    columns=[
        column("n", dtype="int64"),
        column("x", dtype="float64"),
        column("flag", dtype="bool"),
    ],
    index=range_indexes(max_size=8),
)


# --- plain values ------------------------------------------------------------------------


@given(nan_free_values)
def test_a_nan_free_value_reads_back_equal(value: object) -> None:
    assert decode(encode(value)) == value


@given(values)
def test_a_value_read_back_encodes_to_the_same_bytes(value: object) -> None:
    data = encode(value)
    assert encode(decode(data)) == data


@given(values)
def test_a_round_trip_keeps_the_digest(value: object) -> None:
    assert digest(decode(encode(value))) == digest(value)


@given(values)
def test_encode_is_deterministic(value: object) -> None:
    assert encode(value) == encode(value) == encode(copy.deepcopy(value))


@given(values, values)
def test_digests_are_equal_exactly_when_encodings_are(first: object, second: object) -> None:
    assert (digest(first) == digest(second)) == (encode(first) == encode(second))


@given(nan_free_values, nan_free_values)
def test_unequal_nan_free_values_have_other_digests(first: object, second: object) -> None:
    assume(first != second)
    assert digest(first) != digest(second)


# --- frames ------------------------------------------------------------------------------


@given(frames)
def test_a_frame_reads_back_equal(frame: pd.DataFrame) -> None:
    decoded = decode(encode(frame))
    assert isinstance(decoded, pd.DataFrame)
    pd.testing.assert_frame_equal(decoded, frame)


@given(number_frames)
def test_a_frame_without_text_reads_back_equal(frame: pd.DataFrame) -> None:
    decoded = decode(encode(frame))  # written as Parquet, not as a pickle
    assert isinstance(decoded, pd.DataFrame)
    pd.testing.assert_frame_equal(decoded, frame)


@given(frames)
def test_a_frame_round_trip_keeps_the_digest(frame: pd.DataFrame) -> None:
    assert digest(decode(encode(frame))) == digest(frame)


@given(frames)
def test_encoding_a_frame_is_deterministic(frame: pd.DataFrame) -> None:
    assert encode(frame) == encode(frame.copy(deep=True))


@given(frames)
def test_a_series_reads_back_equal_with_its_name(frame: pd.DataFrame) -> None:
    series = frame["text"].rename("label")
    decoded = decode(encode(series))
    assert isinstance(decoded, pd.Series)
    pd.testing.assert_series_equal(decoded, series)
