"""Laws of the local content-addressed store: round trips, deduplication, numbering."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from lolpop.components.records import ResourceVersionControl
from lolpop.components.version_store import local_store
from lolpop.testing.strategies import frames

#: A memory-backed folder where there is one: fsync costs nothing there, so the laws
#: test the store's logic at many examples, not the disk (the tests in tests/ use a disk).
_FAST_DIR = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None

#: Picklable values that compare equal to themselves (no NaN).
values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.binary(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=5), inner, max_size=5)
    ),
    max_leaves=20,
)


@contextmanager
def new_store() -> Iterator[ResourceVersionControl]:
    with tempfile.TemporaryDirectory(dir=_FAST_DIR) as root:
        yield local_store(root)


#: Frames with object columns (pickled) and numeric-only frames (Parquet).
mixed_frames = frames(numeric=2, categorical=2, max_rows=30, missing=True) | frames(
    numeric=3, categorical=0, max_rows=30, missing=True
)
#: Frame laws draw and encode frames, which is slow: half the profile's examples.
fewer = settings(max_examples=max(10, settings().max_examples // 2))


@fewer
@given(mixed_frames)
def test_a_frame_comes_back_exactly(frame: pd.DataFrame) -> None:
    before = frame.copy(deep=True)
    with new_store() as store:
        version = store.save_frame(("data", frame))
        back = store.load_frame(version)
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    assert back.dtypes.to_dict() == frame.dtypes.to_dict()
    # Missing values keep their kind: None stays None, NaN stays NaN.
    for column in frame.columns:
        assert [type(v) for v in back[column]] == [type(v) for v in frame[column]]
    pd.testing.assert_frame_equal(frame, before)  # the input is not mutated
    # Parquet whenever it is exact; always for float columns (object columns of strings
    # are pickled, but an object column of only None is exact in Parquet too).
    if all(dtype == "float64" for dtype in frame.dtypes):
        assert version.metadata["format"] == "parquet"


@given(values)
def test_a_value_comes_back_equal(value: object) -> None:
    with new_store() as store:
        assert store.load_object(store.save_object(("value", value))) == value


@fewer
@given(frames(missing=True), values)
def test_saving_the_same_content_twice_gives_the_same_version(
    frame: pd.DataFrame, value: object
) -> None:
    with new_store() as store:
        first = store.save_frame(("frame", frame))
        assert store.save_frame(("frame", frame.copy())) == first
        kept = store.save_object(("value", value))
        assert store.save_object(("value", value)) == kept
        assert (first.number, kept.number) == (1, 1)
        assert len(store.versions("frame")) == len(store.versions("value")) == 1


@given(st.lists(st.integers(0, 3), min_size=1, max_size=12))
def test_versions_are_numbered_by_change_and_listed_by_number(saves: list[int]) -> None:
    with new_store() as store:
        numbers = [store.save_object(("counter", value)).number for value in saves]
        listed = store.versions("counter")
        loaded = [store.load_object(version) for version in listed]
    changes = [value for i, value in enumerate(saves) if i == 0 or saves[i - 1] != value]
    assert [v.number for v in listed] == list(range(1, len(changes) + 1))
    assert loaded == changes
    assert numbers == sorted(numbers)
