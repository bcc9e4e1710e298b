"""The bundled-dataset connector: the four datasets, the target's name, a refused write."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from lolpop import StepFailure
from lolpop.components._errors import DataError
from lolpop.components.records import DataConnector
from lolpop.components.sklearn_datasets import (
    KINDS,
    DatasetName,
    SklearnDatasetSettings,
    sklearn_dataset_connector,
)
from lolpop.config.converter import structure_workflow
from lolpop.config.registry import Registry
from lolpop.errors import ConfigError


@pytest.mark.parametrize(
    ("name", "rows", "features", "first_target"),
    [("iris", 150, 4, 0), ("wine", 178, 13, 0), ("breast_cancer", 569, 30, 0)],
)
def test_classification_datasets(
    name: DatasetName, rows: int, features: int, first_target: int
) -> None:
    frame = sklearn_dataset_connector(SklearnDatasetSettings(name)).read(None)
    assert frame.shape == (rows, features + 1)
    assert frame.columns[-1] == "target"
    assert frame["target"].iloc[0] == first_target
    assert not frame.isna().any().any()


def test_iris_values_and_renamed_target() -> None:
    frame = sklearn_dataset_connector(SklearnDatasetSettings("iris", target="species")).read(None)
    assert "target" not in frame.columns
    assert frame["species"].value_counts().to_dict() == {0: 50, 1: 50, 2: 50}
    assert frame.iloc[0].tolist() == [5.1, 3.5, 1.4, 0.2, 0]


def test_diabetes_is_a_regression_dataset() -> None:
    frame = sklearn_dataset_connector(SklearnDatasetSettings("diabetes")).read(None)
    assert frame.shape == (442, 11)
    assert frame["target"].iloc[0] == pytest.approx(151.0)
    assert pd.api.types.is_float_dtype(frame["target"])


def test_target_name_that_is_a_feature_is_refused() -> None:
    connector = sklearn_dataset_connector(SklearnDatasetSettings("iris", target="sepal width (cm)"))
    with pytest.raises(StepFailure) as caught:
        connector.read(None)
    cause = caught.value.failure.cause
    assert isinstance(cause, DataError)
    assert "already has a feature named 'sepal width (cm)'" in str(cause)


def test_write_is_refused_and_an_effect() -> None:
    connector = sklearn_dataset_connector(SklearnDatasetSettings("wine"))
    assert connector.write.meta.effect is True
    with pytest.raises(StepFailure) as caught:
        connector.write(pd.DataFrame({"a": [1]}))
    cause = caught.value.failure.cause
    assert isinstance(cause, DataError)
    assert "a bundled dataset is read-only" in str(cause)


def test_settings_decode_from_yaml() -> None:
    data = yaml.safe_load(
        """
        runner: train
        components:
          data: {type: sklearn_dataset, name: breast_cancer, target: malignant}
        """
    )
    config = structure_workflow(data, Registry(KINDS))
    settings = config.components["data"].settings
    assert settings == SklearnDatasetSettings("breast_cancer", target="malignant")
    connector = KINDS[0].build(settings)
    assert isinstance(connector, DataConnector)
    assert connector.read(None)["malignant"].sum() == 357


def test_unknown_dataset_is_a_config_error() -> None:
    data = {"runner": "train", "components": {"data": {"type": "sklearn_dataset", "name": "mnist"}}}
    with pytest.raises(ConfigError) as caught:
        structure_workflow(data, Registry(KINDS))
    assert [problem.path for problem in caught.value.problems] == ["$.components.data.name"]
