"""The rules checker: each kind of rule passes on good data and fails, at its severity and
with a message naming the column and the offending values, on bad data; rules decode
from a config, and a rule that cannot be checked is refused by its place in the list."""

from __future__ import annotations

import pandas as pd
import pytest
from attrs import evolve
from sklearn.datasets import load_iris

from lolpop.components.data_checker import (
    KINDS,
    CheckerSettings,
    Rule,
    check_rules,
    rules_checker,
)
from lolpop.components.records import CheckReport, CheckResult, DataChecker, Status
from lolpop.config.converter import structure_workflow
from lolpop.config.registry import Registry
from lolpop.errors import ConfigError, DefinitionError


def check(frame: pd.DataFrame, *rules: Rule) -> CheckReport:
    return rules_checker(CheckerSettings(rules)).check(frame)


def only(frame: pd.DataFrame, rule: Rule) -> CheckResult:
    (result,) = check(frame, rule).results
    return result


@pytest.fixture
def people() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5, 6],
            "age": [34.0, 51.0, None, 19.0, 70.0, 45.0],
            "country": ["fr", "de", "fr", "it", "de", "fr"],
            "member": [True, False, True, True, False, False],
        }
    )


@pytest.fixture
def bad() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [1, 2, 2, 4, 4, 4],
            "age": [-3.0, None, 130.0, None, 40.0, 999.0],
            "country": ["fr", "xx", "fr", "yy", None, "zz"],
            "member": ["yes", "no", "yes", "no", "no", "no"],
        }
    )


def test_required_columns(people: pd.DataFrame) -> None:
    report = check(people, Rule("required_columns", columns=("id", "age")))
    assert report.status is Status.OK
    assert [r.column for r in report.results] == ["id", "age"]

    result = only(people, Rule("required_columns", columns=("income",), severity="WARN"))
    assert result.status is Status.WARN
    assert result.rule == "required_columns"
    assert result.column == "income"
    assert "'income' is missing" in result.message
    assert "id, age, country, member" in result.message


@pytest.mark.parametrize(
    ("column", "dtype"),
    [
        ("id", "int64"),
        ("id", "integer"),
        ("id", "numeric"),
        ("age", "float"),
        ("age", "float64"),
        ("country", "string"),
        ("member", "bool"),
    ],
)
def test_dtype_passes(people: pd.DataFrame, column: str, dtype: str) -> None:
    assert only(people, Rule("dtype", columns=(column,), dtype=dtype)).status is Status.OK


def test_dtype_fails(bad: pd.DataFrame) -> None:
    result = only(bad, Rule("dtype", columns=("member",), dtype="bool"))
    assert result.status is Status.ERROR
    assert result.message == "column 'member' has dtype str, expected bool"
    assert only(bad, Rule("dtype", columns=("member",), dtype="numeric")).status is Status.ERROR


def test_not_null(people: pd.DataFrame, bad: pd.DataFrame) -> None:
    assert only(people, Rule("not_null", columns=("id",))).status is Status.OK
    # One of six missing (16.7%) is within an allowance of 20%.
    allowed = Rule("not_null", columns=("age",), max_missing_fraction=0.2)
    assert only(people, allowed).status is Status.OK

    result = only(bad, allowed)
    assert result.status is Status.ERROR
    assert result.message == (
        "column 'age': 2 of 6 values missing (33.3%); at most 20.0% allowed; e.g. rows 1, 3"
    )


def test_range(people: pd.DataFrame, bad: pd.DataFrame) -> None:
    rule = Rule("range", columns=("age",), min=0, max=120, severity="WARN")
    assert only(people, rule).status is Status.OK  # the missing age is not out of range
    result = only(bad, rule)
    assert result.status is Status.WARN
    assert result.message == "column 'age': 3 of 4 values outside [0, 120]: -3.0, 130.0, 999.0"
    only_min = only(bad, Rule("range", columns=("age",), min=0))
    assert "1 of 4 values outside [0, inf)" in only_min.message


def test_range_on_a_non_numeric_column_is_an_error(people: pd.DataFrame) -> None:
    result = only(people, Rule("range", columns=("country",), max=1, severity="WARN"))
    assert result.status is Status.ERROR
    assert "'country' has dtype str, not numbers" in result.message


def test_allowed_values(people: pd.DataFrame, bad: pd.DataFrame) -> None:
    rule = Rule("allowed_values", columns=("country",), values=("fr", "de", "it"))
    assert only(people, rule).status is Status.OK
    result = only(bad, rule)
    assert result.status is Status.ERROR
    assert result.message == (
        "column 'country': 3 of 5 values not among 'fr', 'de', 'it': 'xx', 'yy', 'zz'"
    )
    numbers = Rule("allowed_values", columns=("id",), values=(1, 2, 3, 4, 5, 6))
    assert only(people, numbers).status is Status.OK


def test_unique(people: pd.DataFrame, bad: pd.DataFrame) -> None:
    rule = Rule("unique", columns=("id",))
    assert only(people, rule).status is Status.OK
    result = only(bad, rule)
    assert result.status is Status.ERROR
    assert result.message == "column 'id': 3 of 6 values repeat an earlier one: 2, 4"


def test_row_count(people: pd.DataFrame) -> None:
    assert only(people, Rule("row_count", min=6, max=6)).status is Status.OK
    result = only(people, Rule("row_count", min=10, severity="WARN"))
    assert result.status is Status.WARN
    assert result.column is None
    assert result.message == "the frame has 6 rows; expected a count within [10, inf)"


def test_class_rows() -> None:
    grades = pd.DataFrame({"grade": ["a"] * 40 + ["b"] * 12 + ["c"] * 3 + ["d"] + [None] * 2})
    rule = Rule("class_rows", columns=("grade",), min=10, severity="WARN")
    result = only(grades, rule)
    assert result.status is Status.WARN
    assert result.column == "grade"
    assert result.message.startswith(
        "column 'grade': 2 of its 4 classes have fewer than 10 rows (of 56 with a value): "
        "'d' (1), 'c' (3): "
    )
    assert "undefined" in result.message
    assert only(grades, evolve(rule, min=3)).message.startswith(
        "column 'grade': 1 of its 4 classes has fewer than 3 rows"
    )
    passed = only(grades, evolve(rule, min=1))
    assert passed.status is Status.OK
    assert passed.message == "column 'grade': every class of 4 has at least 1 rows (the fewest: 1)"


def test_at_most_five_examples() -> None:
    frame = pd.DataFrame({"v": list(range(100, 120))})
    result = only(frame, Rule("range", columns=("v",), max=10))
    assert result.message.endswith(": 100, 101, 102, 103, 104 and 15 more")


def test_a_rule_on_a_missing_column_is_an_error_result(people: pd.DataFrame) -> None:
    report = check(
        people,
        Rule("not_null", columns=("id", "income"), severity="WARN"),
        Rule("unique", columns=("nope",)),
    )
    assert [(r.column, r.status) for r in report.results] == [
        ("id", Status.OK),
        ("income", Status.ERROR),
        ("nope", Status.ERROR),
    ]
    assert "column 'income' is not in the frame" in report.results[1].message
    assert report.status is Status.ERROR
    assert [r.column for r in report.problems()] == ["income", "nope"]


def test_iris_passes_a_realistic_rule_set() -> None:
    iris = load_iris(as_frame=True).frame
    report = check(
        iris,
        Rule("required_columns", columns=("sepal length (cm)", "target")),
        Rule("dtype", columns=("sepal length (cm)",), dtype="float"),
        Rule("not_null", columns=tuple(iris.columns)),
        Rule("range", columns=("petal width (cm)",), min=0, max=3),
        Rule("allowed_values", columns=("target",), values=(0, 1, 2)),
        Rule("row_count", min=150, max=150),
    )
    assert report.status is Status.OK
    assert len(report.results) == 2 + 1 + 5 + 1 + 1 + 1


def test_checking_leaves_the_frame_unchanged(bad: pd.DataFrame) -> None:
    before = bad.copy()
    check(bad, *(Rule(kind, columns=("age",), min=0) for kind in ("range",)))
    check(bad, Rule("unique", columns=("id", "age")), Rule("not_null", columns=("age",)))
    pd.testing.assert_frame_equal(bad, before)


def test_rules_decode_from_a_config() -> None:
    rules: list[dict[str, object]] = [
        {"kind": "required_columns", "columns": ["id", "age"]},
        {"kind": "range", "columns": ["age"], "min": 0, "max": 120.5, "severity": "WARN"},
        {"kind": "allowed_values", "columns": ["country"], "values": ["fr", 1, 2.5, True]},
        {"kind": "not_null", "columns": ["id"], "max_missing_fraction": 0.1},
        {"kind": "row_count", "min": 1},
    ]
    data = {"runner": "r", "components": {"c": {"type": "rules_checker", "rules": rules}}}
    settings = structure_workflow(data, Registry(KINDS)).components["c"].settings
    assert settings == CheckerSettings(
        (
            Rule("required_columns", columns=("id", "age")),
            Rule("range", columns=("age",), min=0.0, max=120.5, severity="WARN"),
            Rule("allowed_values", columns=("country",), values=("fr", 1, 2.5, True)),
            Rule("not_null", columns=("id",), max_missing_fraction=0.1),
            Rule("row_count", min=1.0),
        )
    )
    assert isinstance(settings, CheckerSettings)
    assert [type(v) for v in settings.rules[2].values] == [str, int, float, bool]
    assert isinstance(KINDS[0].build(settings), DataChecker)


def test_a_bad_rule_in_a_config_is_reported_with_its_path() -> None:
    rules: list[dict[str, object]] = [
        {"kind": "unique", "columns": ["id"]},
        {"kind": "ranges", "columns": ["age"]},
        {"kind": "row_count", "min": "3", "colums": ["x"]},
    ]
    data = {"runner": "r", "components": {"c": {"type": "rules_checker", "rules": rules}}}
    with pytest.raises(ConfigError) as caught:
        structure_workflow(data, Registry(KINDS))
    paths = {problem.path for problem in caught.value.problems}
    assert paths == {
        "$.components.c.rules[1].kind",
        "$.components.c.rules[2].min",
        "$.components.c.rules[2].colums",
    }
    assert "did you mean 'columns'" in str(caught.value)


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        (Rule("range", columns=("a",)), "rules[0] (range) needs `min` or `max`"),
        (Rule("range", min=0), "rules[0] (range) needs `columns`"),
        (Rule("dtype", columns=("a",)), "rules[0] (dtype) needs `dtype`"),
        (Rule("allowed_values", columns=("a",)), "needs `values`"),
        (Rule("row_count", columns=("a",), min=1), "(row_count) does not use `columns`"),
        (Rule("unique", columns=("a",), values=(1,)), "(unique) does not use `values`"),
        (Rule("row_count", min=5, max=1), "has `min` 5 above `max` 1"),
        (Rule("class_rows", columns=("a",)), "rules[0] (class_rows) needs `min`"),
        (Rule("class_rows", min=5), "rules[0] (class_rows) needs `columns`"),
        (Rule("class_rows", columns=("a",), min=5, max=9), "(class_rows) does not use `max`"),
        (Rule("not_null", columns=("a",), max_missing_fraction=1.5), "`max_missing_fraction`"),
        (Rule("dtype", columns=("a",), dtype="floaty"), "dtype 'floaty', which is neither"),
    ],
)
def test_a_rule_that_cannot_be_checked_is_refused_when_built(rule: Rule, problem: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        rules_checker(CheckerSettings((rule,)))
    assert problem in str(caught.value)


def test_every_bad_rule_is_named_by_its_index() -> None:
    good = Rule("unique", columns=("id",))
    with pytest.raises(DefinitionError) as caught:
        check_rules([good, Rule("range", columns=("a",)), good, Rule("dtype")])
    message = str(caught.value)
    assert "rules[1] (range)" in message
    assert "rules[3] (dtype)" in message
    assert "rules[0]" not in message
    assert "rules[2]" not in message
