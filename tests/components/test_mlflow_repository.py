"""The MLflow registry repository, read back through MLflow's own client.

One sqlite database for the module (the first experiment on a new one costs ~3 s); each
test registers under its own model name, so tests do not depend on each other's order.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from lolpop.components._mlflow import TrackingError
from lolpop.components.memory_tracker import memory_tracker
from lolpop.components.mlflow_repository import (
    KINDS,
    MlflowRegistrySettings,
    mlflow_repository,
)
from lolpop.components.mlflow_tracker import MlflowSettings, mlflow_tracker
from lolpop.components.records import (
    Approval,
    Classification,
    FittedModel,
    MetadataTracker,
    ModelArtifact,
    ModelRepository,
    RunSpec,
)
from lolpop.config.converter import make_converter
from lolpop.config.records import ComponentConfig
from lolpop.config.registry import Registry
from lolpop.errors import DefinitionError, StepFailure


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("registry")


@pytest.fixture(scope="module")
def uri(folder: Path) -> str:
    return f"sqlite:///{folder}/mlflow.db"


@pytest.fixture(scope="module")
def client(uri: str) -> MlflowClient:
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


@pytest.fixture(scope="module")
def features() -> pd.DataFrame:
    return load_iris(as_frame=True).data


@pytest.fixture(scope="module")
def models(uri: str) -> tuple[ModelArtifact, ModelArtifact]:
    """Two models, each logged in its own run by the MLflow tracker."""
    data = load_iris(as_frame=True)
    # cloudpickle here (the tracker's tests use the default, skops): both serializers are
    # loaded back, and this module skips skops' ~3 s import.
    settings = MlflowSettings(uri, "registry-tests", serialization="cloudpickle")
    tracker = mlflow_tracker(settings)
    logged = []
    for c in (0.01, 1.0):
        estimator = LogisticRegression(C=c, max_iter=500).fit(data.data, data.target)
        model = FittedModel(
            estimator,
            Classification,
            tuple(data.data.columns),
            "target",
            tuple(np.unique(data.target)),
            {"C": c},
        )
        run = tracker.start_run(RunSpec(f"C={c}"))
        logged.append(tracker.log_model((run, model)))
        tracker.end_run((run, "FINISHED"))
    return logged[0], logged[1]


def repository(
    uri: str, name: str, *, require_approval: bool = False, champion_alias: str = "champion"
) -> ModelRepository:
    settings = MlflowRegistrySettings(
        name, uri, require_approval=require_approval, champion_alias=champion_alias
    )
    return mlflow_repository(settings)


def test_register_makes_versions_tagged_with_their_run_and_task(
    uri: str, client: MlflowClient, models: tuple[ModelArtifact, ModelArtifact]
) -> None:
    repo = repository(uri, "iris-register")
    first, second = (repo.register(artifact) for artifact in models)
    assert (first.name, first.version, second.version) == ("iris-register", 1, 2)
    assert first.source == models[0].uri
    assert first.run_id == models[0].run.run_id
    for version, artifact in zip((first, second), models, strict=True):
        found = client.get_model_version("iris-register", str(version.version))
        assert found.status == "READY"
        assert found.source == artifact.uri
        assert found.run_id == artifact.run.run_id
        assert found.tags == {
            "lolpop.run_id": artifact.run.run_id,
            "lolpop.task": "classification",
            # The digest and format the tracker recorded, which `load` checks files against.
            "lolpop.model_sha256": artifact.digest,
            "lolpop.model_format": "cloudpickle",
        }
        assert version.tags == found.tags


def test_aliases_are_set_read_and_moved_by_promote(
    uri: str, client: MlflowClient, models: tuple[ModelArtifact, ModelArtifact]
) -> None:
    name = "iris-aliases"
    repo = repository(uri, name)
    assert repo.get_alias("champion") is None  # no registered model yet
    first, second = (repo.register(artifact) for artifact in models)
    assert repo.get_alias("champion") is None  # no such alias yet

    staged = repo.set_alias((second, "staging"))
    assert staged.aliases == ("staging",)
    assert int(client.get_model_version_by_alias(name, "staging").version) == 2
    assert repo.get_alias("staging") == staged

    promoted = repo.promote(first)
    assert promoted.aliases == ("champion",)
    assert int(client.get_model_version_by_alias(name, "champion").version) == 1
    promoted = repo.promote(second)
    assert set(promoted.aliases) == {"champion", "staging"}
    assert int(client.get_model_version_by_alias(name, "champion").version) == 2
    assert client.get_model_version(name, "1").aliases == []
    assert repo.get_alias("champion") == promoted


def test_approval_is_recorded_as_tags_and_gates_promotion(
    uri: str, client: MlflowClient, models: tuple[ModelArtifact, ModelArtifact]
) -> None:
    name = "iris-approval"
    repo = repository(uri, name)
    first, second = (repo.register(artifact) for artifact in models)

    approved = repo.approve((first, Approval(True, "beats the baseline", by="ci")))
    tags = client.get_model_version(name, "1").tags
    assert tags["lolpop.approved"] == "true"
    assert tags["lolpop.approval_reason"] == "beats the baseline"
    assert tags["lolpop.approved_by"] == "ci"
    assert approved.tags == tags

    repo.approve((second, Approval(False, "worse than the champion")))
    assert client.get_model_version(name, "2").tags["lolpop.approved"] == "false"
    assert client.get_model_version(name, "2").tags["lolpop.approved_by"] == "lolpop"

    repo.promote(approved)
    with pytest.raises(StepFailure) as failure:
        repo.promote(second)  # the ModelVersion value is stale: promote reads the registry
    assert isinstance(failure.value.failure.cause, TrackingError)
    assert "was rejected (worse than the champion)" in str(failure.value)
    assert int(client.get_model_version_by_alias(name, "champion").version) == 1

    repo.approve((second, Approval(True, "reviewed again")))
    repo.promote(second)
    assert int(client.get_model_version_by_alias(name, "champion").version) == 2


def test_require_approval_refuses_an_undecided_version(
    uri: str, client: MlflowClient, models: tuple[ModelArtifact, ModelArtifact]
) -> None:
    name = "iris-strict"
    repo = repository(uri, name, require_approval=True, champion_alias="prod")
    version = repo.register(models[0])
    with pytest.raises(StepFailure, match="has not been approved"):
        repo.promote(version)
    repo.promote(repo.approve((version, Approval(True, "ok"))))
    assert int(client.get_model_version_by_alias(name, "prod").version) == 1


def test_load_rebuilds_a_fitted_model_that_predicts_the_same(
    uri: str, models: tuple[ModelArtifact, ModelArtifact], features: pd.DataFrame
) -> None:
    repo = repository(uri, "iris-load")
    version = repo.register(models[1])
    loaded = repo.load(version)
    original = models[1].model
    assert isinstance(loaded, FittedModel)
    assert loaded.task == original.task
    assert loaded.features == original.features
    assert loaded.target == original.target
    assert loaded.classes == original.classes == (0, 1, 2)
    assert loaded.params == {"C": 1.0}
    assert loaded.estimator is not original.estimator
    np.testing.assert_array_equal(
        loaded.estimator.predict(features), original.estimator.predict(features)
    )


def test_refusals(uri: str, models: tuple[ModelArtifact, ModelArtifact]) -> None:
    repo = repository(uri, "iris-refusals")
    version = repo.register(models[0])
    memory = memory_tracker()
    run = memory.start_run(RunSpec("in-memory"))
    in_memory = memory.log_model((run, models[0].model))
    with pytest.raises(StepFailure, match="in-memory tracker"):
        repo.register(in_memory)
    with pytest.raises(StepFailure, match="'latest' and 'v<number>' are reserved"):
        repo.set_alias((version, "latest"))
    with pytest.raises(StepFailure, match="no version 9"):
        repo.promote(attrs.evolve(version, version=9))
    with pytest.raises(DefinitionError, match="model_name"):
        mlflow_repository(MlflowRegistrySettings("a/b", tracking_uri=uri))
    with pytest.raises(DefinitionError, match="champion_alias"):
        mlflow_repository(MlflowRegistrySettings("m", champion_alias="v1"))


def test_every_step_is_an_effect_and_the_kind_decodes(uri: str) -> None:
    (kind,) = KINDS
    assert kind.tag == "mlflow_registry"
    converter = make_converter(Registry(KINDS))
    raw = {"type": "mlflow_registry", "model_name": "m", "tracking_uri": uri}
    config = converter.structure(raw, ComponentConfig)
    assert config.settings == MlflowRegistrySettings("m", tracking_uri=uri)
    repo = kind.build(config.settings)
    assert isinstance(repo, ModelRepository)
    steps = [getattr(repo, field.name) for field in attrs.fields(ModelRepository)]
    assert len(steps) == 6
    assert all(step.meta.effect for step in steps)
    assert not isinstance(repo, MetadataTracker)
