"""The pandas profiler: counts and statistics agree with pandas, histograms add up, and
the JSON and HTML reports are valid, escaped and self-contained."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, load_iris

from lolpop import StepFailure
from lolpop.components._errors import DataError
from lolpop.components.profiler import (
    KINDS,
    STATISTICS,
    ProfilerSettings,
    pandas_profiler,
    profile_to_html,
    profile_to_json,
    report_writer,
)
from lolpop.components.records import DataProfiler, Profile
from lolpop.config.converter import structure_workflow
from lolpop.config.registry import Registry
from lolpop.errors import ConfigError, DefinitionError


def profile(frame: pd.DataFrame, settings: ProfilerSettings | None = None) -> Profile:
    return pandas_profiler(settings or ProfilerSettings()).profile(frame)


def assert_agrees_with_pandas(frame: pd.DataFrame, result: Profile, bins: int = 10) -> None:
    assert result.rows == len(frame)
    assert [c.name for c in result.columns] == [str(c) for c in frame.columns]
    for column in result.columns:
        series = frame[column.name]
        assert column.dtype == str(series.dtype)
        assert column.count == series.count()
        assert column.missing == series.isna().sum()
        assert column.distinct == series.nunique()
        if column.statistics:
            described = series.describe()
            for key in STATISTICS:
                assert column.statistics[key] == pytest.approx(described[key], nan_ok=True)
        if column.bin_counts:
            assert sum(column.bin_counts) == column.count
            counts, edges = np.histogram(series.dropna().to_numpy(dtype=float), bins=bins)
            assert column.bin_counts == tuple(counts)
            assert column.bin_edges == pytest.approx(tuple(edges))


@pytest.mark.parametrize("dataset", ["iris", "diabetes"])
def test_counts_and_statistics_match_pandas_on_real_data(dataset: str) -> None:
    bunch = load_iris(as_frame=True) if dataset == "iris" else load_diabetes(as_frame=True)
    frame = bunch.frame
    result = profile(frame)
    assert_agrees_with_pandas(frame, result)
    # Every column of these is numeric with values: each has statistics and a histogram.
    assert all(len(c.statistics) == 7 and len(c.bin_counts) == 10 for c in result.columns)
    assert all(not c.top_values for c in result.columns)


def test_iris_numbers_by_hand() -> None:
    frame = load_iris(as_frame=True).frame
    sepal = profile(frame).column("sepal length (cm)")
    assert (sepal.count, sepal.missing, sepal.distinct) == (150, 0, 35)
    assert sepal.statistics["min"] == 4.3
    assert sepal.statistics["max"] == 7.9
    assert sepal.statistics["50%"] == 5.8
    assert sepal.statistics["mean"] == pytest.approx(5.843333, abs=1e-6)


@pytest.fixture
def mixed() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "x": [1.0, None, 3.0, 3.0, None, 10.0],
            "word": ["b", "a", None, "b", "c", "a"],
            "flag": [True, False, True, True, True, False],
            "empty": [math.nan] * 6,
            "n": pd.array([1, None, 2, 2, 2, 5], dtype="Int64"),
        }
    )


def test_a_frame_with_missing_values_and_strings(mixed: pd.DataFrame) -> None:
    result = profile(mixed, ProfilerSettings(bins=3, top=2))
    assert_agrees_with_pandas(mixed, result, bins=3)

    x = result.column("x")
    assert (x.count, x.missing, x.distinct) == (4, 2, 3)
    assert x.statistics == pytest.approx(
        {
            "min": 1.0,
            "max": 10.0,
            "mean": 4.25,
            "std": mixed["x"].std(),
            "25%": 2.5,
            "50%": 3.0,
            "75%": 4.75,
        }
    )
    assert x.bin_edges == pytest.approx((1.0, 4.0, 7.0, 10.0))
    assert x.bin_counts == (3, 0, 1)

    word = result.column("word")
    assert (word.count, word.missing, word.distinct) == (5, 1, 3)
    # The two most frequent; a tie is ordered by the value.
    assert list(word.top_values.items()) == [("a", 2), ("b", 2)]
    assert not word.statistics
    assert not word.bin_counts

    flag = result.column("flag")
    assert flag.top_values == {"True": 4, "False": 2}
    assert not flag.statistics
    assert not flag.bin_counts

    empty = result.column("empty")
    assert (empty.count, empty.missing, empty.distinct) == (0, 6, 0)
    assert not empty.statistics
    assert not empty.bin_counts
    assert not empty.top_values

    n = result.column("n")
    assert (n.dtype, n.count, n.distinct) == ("Int64", 5, 3)
    assert n.statistics["mean"] == pytest.approx(2.4)
    assert sum(n.bin_counts) == 5


def test_a_single_value_has_nan_std_and_a_histogram() -> None:
    only = profile(pd.DataFrame({"v": [7.0]})).column("v")
    assert math.isnan(only.statistics["std"])
    assert only.bin_counts == (0,) * 5 + (1,) + (0,) * 4


def test_an_infinite_value_gets_statistics_but_no_histogram() -> None:
    column = profile(pd.DataFrame({"v": [1.0, 2.0, math.inf]})).column("v")
    assert column.statistics["max"] == math.inf
    assert column.bin_counts == ()
    assert column.bin_edges == ()


def test_a_categorical_column_counts_only_used_categories() -> None:
    series = pd.Categorical(["a", "a", "b"], categories=["a", "b", "unused"])
    column = profile(pd.DataFrame({"c": series})).column("c")
    assert column.top_values == {"a": 2, "b": 1}
    assert column.distinct == 2


def test_an_empty_frame_has_a_profile() -> None:
    result = profile(pd.DataFrame({"a": pd.Series([], dtype=float)}))
    assert result.rows == 0
    assert result.column("a").count == 0
    assert profile(pd.DataFrame()).columns == ()


def test_unhashable_cells_are_a_data_error_naming_the_column() -> None:
    frame = pd.DataFrame({"lists": [[1], [2]]})
    with pytest.raises(StepFailure) as caught:
        profile(frame)
    cause = caught.value.failure.cause
    assert isinstance(cause, DataError)
    assert "'lists'" in str(cause)


def test_profiling_leaves_the_frame_unchanged(mixed: pd.DataFrame) -> None:
    before = mixed.copy()
    profile(mixed)
    pd.testing.assert_frame_equal(mixed, before)


def test_json_parses_and_keeps_every_number(mixed: pd.DataFrame) -> None:
    result = profile(pd.concat([mixed, pd.DataFrame({"one": [1.0] + [None] * 5})], axis=1))
    data = json.loads(profile_to_json(result))
    assert data["rows"] == 6
    for column, loaded in zip(result.columns, data["columns"], strict=True):
        assert loaded["name"] == column.name
        assert (loaded["count"], loaded["missing"], loaded["distinct"]) == (
            column.count,
            column.missing,
            column.distinct,
        )
        for key, value in column.statistics.items():
            # NaN (the std of one value) is null; every other number comes back exactly.
            assert loaded["statistics"][key] == (None if math.isnan(value) else value)
        assert tuple(loaded["bin_edges"]) == column.bin_edges
        assert tuple(loaded["bin_counts"]) == column.bin_counts
        assert loaded["top_values"] == dict(column.top_values)
    assert data["columns"][-1]["statistics"]["std"] is None
    assert "NaN" not in profile_to_json(result)


def test_html_names_every_column_escaped_and_loads_nothing(mixed: pd.DataFrame) -> None:
    frame = mixed.assign(**{"<script>": ["<b>&"] * 6})
    page = profile_to_html(profile(frame), title="Train & test")
    for name in ["x", "word", "flag", "empty", "n"]:
        assert f">{name} <" in page  # each column's section heading
    assert "&lt;script&gt;" in page
    assert "<script>" not in page
    assert "&lt;b&gt;&amp;" in page
    assert "<b>&" not in page
    assert "<title>Train &amp; test</title>" in page
    assert not re.search(r"https?://", page)
    assert "<link" not in page
    assert "src=" not in page
    # One inline histogram per numeric column with values (x and n).
    assert page.count("<svg") == 2


def test_the_report_writer_writes_both_files_whole(tmp_path: Path, mixed: pd.DataFrame) -> None:
    result = profile(mixed)
    writer = report_writer(str(tmp_path / "reports"), title="Mixed")
    assert writer.meta.effect
    json_path, html_path = writer(result)
    assert Path(json_path) == tmp_path / "reports" / "profile.json"
    assert Path(json_path).read_text(encoding="utf-8") == profile_to_json(result)
    assert Path(html_path).read_text(encoding="utf-8") == profile_to_html(result, title="Mixed")
    writer(result)  # again, over the old files
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [
        "profile.html",
        "profile.json",
    ]


def test_settings_decode_from_a_config_and_build() -> None:
    data = {"runner": "r", "components": {"p": {"type": "pandas_profiler", "bins": 4}}}
    config = structure_workflow(data, Registry(KINDS))
    built = KINDS[0].build(config.components["p"].settings)
    assert isinstance(built, DataProfiler)
    assert len(built.profile(pd.DataFrame({"a": [1, 2, 3]})).column("a").bin_counts) == 4


def test_a_bad_setting_is_reported_with_its_path() -> None:
    data = {"runner": "r", "components": {"p": {"type": "pandas_profiler", "bins": "4"}}}
    with pytest.raises(ConfigError, match=r"\$\.components\.p\.bins"):
        structure_workflow(data, Registry(KINDS))


@pytest.mark.parametrize("settings", [ProfilerSettings(bins=0), ProfilerSettings(top=-1)])
def test_impossible_settings_are_refused_when_built(settings: ProfilerSettings) -> None:
    with pytest.raises(DefinitionError, match="pandas_profiler"):
        pandas_profiler(settings)
