"""Laws of the data-quality components: profiler, rules checker, drift comparer.

- the profiler's counts and statistics are pandas' own, its histograms add up, and its
  JSON is valid; profiling is deterministic and leaves the frame as it was;
- a frame compared with itself drifts nowhere (by either categorical test), and PSI of
  a column against itself is 0;
- the checker is deterministic, leaves the frame as it was, and gives one result per
  listed column.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lolpop.components.data_checker import CheckerSettings, Rule, rules_checker
from lolpop.components.drift import DriftSettings, drift_comparer, psi
from lolpop.components.profiler import (
    STATISTICS,
    ProfilerSettings,
    pandas_profiler,
    profile_to_json,
)
from lolpop.components.records import Status
from lolpop.testing.profiles import scaled
from lolpop.testing.strategies import frames

PROFILER = pandas_profiler(ProfilerSettings(bins=5, top=3))
COMPARERS = {
    "chi2": drift_comparer(DriftSettings(categorical_test="chi2")),
    "psi": drift_comparer(DriftSettings(categorical_test="psi")),
}


@given(frames(numeric=2, categorical=2, missing=True))
def test_profile_counts_are_pandas_counts(frame: pd.DataFrame) -> None:
    profile = PROFILER.profile(frame)
    assert profile.rows == len(frame)
    for column in profile.columns:
        series = frame[column.name]
        assert column.count == series.count()
        assert column.missing == series.isna().sum()
        assert column.count + column.missing == len(frame)
        assert column.distinct == series.nunique()
        if column.name.startswith("num_") and column.count:
            described = series.describe()
            for key in STATISTICS:
                assert column.statistics[key] == pytest.approx(described[key], nan_ok=True)
            assert sum(column.bin_counts) == column.count
            assert len(column.bin_edges) == len(column.bin_counts) + 1 == 6
        else:
            assert not column.bin_counts
        if column.name.startswith("cat_"):
            counts = series.value_counts()
            assert sum(column.top_values.values()) <= column.count
            for value, count in column.top_values.items():
                assert counts[value] == count
            assert len(column.top_values) == min(3, column.distinct)


@settings(max_examples=scaled(0.5))  # a law of lesser risk, for a quicker run
@given(frames(numeric=2, categorical=1, missing=True))
def test_profiling_is_deterministic_valid_json_and_leaves_the_frame(frame: pd.DataFrame) -> None:
    before = frame.copy()
    first, second = PROFILER.profile(frame), PROFILER.profile(frame.copy())
    # Compared as JSON: NaN statistics (the std of one value) are unequal to themselves.
    text = profile_to_json(first)
    assert text == profile_to_json(second)
    assert json.loads(text)["rows"] == len(frame)
    pd.testing.assert_frame_equal(frame, before)


@settings(max_examples=scaled(0.5))  # two scipy tests a column: the slowest law here
@given(frames(numeric=2, categorical=2, missing=True), st.sampled_from(["chi2", "psi"]))
def test_a_frame_against_itself_drifts_nowhere(frame: pd.DataFrame, test: str) -> None:
    before = frame.copy()
    report = COMPARERS[test].compare((frame, frame.copy()))
    assert report.drifted == ()
    assert [c.column for c in report.columns] == list(frame.columns)
    pd.testing.assert_frame_equal(frame, before)


@given(frames(numeric=1, categorical=1, min_rows=1))
def test_psi_of_a_column_against_itself_is_zero(frame: pd.DataFrame) -> None:
    assert psi(frame["num_0"], frame["num_0"]) == 0.0
    assert psi(frame["cat_0"], frame["cat_0"]) == 0.0


RULES = (
    Rule("required_columns", columns=("num_0", "cat_0", "other")),
    Rule("dtype", columns=("num_0", "cat_0"), dtype="numeric"),
    Rule("not_null", columns=("num_0", "cat_0"), max_missing_fraction=0.2),
    Rule("range", columns=("num_0", "num_1"), min=-1e5, max=1e5, severity="WARN"),
    Rule("allowed_values", columns=("cat_0",), values=("a", "b", "c")),
    Rule("unique", columns=("num_0", "cat_0")),
    Rule("row_count", min=10, max=30),
)
CHECKER = rules_checker(CheckerSettings(RULES))


@given(frames(numeric=2, categorical=1, missing=True))
def test_the_checker_is_deterministic_and_leaves_the_frame(frame: pd.DataFrame) -> None:
    before = frame.copy()
    report = CHECKER.check(frame)
    assert report == CHECKER.check(frame.copy())
    pd.testing.assert_frame_equal(frame, before)
    assert len(report.results) == 3 + 2 + 2 + 2 + 1 + 2 + 1
    assert report.results[2].status is Status.ERROR  # `other` is never there
    # The unique rule on num_0 (result 10) agrees with pandas.
    unique = report.results[10]
    assert (unique.status is Status.OK) == (not frame["num_0"].dropna().duplicated().any())
    # The range rule on num_1 (result 8, a warning) agrees with numpy.
    values = frame["num_1"].dropna().to_numpy()
    outside = bool(np.any((values < -1e5) | (values > 1e5)))
    assert report.results[8].status is (Status.WARN if outside else Status.OK)
