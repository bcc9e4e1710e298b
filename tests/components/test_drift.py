"""Drift: a shifted numeric column and a reshuffled categorical one are flagged, fresh
samples of the same distributions are not, and PSI measures what it should."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency, ks_2samp
from sklearn.datasets import load_iris

from lolpop import StepFailure
from lolpop.components._errors import DataError
from lolpop.components.drift import KINDS, DriftSettings, drift_comparer, psi
from lolpop.components.records import DataComparer, DriftReport
from lolpop.config.converter import structure_workflow
from lolpop.config.registry import Registry
from lolpop.errors import ConfigError, DefinitionError

ROWS = 1_000


def sample(
    seed: int, shift: float = 0.0, weights: tuple[float, ...] = (0.5, 0.3, 0.2)
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(10.0, 2.0, ROWS) + shift * 2.0,
            "y": rng.normal(0.0, 1.0, ROWS),
            "colour": rng.choice(["red", "green", "blue"], ROWS, p=list(weights)),
            "size": rng.choice(["S", "M", "L"], ROWS),
        }
    )


def compare(
    reference: pd.DataFrame, current: pd.DataFrame, settings: DriftSettings | None = None
) -> DriftReport:
    return drift_comparer(settings or DriftSettings()).compare((reference, current))


def test_a_shift_of_three_standard_deviations_is_flagged_and_nothing_else() -> None:
    reference, current = sample(1), sample(2, shift=3.0)
    report = compare(reference, current)
    assert report.drifted == ("x",)
    x = report.columns[0]
    assert (x.column, x.test) == ("x", "ks")
    expected = ks_2samp(reference["x"], current["x"])
    assert x.statistic == pytest.approx(expected.statistic)
    assert x.p_value == pytest.approx(expected.pvalue)
    assert x.statistic > 0.8  # the two samples barely overlap
    y = report.columns[1]
    assert y.p_value is not None
    assert y.p_value > 0.05


def test_changed_category_frequencies_are_flagged_by_chi2() -> None:
    reference, current = sample(1), sample(2, weights=(0.1, 0.3, 0.6))
    report = compare(reference, current)
    assert report.drifted == ("colour",)
    colour = next(c for c in report.columns if c.column == "colour")
    assert colour.test == "chi2"
    table = pd.crosstab(
        np.repeat(["ref", "cur"], ROWS), pd.concat([reference["colour"], current["colour"]])
    )
    expected = chi2_contingency(table.to_numpy(), correction=False)
    assert colour.statistic == pytest.approx(expected.statistic)
    assert colour.p_value == pytest.approx(expected.pvalue)


def test_changed_category_frequencies_are_flagged_by_psi() -> None:
    reference, current = sample(1), sample(2, weights=(0.1, 0.3, 0.6))
    report = compare(reference, current, DriftSettings(categorical_test="psi"))
    assert report.drifted == ("colour",)
    by_name = {c.column: c for c in report.columns}
    assert by_name["colour"].test == "psi"
    assert by_name["colour"].p_value is None
    assert by_name["colour"].statistic == pytest.approx(psi(reference["colour"], current["colour"]))
    assert by_name["size"].statistic < 0.2
    assert by_name["x"].test == "ks"  # numbers are still tested with KS


def test_psi_by_hand() -> None:
    reference = pd.Series(["a"] * 50 + ["b"] * 50)
    current = pd.Series(["a"] * 90 + ["b"] * 10)
    expected = (0.9 - 0.5) * math.log(0.9 / 0.5) + (0.1 - 0.5) * math.log(0.1 / 0.5)
    assert psi(reference, current) == pytest.approx(expected)


def test_psi_of_identical_distributions_is_zero() -> None:
    values = sample(3)
    assert psi(values["x"], values["x"]) == 0.0
    assert psi(values["colour"], values["colour"]) == 0.0
    # Two samples of one distribution: close to zero.
    assert psi(sample(4)["x"], sample(5)["x"]) < 0.05


def test_psi_counts_a_category_only_one_side_has() -> None:
    reference = pd.Series(["a", "b"] * 50)
    current = pd.Series(["a", "b", "c", "c"] * 25)
    # The reference's empty bin counts as 1e-4, so `c` adds (0.5 - 1e-4) * ln(0.5 / 1e-4).
    expected = 2 * (0.25 - 0.5) * math.log(0.25 / 0.5) + (0.5 - 1e-4) * math.log(0.5 / 1e-4)
    assert psi(reference, current) == pytest.approx(expected)


def test_psi_of_numbers_counts_values_beyond_the_reference_range() -> None:
    reference = pd.Series(np.arange(100.0))
    assert psi(reference, reference + 1000.0) > 5


def test_psi_needs_values_on_both_sides() -> None:
    with pytest.raises(DataError, match="reference"):
        psi(pd.Series([None, None], dtype=object), pd.Series(["a"]))


@pytest.mark.parametrize(
    "settings", [DriftSettings(), DriftSettings(categorical_test="psi")], ids=["chi2", "psi"]
)
def test_a_frame_against_itself_drifts_nowhere(settings: DriftSettings) -> None:
    iris = load_iris(as_frame=True).frame.assign(
        species=lambda f: f["target"].map({0: "setosa", 1: "versicolor", 2: "virginica"})
    )
    report = compare(iris, iris, settings)
    assert report.drifted == ()
    assert [c.test for c in report.columns][-1] == settings.categorical_test
    assert all(c.p_value == 1.0 for c in report.columns if c.test != "psi")


def test_columns_in_one_frame_only_are_drifted_as_missing() -> None:
    reference = sample(1).drop(columns=["size"])
    current = sample(2).drop(columns=["colour"])
    report = compare(reference, current)
    assert [c.column for c in report.columns] == ["x", "y", "colour", "size"]
    for name in ("colour", "size"):
        column = next(c for c in report.columns if c.column == name)
        assert (column.test, column.p_value, column.drifted) == ("missing", None, True)
        assert math.isnan(column.statistic)


def test_missing_values_are_ignored() -> None:
    reference = sample(1)
    current = reference.copy()
    current.loc[::3, ["x", "colour"]] = None
    report = compare(reference, current)
    assert report.drifted == ()
    assert report.columns[0].test == "ks"


def test_a_column_without_values_on_one_side() -> None:
    reference = pd.DataFrame({"a": [1.0, 2.0], "b": [None, None], "c": [None, None]})
    current = pd.DataFrame({"a": [None, None], "b": [1.0, 2.0], "c": [None, None]})
    report = compare(reference, current)
    assert [(c.test, c.drifted) for c in report.columns] == [
        ("empty", True),
        ("empty", True),
        ("empty", False),
    ]


def test_a_single_category_on_both_sides_has_nothing_to_test() -> None:
    frame = pd.DataFrame({"c": ["a"] * 5})
    (column,) = compare(frame, frame.iloc[:3]).columns
    assert (column.test, column.statistic, column.p_value, column.drifted) == (
        "chi2",
        0.0,
        1.0,
        False,
    )


def test_columns_setting_restricts_and_orders() -> None:
    reference, current = sample(1), sample(2, shift=3.0)
    report = compare(reference, current, DriftSettings(columns=("size", "x")))
    assert [c.column for c in report.columns] == ["size", "x"]
    with pytest.raises(StepFailure) as caught:
        compare(reference, current, DriftSettings(columns=("nope",)))
    cause = caught.value.failure.cause
    assert isinstance(cause, DataError)
    assert "'nope'" in str(cause)


def test_a_stricter_p_value_flags_less() -> None:
    reference, current = sample(1), sample(2, shift=0.1)
    assert "x" in compare(reference, current, DriftSettings(p_value=0.2)).drifted
    assert "x" not in compare(reference, current, DriftSettings(p_value=1e-6)).drifted


def test_comparing_leaves_both_frames_unchanged() -> None:
    reference, current = sample(1), sample(2, shift=1.0)
    before = reference.copy(), current.copy()
    compare(reference, current, DriftSettings(categorical_test="psi"))
    compare(reference, current)
    pd.testing.assert_frame_equal(reference, before[0])
    pd.testing.assert_frame_equal(current, before[1])


def test_settings_decode_from_a_config_and_build() -> None:
    data = {
        "runner": "r",
        "components": {
            "d": {"type": "drift", "p_value": 0.01, "categorical_test": "psi", "columns": ["x"]}
        },
    }
    settings = structure_workflow(data, Registry(KINDS)).components["d"].settings
    assert settings == DriftSettings(p_value=0.01, categorical_test="psi", columns=("x",))
    assert isinstance(KINDS[0].build(settings), DataComparer)
    bad = {"runner": "r", "components": {"d": {"type": "drift", "categorical_test": "ks"}}}
    with pytest.raises(ConfigError, match=r"\$\.components\.d\.categorical_test"):
        structure_workflow(bad, Registry(KINDS))


@pytest.mark.parametrize(
    "settings",
    [DriftSettings(p_value=0.0), DriftSettings(p_value=1.5), DriftSettings(psi_threshold=0)],
)
def test_impossible_thresholds_are_refused_when_built(settings: DriftSettings) -> None:
    with pytest.raises(DefinitionError, match="drift"):
        drift_comparer(settings)
