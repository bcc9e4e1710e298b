"""Laws of the data components: the splitter, the function transformer, the CSV connector.

- splitter: the same frame and seed give the same parts; the parts are disjoint, cover
  every row and keep its labels and values; the input is not mutated; a stratified split
  keeps each class within one row of its share in every part (and refuses a class too
  rare for a part to get a row of it); a time split orders the parts in time;
- function transformer: a row-preserving function keeps the row count, and the input is
  not mutated even by a function that changes its argument in place;
- CSV connector: what is written is read back equal.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.pipeline import is_successful

from lolpop import StepFailure, run
from lolpop.components._errors import DataError
from lolpop.components.file_connector import CsvSettings, csv_connector
from lolpop.components.function_transformer import make_transformer
from lolpop.components.records import Labelled, Splits
from lolpop.components.splitter import SplitterSettings, data_splitter
from lolpop.testing.strategies import frames, labelled

#: Half the profile's examples for laws on generated labelled frames, whose drawing
#: dominates their time.
_FEWER = settings(max_examples=max(10, settings().max_examples // 2))

#: (valid_size, test_size) pairs that leave every part rows in a frame of 20 or more.
_SIZES = st.tuples(st.sampled_from((0.1, 0.15, 0.2, 0.3)), st.sampled_from((0.1, 0.15, 0.25)))


@st.composite
def _splittable(draw: st.DrawFn) -> pd.DataFrame:
    """A labelled frame (features and `target`) with unique, shuffled index labels."""
    data: Labelled = draw(labelled(classes=draw(st.integers(2, 3)), categorical=1))
    frame = data.features.assign(target=data.target)
    labels = draw(st.permutations(range(100, 100 + len(frame))))
    return frame.set_axis(pd.Index(labels))


def _parts(splits: Splits) -> tuple[Labelled, Labelled, Labelled]:
    return splits.train, splits.valid, splits.test


@_FEWER
@given(_splittable(), st.integers(0, 2**32 - 1), st.booleans(), _SIZES)
def test_splitter_is_deterministic_under_its_seed(
    frame: pd.DataFrame, seed: int, stratify: bool, sizes: tuple[float, float]
) -> None:
    settings = SplitterSettings(
        "target", stratify=stratify, seed=seed, valid_size=sizes[0], test_size=sizes[1]
    )
    first = data_splitter(settings).split(frame)
    again = data_splitter(settings).split(frame.copy())
    for a, b in zip(_parts(first), _parts(again), strict=True):
        pd.testing.assert_frame_equal(a.features, b.features)
        pd.testing.assert_series_equal(a.target, b.target)


@_FEWER
@given(_splittable(), st.integers(0, 1000), st.booleans(), _SIZES)
def test_splitter_parts_are_disjoint_cover_and_keep_rows(
    frame: pd.DataFrame, seed: int, stratify: bool, sizes: tuple[float, float]
) -> None:
    before = frame.copy()
    settings = SplitterSettings(
        "target", stratify=stratify, seed=seed, valid_size=sizes[0], test_size=sizes[1]
    )
    splits = data_splitter(settings).split(frame)
    pd.testing.assert_frame_equal(frame, before)
    labels = [list(part.features.index) for part in _parts(splits)]
    assert all(labels)
    assert sorted(label for part in labels for label in part) == sorted(frame.index)
    for part in _parts(splits):
        rows = frame.loc[part.features.index]
        pd.testing.assert_frame_equal(part.features, rows.drop(columns="target"))
        pd.testing.assert_series_equal(part.target, rows["target"])


@_FEWER
@given(_splittable(), st.integers(0, 1000), _SIZES)
def test_stratified_split_keeps_each_class_within_one_row_of_its_share(
    frame: pd.DataFrame, seed: int, sizes: tuple[float, float]
) -> None:
    valid_size, test_size = sizes
    settings = SplitterSettings(
        "target", stratify=True, seed=seed, valid_size=valid_size, test_size=test_size
    )
    totals = frame["target"].value_counts()
    if any(math.floor(total * share + 0.5) == 0 for total in totals for share in sizes):
        # A class too rare for a part to get a row of it is refused, not left out.
        with pytest.raises(StepFailure, match="too few to be in every part"):
            data_splitter(settings).split(frame)
        return
    splits = data_splitter(settings).split(frame)
    shares = (1 - valid_size - test_size, valid_size, test_size)
    for part, share in zip(_parts(splits), shares, strict=True):
        counts = part.target.value_counts()
        for label, total in totals.items():
            assert abs(counts.get(label, 0) - total * share) <= 1


@given(
    st.lists(st.integers(0, 30), min_size=10, max_size=60),
    _SIZES,
)
def test_time_split_orders_the_parts_in_time(times: list[int], sizes: tuple[float, float]) -> None:
    frame = pd.DataFrame({"when": times, "target": np.arange(len(times)) % 2})
    settings = SplitterSettings(
        "target", method="time", column="when", valid_size=sizes[0], test_size=sizes[1]
    )
    result = run(data_splitter(settings).split, frame)
    if not is_successful(result):
        # Runs of equal times stay in one part, which can leave a part with no row.
        cause = result.failure().cause
        assert isinstance(cause, DataError)
        assert "equal times" in str(cause)
        return
    splits = result.unwrap()
    train, valid, test = (part.features["when"] for part in _parts(splits))
    assert train.max() < valid.min()
    assert valid.max() < test.min()


@given(frames(missing=True))
def test_transformer_keeps_rows_and_never_mutates_its_input(frame: pd.DataFrame) -> None:
    def double_in_place(data: pd.DataFrame) -> pd.DataFrame:
        data["num_0"] = data["num_0"] * 2
        data["cat_0"] = "z"
        return data

    before = frame.copy()
    result = make_transformer(double_in_place).transform(frame)
    pd.testing.assert_frame_equal(frame, before)
    assert len(result) == len(frame)
    assert result.index.equals(frame.index)
    np.testing.assert_array_equal(result["num_0"].to_numpy(), frame["num_0"].to_numpy() * 2)


@given(frames(numeric=2, categorical=2, min_rows=1))
def test_csv_round_trip(frame: pd.DataFrame) -> None:
    with tempfile.TemporaryDirectory() as folder:
        connector = csv_connector(CsvSettings(str(Path(folder) / "frame.csv")))
        before = frame.copy()
        assert connector.write(frame).rows == len(frame)
        read = connector.read(None)
    pd.testing.assert_frame_equal(frame, before)
    # Strings come back as pandas' string dtype, not object: compare values, not dtypes.
    pd.testing.assert_frame_equal(read, frame, check_dtype=False, check_exact=False, rtol=1e-12)
