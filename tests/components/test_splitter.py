"""The splitter: ratio (plain and stratified), time and column splits, and refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris, load_wine

from lolpop import StepFailure
from lolpop.components._errors import DataError
from lolpop.components.records import DataSplitter, Labelled, Splits
from lolpop.components.splitter import KINDS, SplitterSettings, data_splitter
from lolpop.config.converter import make_converter
from lolpop.config.records import ComponentConfig
from lolpop.config.registry import Registry
from lolpop.errors import DefinitionError


def split(frame: pd.DataFrame, **settings: object) -> Splits:
    return data_splitter(SplitterSettings(**settings)).split(frame)  # type: ignore[arg-type]  # keyword settings


def data_error(frame: pd.DataFrame, **settings: object) -> str:
    with pytest.raises(StepFailure) as caught:
        split(frame, **settings)
    cause = caught.value.failure.cause
    assert isinstance(cause, DataError), cause
    return str(cause)


def parts(splits: Splits) -> tuple[Labelled, Labelled, Labelled]:
    return splits.train, splits.valid, splits.test


@pytest.fixture(scope="module")
def wine() -> pd.DataFrame:
    return load_wine(as_frame=True).frame


@pytest.fixture
def timed() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    days = pd.date_range("2024-01-01", periods=40, freq="D")
    return pd.DataFrame(
        {"x": rng.normal(size=40), "when": rng.permutation(days), "y": rng.integers(0, 2, 40)},
        index=pd.Index([f"r{i}" for i in range(40)]),
    )


def test_parts_are_disjoint_cover_all_rows_and_keep_labels(wine: pd.DataFrame) -> None:
    relabelled = wine.set_axis(pd.Index([f"w{i}" for i in range(len(wine))]))
    splits = split(relabelled, target="target", valid_size=0.2, test_size=0.25)
    indexes = [set(part.features.index) for part in parts(splits)]
    assert [len(i) for i in indexes] == [97, 36, 45]  # 178 rows: round(35.6), round(44.5)
    assert indexes[0].isdisjoint(indexes[1])
    assert indexes[0].isdisjoint(indexes[2])
    assert indexes[1].isdisjoint(indexes[2])
    assert indexes[0] | indexes[1] | indexes[2] == set(relabelled.index)
    for part in parts(splits):
        assert part.features.index.equals(part.target.index)
        assert list(part.features.columns) == list(wine.columns[:-1])
        pd.testing.assert_frame_equal(
            part.features, relabelled.loc[part.features.index].iloc[:, :-1]
        )
        assert part.target.name == "target"
        positions = relabelled.index.get_indexer(part.features.index)
        assert (np.diff(positions) > 0).all()  # in the frame's order


def test_stratified_split_keeps_class_ratios(wine: pd.DataFrame) -> None:
    splits = split(wine, target="target", stratify=True, valid_size=0.2, test_size=0.3)
    classes = wine["target"].value_counts()
    for part, share in zip(parts(splits), (0.5, 0.2, 0.3), strict=True):
        counts = part.target.value_counts()
        for label, total in classes.items():
            assert abs(counts.get(label, 0) - total * share) <= 1, (label, share)
    # 59, 71 and 48 rows: test gets round(17.7) + round(21.3) + round(14.4) rows.
    assert splits.test.target.value_counts().sort_index().tolist() == [18, 21, 14]


def test_same_seed_same_split_other_seed_other_split(wine: pd.DataFrame) -> None:
    first = split(wine, target="target", seed=7)
    again = split(wine, target="target", seed=7)
    other = split(wine, target="target", seed=8)
    for a, b in zip(parts(first), parts(again), strict=True):
        pd.testing.assert_frame_equal(a.features, b.features)
        pd.testing.assert_series_equal(a.target, b.target)
    assert not first.test.features.index.equals(other.test.features.index)
    stratified = split(wine, target="target", seed=7, stratify=True)
    assert stratified.test.features.index.equals(
        split(wine, target="target", seed=7, stratify=True).test.features.index
    )


def test_time_split_puts_test_after_train(timed: pd.DataFrame) -> None:
    splits = split(timed, target="y", method="time", column="when", valid_size=0.25, test_size=0.2)
    assert [len(part) for part in parts(splits)] == [22, 10, 8]
    train, valid, test = (part.features["when"] for part in parts(splits))
    assert train.max() < valid.min()
    assert valid.max() < test.min()
    assert test.max() == timed["when"].max()
    assert set(test.index) == set(timed.sort_values("when").index[-8:])
    assert "when" in splits.train.features.columns  # the time column stays a feature


def test_time_split_keeps_equal_times_together() -> None:
    frame = pd.DataFrame({"t": [1, 1, 1, 2, 2, 3, 3, 3, 4, 4], "y": range(10)})
    splits = split(frame, target="y", method="time", column="t", valid_size=0.2, test_size=0.2)
    train, valid, test = (set(part.features["t"]) for part in parts(splits))
    assert (train, valid, test) == ({1, 2}, {3}, {4})


def test_column_split_honours_the_column(timed: pd.DataFrame) -> None:
    labels = ["train"] * 30 + ["valid"] * 4 + ["test"] * 6
    frame = timed.assign(part=labels)
    splits = split(frame, target="y", method="column", column="part", drop=("when",))
    assert splits.valid.features.index.tolist() == ["r30", "r31", "r32", "r33"]
    assert splits.test.features.index.tolist() == [f"r{i}" for i in range(34, 40)]
    assert len(splits.train) == 30
    assert list(splits.train.features.columns) == ["x"]


def test_column_split_refuses_other_labels_and_empty_parts(timed: pd.DataFrame) -> None:
    bad = timed.assign(part=["train"] * 38 + ["holdout", "valid"])
    assert "'holdout'" in data_error(bad, target="y", method="column", column="part")
    no_test = timed.assign(part=["train"] * 30 + ["valid"] * 10)
    assert "no row in the test part" in data_error(
        no_test, target="y", method="column", column="part"
    )


def test_missing_columns_are_named(timed: pd.DataFrame) -> None:
    message = data_error(timed, target="label")
    assert "no target 'label'" in message
    assert "its columns are: x, when, y" in message
    assert "no time column 'day'" in data_error(timed, target="y", method="time", column="day")
    assert "no column to drop 'id'" in data_error(timed, target="y", drop=("id",))


def test_too_few_rows() -> None:
    tiny = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0, 1, 0]})
    message = data_error(tiny, target="y")
    assert "3 rows are too few" in message
    assert "needs at least 4 rows" in message
    assert len(split(tiny, target="y", valid_size=0.0, test_size=0.2).valid) == 0
    assert "no rows" in data_error(tiny.iloc[:0], target="y")
    two_classes = pd.DataFrame({"x": range(6), "y": [0, 0, 0, 1, 1, 1]})
    assert "of some class when stratified" in data_error(two_classes, target="y", stratify=True)


def test_input_is_not_mutated(wine: pd.DataFrame) -> None:
    before = wine.copy()
    split(wine, target="target", stratify=True)
    pd.testing.assert_frame_equal(wine, before)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (SplitterSettings("y", test_size=1.0), "test_size is a share"),
        (SplitterSettings("y", valid_size=-0.1), "valid_size is a share"),
        (SplitterSettings("y", valid_size=0.5, test_size=0.5), "add up to 1 or more"),
        (SplitterSettings("y", method="time"), "needs `column:`"),
        (SplitterSettings("y", column="t"), "used by the methods"),
        (SplitterSettings("y", method="time", column="t", stratify=True), "stratify a ratio"),
        (SplitterSettings("y", method="column", column="y"), "cannot also be the split column"),
        (SplitterSettings("y", drop=("y",)), "listed under `drop:`"),
    ],
)
def test_bad_settings_are_refused_at_build(settings: SplitterSettings, message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        data_splitter(settings)


def test_settings_decode_and_build() -> None:
    converter = make_converter(Registry(KINDS))
    config = converter.structure(
        {"type": "splitter", "target": "target", "stratify": True, "seed": 3, "test_size": 0.2},
        ComponentConfig,
    )
    assert config.settings == SplitterSettings("target", stratify=True, seed=3, test_size=0.2)
    splitter = KINDS[0].build(config.settings)
    assert isinstance(splitter, DataSplitter)
    iris = load_iris(as_frame=True).frame
    assert splitter.split(iris).test.target.value_counts().tolist() == [10, 10, 10]
    with pytest.raises(Exception):  # noqa: B017, PT011 (cattrs' exception group)
        converter.structure({"type": "splitter", "target": "t", "seed": "1"}, ComponentConfig)
