"""The MLflow registry repository, read back through MLflow's own client.

One sqlite database for the module (the first experiment on a new one costs ~3 s); each
test registers under its own model name, so tests do not depend on each other's order.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from lolpop.components._mlflow import TrackingError, fitted_model, model_metadata
from lolpop.components.memory_tracker import memory_tracker
from lolpop.components.mlflow_repository import (
    KINDS,
    MlflowRegistrySettings,
    StaleChampionTrackingError,
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
    ModelVersion,
    Promotion,
    RunSpec,
    StaleComparisonError,
    Takes,
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
def models(uri: str) -> tuple[ModelArtifact, ...]:
    """Four models, each logged in its own run by the MLflow tracker (registering one
    artifact again answers its first version)."""
    data = load_iris(as_frame=True)
    # cloudpickle here (the tracker's tests use the default, skops): both serializers are
    # loaded back, and this module skips skops' ~3 s import.
    settings = MlflowSettings(uri, "registry-tests", serialization="cloudpickle")
    tracker = mlflow_tracker(settings)
    logged = []
    for c in (0.01, 1.0, 0.1, 10.0):
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
    return tuple(logged)


def repository(
    uri: str, name: str, *, require_approval: bool = False, champion_alias: str = "champion"
) -> ModelRepository:
    settings = MlflowRegistrySettings(
        name, uri, require_approval=require_approval, champion_alias=champion_alias
    )
    return mlflow_repository(settings)


def test_register_makes_versions_tagged_with_their_run_and_task(
    uri: str, client: MlflowClient, models: tuple[ModelArtifact, ...]
) -> None:
    repo = repository(uri, "iris-register")
    first, second = (repo.register(artifact) for artifact in models[:2])
    assert (first.name, first.version, second.version) == ("iris-register", 1, 2)
    assert first.source == models[0].uri
    assert first.run_id == models[0].run.run_id
    for version, artifact in zip((first, second), models[:2], strict=True):
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
    uri: str, client: MlflowClient, models: tuple[ModelArtifact, ...]
) -> None:
    name = "iris-aliases"
    repo = repository(uri, name)
    assert repo.get_alias("champion") is None  # no registered model yet
    first, second = (repo.register(artifact) for artifact in models[:2])
    assert repo.get_alias("champion") is None  # no such alias yet

    staged = repo.set_alias((second, "staging"))
    assert staged.aliases == ("staging",)
    assert int(client.get_model_version_by_alias(name, "staging").version) == 2
    assert repo.get_alias("staging") == staged

    promoted = repo.promote(Promotion(first, None))
    assert promoted.aliases == ("champion",)
    assert int(client.get_model_version_by_alias(name, "champion").version) == 1
    promoted = repo.promote(Promotion(second, first))
    assert set(promoted.aliases) == {"champion", "staging"}
    assert int(client.get_model_version_by_alias(name, "champion").version) == 2
    assert client.get_model_version(name, "1").aliases == []
    assert repo.get_alias("champion") == promoted


def test_approval_is_recorded_as_tags_and_gates_promotion(
    uri: str, client: MlflowClient, models: tuple[ModelArtifact, ...]
) -> None:
    name = "iris-approval"
    repo = repository(uri, name)
    first, second = (repo.register(artifact) for artifact in models[:2])

    approved = repo.approve((first, Approval(True, "beats the baseline", by="ci")))
    tags = client.get_model_version(name, "1").tags
    assert tags["lolpop.approved"] == "true"
    assert tags["lolpop.approval_reason"] == "beats the baseline"
    assert tags["lolpop.approved_by"] == "ci"
    assert approved.tags == tags

    repo.approve((second, Approval(False, "worse than the champion")))
    assert client.get_model_version(name, "2").tags["lolpop.approved"] == "false"
    assert client.get_model_version(name, "2").tags["lolpop.approved_by"] == "lolpop"

    repo.promote(Promotion(approved, None))
    with pytest.raises(StepFailure) as failure:
        repo.promote(Promotion(second, approved))  # second is stale: promote reads the registry
    assert isinstance(failure.value.failure.cause, TrackingError)
    assert "was rejected (worse than the champion)" in str(failure.value)
    assert int(client.get_model_version_by_alias(name, "champion").version) == 1

    repo.approve((second, Approval(True, "reviewed again")))
    repo.promote(Promotion(second, approved))
    assert int(client.get_model_version_by_alias(name, "champion").version) == 2


def test_require_approval_refuses_an_undecided_version(
    uri: str, client: MlflowClient, models: tuple[ModelArtifact, ...]
) -> None:
    name = "iris-strict"
    repo = repository(uri, name, require_approval=True, champion_alias="prod")
    version = repo.register(models[0])
    with pytest.raises(StepFailure, match="has not been approved"):
        repo.promote(Promotion(version, None))
    repo.promote(Promotion(repo.approve((version, Approval(True, "ok"))), None))
    assert int(client.get_model_version_by_alias(name, "prod").version) == 1


def test_load_rebuilds_a_fitted_model_that_predicts_the_same(
    uri: str, models: tuple[ModelArtifact, ...], features: pd.DataFrame
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


@pytest.mark.parametrize("takes", ["raw", "encoded", "bundled"])
def test_the_frames_a_model_takes_are_recorded_with_it(takes: Takes) -> None:
    """A bundle loaded back still refuses a frame already encoded; metadata written
    before models said what they take reads as raw."""
    model = FittedModel(LogisticRegression(), Classification, ("x",), "y", (0, 1), takes=takes)
    metadata = model_metadata(model)
    assert fitted_model(model.estimator, metadata, "here").takes == takes
    older = {key: value for key, value in metadata.items() if key != "takes"}
    assert fitted_model(model.estimator, older, "here").takes == "raw"
    with pytest.raises(TrackingError, match="not lolpop model metadata"):
        fitted_model(model.estimator, {**metadata, "takes": "cooked"}, "here")


def test_refusals(uri: str, models: tuple[ModelArtifact, ...]) -> None:
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
        repo.promote(Promotion(attrs.evolve(version, version=9), None))
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


def test_promotion_is_a_compare_and_set_on_the_champion(
    uri: str, client: MlflowClient, models: tuple[ModelArtifact, ...]
) -> None:
    name = "iris-cas"
    repo = repository(uri, name)
    v1, v2, v3 = (repo.register(models[n]) for n in range(3))

    # No champion expected and none there: set.
    assert repo.promote(Promotion(v1, None)).aliases == ("champion",)

    # No champion expected, but there is one: refused, the alias unmoved.
    with pytest.raises(StepFailure) as failure:
        repo.promote(Promotion(v2, None))
    error = failure.value.failure.cause
    assert isinstance(error, StaleChampionTrackingError)
    assert isinstance(error, TrackingError)
    assert isinstance(error, StaleComparisonError)
    assert str(error).startswith(
        "the champion moved: v1 became champion while this run compared v2 with no champion"
    )
    assert str(error).endswith("re-run to compare with v1.")
    assert f"MLflow's registry {uri}" in str(error)
    assert int(client.get_model_version_by_alias(name, "champion").version) == 1

    # The champion expected is the one there: moved.
    assert repo.promote(Promotion(v2, v1)).aliases == ("champion",)
    assert int(client.get_model_version_by_alias(name, "champion").version) == 2

    # A stale expectation (compared with v1, the champion is v2 now): refused.
    with pytest.raises(StepFailure) as failure:
        repo.promote(Promotion(v3, v1))
    error = failure.value.failure.cause
    assert isinstance(error, StaleChampionTrackingError)
    assert str(error).startswith(
        "the champion moved from v1 to v2 while this run compared v3 with v1"
    )
    assert "re-run to compare with v2" in str(error)
    assert (error.candidate, error.expected, error.found) == (3, 1, 2)
    assert int(client.get_model_version_by_alias(name, "champion").version) == 2

    # Removed meanwhile: refused too (the run compared with a champion that is gone).
    client.delete_registered_model_alias(name, "champion")
    with pytest.raises(StepFailure, match="the alias was removed from v2"):
        repo.promote(Promotion(v3, v2))
    assert repo.get_alias("champion") is None


def test_concurrent_promotions_over_no_champion_move_the_alias_once(
    uri: str, client: MlflowClient, models: tuple[ModelArtifact, ...]
) -> None:
    name = "iris-cas-threads"
    versions = [repository(uri, name).register(models[n]) for n in range(4)]
    start = threading.Barrier(len(versions))

    def promote(version: ModelVersion) -> int | BaseException:
        # Each thread has its own repository (and client), as each process would.
        repo = repository(uri, name)
        start.wait()
        try:
            return repo.promote(Promotion(version, None)).version
        except StepFailure as failure:
            return failure.failure.cause

    with ThreadPoolExecutor(len(versions)) as pool:
        outcomes = list(pool.map(promote, versions))
    winners = [outcome for outcome in outcomes if isinstance(outcome, int)]
    assert len(winners) == 1, outcomes
    refused = [outcome for outcome in outcomes if not isinstance(outcome, int)]
    assert all(isinstance(error, StaleComparisonError) for error in refused), refused
    assert int(client.get_model_version_by_alias(name, "champion").version) == winners[0]


def test_a_replayed_registration_or_promotion_answers_what_it_did_the_first_time(
    uri: str, models: tuple[ModelArtifact, ...]
) -> None:
    # A resumed run replays an effect whose record was lost with the killed process.
    repo = repository(uri, "iris-replay")
    first, again = repo.register(models[0]), repo.register(models[0])
    assert (first.version, again.version) == (1, 1)
    assert repo.register(models[1]).version == 2
    repo.promote(Promotion(first, None))
    assert repo.promote(Promotion(first, None)).aliases == ("champion",)


def test_approve_promote_refuses_a_version_of_an_unfinished_run_without_force(
    uri: str, client: MlflowClient, models: tuple[ModelArtifact, ...]
) -> None:
    from typer.testing import CliRunner  # noqa: PLC0415

    from lolpop.cli import app  # noqa: PLC0415

    name = "iris-unfinished"
    client.create_registered_model(name)
    experiment = client.get_run(models[0].run.run_id).info.experiment_id
    died = client.create_run(experiment).info.run_id  # RUNNING: as a killed run leaves it
    client.create_model_version(name, source=models[0].uri, run_id=died)
    command = ["approve", f"{name}:1", "--reason", "looks fine", "--promote"]
    refused = CliRunner().invoke(app, [*command, "--tracking-uri", uri])
    assert refused.exit_code == 1, refused.output
    assert "did not finish (its status is RUNNING" in refused.output
    assert "--force" in refused.output
    assert client.get_model_version(name, "1").tags == {}  # nothing recorded
    client.set_terminated(died, "KILLED")
    refused = CliRunner().invoke(app, [*command, "--tracking-uri", uri])
    assert "its status is KILLED" in refused.output
    forced = CliRunner().invoke(app, [*command, "--force", "--tracking-uri", uri])
    assert forced.exit_code == 0, forced.output
    assert "approved (aliases: champion)" in forced.output
