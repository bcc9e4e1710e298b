"""The function transformer: from a reference under the allow-list, or from a function."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from lolpop import StepFailure
from lolpop.components._errors import DataError
from lolpop.components.function_transformer import (
    KINDS,
    FunctionTransformerSettings,
    function_transformer,
    make_transformer,
)
from lolpop.components.records import DataTransformer
from lolpop.config.converter import structure_workflow
from lolpop.config.registry import Registry
from lolpop.errors import DefinitionError

FNS = "tests.components.transform_fns"


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({"a": [1.0, 4.0, 9.0], "b": [2.0, 8.0, 3.0]}, index=[7, 8, 9])


def test_reference_under_an_allowed_prefix(frame: pd.DataFrame) -> None:
    transformer = function_transformer(
        FunctionTransformerSettings(f"{FNS}:add_ratio", allow=("tests.components",))
    )
    result = transformer.transform(frame)
    assert result["ratio"].tolist() == [0.5, 0.5, 3.0]
    assert result.index.tolist() == [7, 8, 9]
    assert transformer.transform.name == "add_ratio"
    assert transformer.transform.meta.description == "Add the column `ratio` = a / b."
    assert transformer.transform.meta.effect is False


def test_disallowed_module_is_refused() -> None:
    with pytest.raises(DefinitionError, match="outside the allowed ones"):
        function_transformer(FunctionTransformerSettings(f"{FNS}:add_ratio"))
    with pytest.raises(DefinitionError, match="outside the allowed ones"):
        function_transformer(FunctionTransformerSettings("os:getcwd", allow=("tests",)))
    # A prefix allows a package and its submodules, not a module that only starts alike.
    with pytest.raises(DefinitionError, match="outside the allowed ones"):
        function_transformer(FunctionTransformerSettings(f"{FNS}:add_ratio", allow=("tes",)))


def test_reference_that_does_not_resolve_or_is_malformed() -> None:
    with pytest.raises(DefinitionError, match="does not resolve"):
        function_transformer(FunctionTransformerSettings(f"{FNS}:nothing", allow=("tests",)))
    with pytest.raises(DefinitionError, match="not a `module:attribute` reference"):
        function_transformer(FunctionTransformerSettings("add_ratio", allow=("tests",)))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("combine", "takes one argument, the frame"),
        ("NOT_A_FUNCTION", "is a value of type int, not a function defined with `def`"),
    ],
)
def test_not_a_one_argument_function_is_refused(name: str, message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        function_transformer(FunctionTransformerSettings(f"{FNS}:{name}", allow=("tests",)))


def test_result_that_is_not_a_frame_is_refused(frame: pd.DataFrame) -> None:
    transformer = function_transformer(
        FunctionTransformerSettings(f"{FNS}:count_rows", allow=("tests",))
    )
    with pytest.raises(StepFailure) as caught:
        transformer.transform(frame)
    cause = caught.value.failure.cause
    assert isinstance(cause, DataError)
    assert f"{FNS}:count_rows returned a value of type int, not a DataFrame" in str(cause)


def test_in_place_changes_do_not_leak(frame: pd.DataFrame) -> None:
    before = frame.copy()
    transformer = function_transformer(
        FunctionTransformerSettings(f"{FNS}:scale_in_place", allow=("tests",))
    )
    assert transformer.transform(frame)["a"].tolist() == [2.0, 8.0, 18.0]
    pd.testing.assert_frame_equal(frame, before)


def test_make_transformer_from_python(frame: pd.DataFrame) -> None:
    def keep_large(data: pd.DataFrame) -> pd.DataFrame:
        """Keep rows whose a is over 2."""
        return data[data["a"] > 2]

    transformer = make_transformer(keep_large)
    assert isinstance(transformer, DataTransformer)
    assert transformer.transform(frame).index.tolist() == [8, 9]
    assert transformer.transform.name == "keep_large"
    named = make_transformer(lambda data: data.assign(c=1), name="add_c")
    assert named.transform.name == "add_c"
    assert named.transform(frame)["c"].tolist() == [1, 1, 1]
    assert make_transformer(lambda data: data).transform.name == "transform"


def test_make_transformer_refuses_two_arguments() -> None:
    def two(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
        return left

    with pytest.raises(DefinitionError, match=r"takes \(left, right\)"):
        make_transformer(two)  # type: ignore[arg-type]  # the refusal under test


def test_settings_decode_from_yaml(frame: pd.DataFrame) -> None:
    data = yaml.safe_load(
        f"""
        runner: train
        components:
          features: {{type: function, function: "{FNS}:add_ratio", allow: [tests]}}
        """
    )
    config = structure_workflow(data, Registry(KINDS))
    settings = config.components["features"].settings
    assert settings == FunctionTransformerSettings(f"{FNS}:add_ratio", allow=("tests",))
    transformer = KINDS[0].build(settings)
    assert isinstance(transformer, DataTransformer)
    assert transformer.transform(frame)["ratio"].iloc[2] == 3.0
