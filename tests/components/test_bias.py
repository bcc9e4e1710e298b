"""The bias checker: per-group rates and gaps computed by hand on a tiny frame, rows
matched by index label, and clear refusals of data it cannot read."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import pytest

from lolpop import StepFailure
from lolpop.components._errors import DataError
from lolpop.components.bias import KINDS, BiasSettings, bias_checker
from lolpop.components.records import (
    BiasChecker,
    BiasReport,
    Classification,
    GroupMetrics,
    Predictions,
)
from lolpop.config.converter import structure_workflow
from lolpop.config.registry import Registry

#: Group, truth and prediction of eight people. By hand:
#: a: 3 people, 2 selected (2/3); truly positive rows 0 and 2, of whom row 0 selected (1/2).
#: b: 4 people, 3 selected (3/4); truly positive rows 3 and 4, both selected (1).
#: c: 1 person, selected (1); no one truly positive (no rate).
GROUPS = ["a", "a", "a", "b", "b", "b", "b", "c"]
TRUTH = [1, 0, 1, 1, 1, 0, 0, 0]
PREDICTED = [1, 1, 0, 1, 1, 0, 1, 1]


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({"group": GROUPS, "age": range(8)}, index=range(10, 18))


def run(
    frame: pd.DataFrame,
    truth: Sequence[int] | Sequence[str] | pd.Series,
    predicted: Sequence[int] | Sequence[str] | pd.Series,
    settings: BiasSettings | None = None,
) -> BiasReport:
    truth_series = truth if isinstance(truth, pd.Series) else pd.Series(truth, index=frame.index)
    predicted_series = (
        predicted if isinstance(predicted, pd.Series) else pd.Series(predicted, index=frame.index)
    )
    checker = bias_checker(settings or BiasSettings(column="group"))
    return checker.check((frame, truth_series, Predictions(predicted_series, task=Classification)))


def data_error(frame: pd.DataFrame, truth: pd.Series, predicted: pd.Series, column: str) -> str:
    with pytest.raises(StepFailure) as caught:
        run(frame, truth, predicted, BiasSettings(column=column))
    cause = caught.value.failure.cause
    assert isinstance(cause, DataError), cause
    return str(cause)


def test_hand_computed_rates_and_gaps(frame: pd.DataFrame) -> None:
    report = run(frame, TRUTH, PREDICTED)
    assert report.column == "group"
    assert report.groups == (
        GroupMetrics("a", 3, 2 / 3, 0.5),
        GroupMetrics("b", 4, 0.75, 1.0),
        GroupMetrics("c", 1, 1.0, None),
    )
    assert report.demographic_parity_difference == pytest.approx(1 - 2 / 3)
    assert report.equal_opportunity_difference == pytest.approx(0.5)


def test_rows_are_matched_by_index_label_not_position(frame: pd.DataFrame) -> None:
    expected = run(frame, TRUTH, PREDICTED)
    truth = pd.Series(TRUTH, index=frame.index).iloc[::-1]
    predicted = pd.Series(PREDICTED, index=frame.index).sample(frac=1.0, random_state=3)
    assert run(frame, truth, predicted) == expected


def test_a_string_positive_label(frame: pd.DataFrame) -> None:
    def words(values: list[int]) -> list[str]:
        return ["yes" if v else "no" for v in values]

    report = run(frame, words(TRUTH), words(PREDICTED), BiasSettings("group", positive="yes"))
    assert report == run(frame, TRUTH, PREDICTED)
    # Counting "no" as positive turns the rates around: a selects 1 of 3, b 1 of 4.
    flipped = run(frame, words(TRUTH), words(PREDICTED), BiasSettings("group", positive="no"))
    assert [g.selection_rate for g in flipped.groups] == pytest.approx([1 / 3, 0.25, 0.0])


def test_a_positive_label_that_no_row_holds_is_refused_not_reported_as_no_bias(
    frame: pd.DataFrame,
) -> None:
    """Labels coded yes/no with the default `positive: 1`: every group would select none
    and the report would say no bias at all."""
    words = ["yes" if v else "no" for v in TRUTH]
    said = ["yes" if v else "no" for v in PREDICTED]
    with pytest.raises(StepFailure) as caught:
        run(frame, words, said)
    message = str(caught.value.failure.cause)
    assert "the positive label 1 is in neither the truth nor the predictions" in message
    assert "'no', 'yes'" in message
    # A model that never predicts the positive label is reported (its truth holds it).
    never = run(frame, TRUTH, [0] * 8)
    assert [g.selection_rate for g in never.groups] == [0.0, 0.0, 0.0]


def test_one_group_with_positives_has_no_equal_opportunity_gap() -> None:
    frame = pd.DataFrame({"group": ["x", "x", "y", "y"]})
    report = run(frame, [1, 0, 0, 0], [1, 1, 0, 1])
    assert [g.true_positive_rate for g in report.groups] == [1.0, None]
    assert report.equal_opportunity_difference is None
    assert [g.selection_rate for g in report.groups] == [1.0, 0.5]
    assert report.demographic_parity_difference == pytest.approx(0.5)


def test_rows_without_a_sensitive_value_belong_to_no_group() -> None:
    frame = pd.DataFrame({"group": ["x", None, "y", "y"]})
    report = run(frame, [1, 1, 1, 0], [1, 0, 0, 1])
    assert [(g.group, g.size) for g in report.groups] == [("x", 1), ("y", 2)]
    assert report.demographic_parity_difference == pytest.approx(0.5)


def test_numeric_groups_are_named_by_their_string() -> None:
    frame = pd.DataFrame({"sex": [0, 1, 1, 0]})
    report = run(frame, [1, 1, 0, 0], [1, 0, 0, 0], BiasSettings("sex"))
    assert [g.group for g in report.groups] == ["0", "1"]


def test_a_missing_sensitive_column_is_a_data_error_naming_it(frame: pd.DataFrame) -> None:
    truth, predicted = pd.Series(TRUTH, index=frame.index), pd.Series(PREDICTED, index=frame.index)
    message = data_error(frame, truth, predicted, "gender")
    assert "'gender'" in message
    assert "group, age" in message


def test_rows_that_do_not_match_are_a_data_error(frame: pd.DataFrame) -> None:
    truth = pd.Series(TRUTH, index=frame.index)
    short = pd.Series(PREDICTED[:-1], index=frame.index[:-1])
    message = data_error(frame, truth, short, "group")
    assert "predictions" in message
    assert "lacks 1" in message
    shifted = pd.Series(TRUTH, index=range(8))
    assert "truth" in data_error(frame, shifted, pd.Series(PREDICTED, index=frame.index), "group")


def test_a_column_without_values_is_a_data_error() -> None:
    frame = pd.DataFrame({"group": [None, None]})
    message = data_error(frame, pd.Series([1, 0]), pd.Series([1, 1]), "group")
    assert "no values" in message


def test_checking_leaves_its_inputs_unchanged(frame: pd.DataFrame) -> None:
    truth, predicted = pd.Series(TRUTH, index=frame.index), pd.Series(PREDICTED, index=frame.index)
    copies = frame.copy(), truth.copy(), predicted.copy()
    run(frame, truth, predicted)
    pd.testing.assert_frame_equal(frame, copies[0])
    pd.testing.assert_series_equal(truth, copies[1])
    pd.testing.assert_series_equal(predicted, copies[2])


def test_settings_decode_from_a_config_and_build() -> None:
    data = {
        "runner": "r",
        "components": {"b": {"type": "bias_checker", "column": "group", "positive": "yes"}},
    }
    settings = structure_workflow(data, Registry(KINDS)).components["b"].settings
    assert settings == BiasSettings(column="group", positive="yes")
    assert isinstance(KINDS[0].build(settings), BiasChecker)
    default = {"runner": "r", "components": {"b": {"type": "bias_checker", "column": "g"}}}
    assert structure_workflow(default, Registry(KINDS)).components["b"].settings == BiasSettings(
        "g", 1
    )
