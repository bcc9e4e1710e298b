"""The local model registry: register, aliases, approval, promotion, load."""

from __future__ import annotations

import json
import pickle
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from lolpop import StepFailure
from lolpop.components.local_repository import (
    KINDS,
    LocalRegistrySettings,
    RegistryError,
    StaleChampionRegistryError,
    local_registry,
)
from lolpop.components.records import (
    Approval,
    Classification,
    FittedModel,
    ModelArtifact,
    ModelRepository,
    ModelVersion,
    Promotion,
    RunRef,
    StaleComparisonError,
    TaskKind,
)
from lolpop.config.converter import make_converter
from lolpop.config.records import ComponentConfig
from lolpop.config.registry import Registry
from lolpop.errors import DefinitionError


@pytest.fixture(scope="module")
def iris() -> tuple[pd.DataFrame, pd.Series]:
    data = load_iris(as_frame=True)
    return data.data, data.target


@pytest.fixture(scope="module")
def models(iris: tuple[pd.DataFrame, pd.Series]) -> dict[str, FittedModel[TaskKind]]:
    """Two models fitted once for the module: a weak one and a strong one."""
    return {"weak": fitted(iris, 0.001), "strong": fitted(iris, 10.0)}


def fitted(iris: tuple[pd.DataFrame, pd.Series], c: float) -> FittedModel[TaskKind]:
    features, target = iris
    estimator = LogisticRegression(C=c, max_iter=300).fit(features, target)
    return FittedModel(
        estimator=estimator,
        task=Classification,
        features=tuple(features.columns),
        target="target",
        classes=(0, 1, 2),
        params={"C": c},
    )


def artifact(model: FittedModel[TaskKind], run: str) -> ModelArtifact:
    return ModelArtifact(uri=f"runs:/{run}/model", run=RunRef(run, "iris"), model=model)


def registry(root: Path) -> ModelRepository:
    return local_registry(LocalRegistrySettings(root=str(root), model_name="iris"))


def cause(raised: pytest.ExceptionInfo[StepFailure]) -> BaseException:
    return raised.value.failure.cause


def test_register_two_versions_alias_approve_promote_and_load(
    tmp_path: Path, iris: tuple[pd.DataFrame, pd.Series], models: dict[str, FittedModel[TaskKind]]
) -> None:
    repo = registry(tmp_path)
    weak, strong = models["weak"], models["strong"]
    v1 = repo.register(artifact(weak, "run-1"))
    v2 = repo.register(artifact(strong, "run-2"))
    assert v1 == ModelVersion("iris", 1, "lolpop-store://iris/1", run_id="run-1")
    assert (v2.version, v2.source, v2.run_id) == (2, "lolpop-store://iris/2", "run-2")

    # Aliases.
    assert repo.get_alias("champion") is None
    staged = repo.set_alias((v1, "staging"))
    assert staged.aliases == ("staging",)
    got = repo.get_alias("staging")
    assert got is not None
    assert (got.version, got.run_id, got.aliases) == (1, "run-1", ("staging",))

    # Approval and promotion.
    approved = repo.approve((v2, Approval(True, "beats the baseline", by="ci")))
    assert approved.tags == {
        "approved": "true",
        "approval_reason": "beats the baseline",
        "approved_by": "ci",
    }
    promoted = repo.promote(Promotion(v2, None))
    assert promoted.aliases == ("champion",)
    champion = repo.get_alias("champion")
    assert champion is not None
    assert champion.version == 2
    assert champion.tags["approved"] == "true"

    # Moving the champion: v1 (never reviewed) can be promoted; the alias moves off v2.
    repo.promote(Promotion(v1, promoted))
    champion = repo.get_alias("champion")
    assert champion is not None
    assert (champion.version, champion.aliases) == (1, ("champion", "staging"))
    assert repo.set_alias((v2, "challenger")).aliases == ("challenger",)

    # Load returns a model that predicts as the registered one does.
    loaded = repo.load(v2)
    features, _ = iris
    assert loaded.features == strong.features
    assert loaded.params == {"C": 10.0}
    np.testing.assert_array_equal(
        np.asarray(loaded.estimator.predict(features)),
        np.asarray(strong.estimator.predict(features)),
    )
    accuracy = float(np.mean(np.asarray(loaded.estimator.predict(features)) == iris[1].to_numpy()))
    assert accuracy > 0.95


def test_a_rejected_version_is_not_promoted(
    tmp_path: Path, models: dict[str, FittedModel[TaskKind]]
) -> None:
    repo = registry(tmp_path)
    v1 = repo.register(artifact(models["strong"], "run-1"))
    v2 = repo.register(artifact(models["weak"], "run-2"))
    repo.promote(Promotion(v1, None))
    rejected = repo.approve((v2, Approval(False, "accuracy below 0.9", by="reviewer")))
    assert rejected.tags["approved"] == "false"
    # Even through a stale ModelVersion (no tags on it): the registry's record decides.
    with pytest.raises(StepFailure) as raised:
        repo.promote(Promotion(v2, v1))
    error = cause(raised)
    assert isinstance(error, RegistryError)
    assert "'iris' version 2" in str(error)
    assert "accuracy below 0.9" in str(error)
    champion = repo.get_alias("champion")
    assert champion is not None
    assert champion.version == 1
    # Approving it afterwards lifts the refusal.
    repo.approve((v2, Approval(True, "re-reviewed")))
    assert repo.promote(Promotion(v2, v1)).aliases == ("champion",)


def test_registering_an_unchanged_model_again_makes_a_new_version_sharing_its_blob(
    tmp_path: Path, models: dict[str, FittedModel[TaskKind]]
) -> None:
    repo = registry(tmp_path)
    model = models["strong"]
    first = repo.register(artifact(model, "run-1"))
    again = repo.register(artifact(model, "run-2"))
    assert (first.version, again.version) == (1, 2)
    assert (first.run_id, again.run_id) == ("run-1", "run-2")
    record = json.loads((tmp_path / "models" / "iris" / "versions" / "2.json").read_text())
    assert record["artifact"] == "runs:/run-2/model"
    blobs = [p for p in (tmp_path / "store" / "objects").rglob("*") if p.is_file()]
    assert len(blobs) == 1


def test_unknown_versions_and_bad_aliases_are_refused(
    tmp_path: Path, models: dict[str, FittedModel[TaskKind]]
) -> None:
    repo = registry(tmp_path)
    repo.register(artifact(models["weak"], "run-1"))
    ghost = ModelVersion("iris", 7, "lolpop-store://iris/7")
    for call in (
        lambda: repo.promote(Promotion(ghost, None)),
        lambda: repo.load(ghost),
        lambda: repo.set_alias((ghost, "x")),
        lambda: repo.approve((ghost, Approval(True, "ok"))),
    ):
        with pytest.raises(StepFailure) as raised:
            call()
        assert isinstance(cause(raised), RegistryError)
        assert "no version 7" in str(cause(raised))
    v1 = repo.get_alias("nothing")
    assert v1 is None
    with pytest.raises(StepFailure) as raised:
        repo.set_alias((ModelVersion("iris", 1, "lolpop-store://iris/1"), "../escape"))
    assert isinstance(cause(raised), DefinitionError)


def test_settings_decode_through_the_converter(tmp_path: Path) -> None:
    converter = make_converter(Registry(KINDS))
    config = converter.structure(
        {"type": "local_registry", "root": str(tmp_path), "model_name": "churn"}, ComponentConfig
    )
    assert config.settings == LocalRegistrySettings(
        root=str(tmp_path), model_name="churn", champion_alias="champion"
    )
    component = KINDS[0].build(config.settings)
    assert isinstance(component, ModelRepository)
    assert component.get_alias("champion") is None
    default = converter.structure({"type": "local_registry"}, ComponentConfig)
    assert default.settings == LocalRegistrySettings()
    assert default.settings.root == ".lolpop/registry"


def test_effects_are_marked(tmp_path: Path) -> None:
    repo = registry(tmp_path)
    effects = {
        name: getattr(repo, name).meta.effect
        for name in ("register", "set_alias", "get_alias", "approve", "promote", "load")
    }
    assert effects == {
        "register": True,
        "set_alias": True,
        "get_alias": False,
        "approve": True,
        "promote": True,
        "load": False,
    }


def test_promotion_is_a_compare_and_set_on_the_champion(
    tmp_path: Path, models: dict[str, FittedModel[TaskKind]]
) -> None:
    repo = registry(tmp_path)
    v1, v2, v3 = (repo.register(artifact(models["weak"], f"run-{n}")) for n in (1, 2, 3))

    # No champion expected and none there: set.
    assert repo.promote(Promotion(v1, None)).aliases == ("champion",)

    # No champion expected, but there is one: refused, the alias unmoved.
    with pytest.raises(StepFailure) as raised:
        repo.promote(Promotion(v2, None))
    error = cause(raised)
    assert isinstance(error, StaleChampionRegistryError)
    assert isinstance(error, RegistryError)
    assert isinstance(error, StaleComparisonError)
    assert str(error).startswith(
        "the champion moved: v1 became champion while this run compared v2 with no champion"
    )
    assert str(error).endswith("re-run to compare with v1.")
    assert str(tmp_path) in str(error)
    assert (error.candidate, error.expected, error.found) == (2, None, 1)
    champion = repo.get_alias("champion")
    assert champion is not None
    assert champion.version == 1

    # The champion expected is the one there: moved.
    assert repo.promote(Promotion(v2, v1)).aliases == ("champion",)

    # A stale expectation (compared with v1, the champion is v2 now): refused.
    with pytest.raises(StepFailure) as raised:
        repo.promote(Promotion(v3, v1))
    error = cause(raised)
    assert isinstance(error, StaleChampionRegistryError)
    assert str(error).startswith(
        "the champion moved from v1 to v2 while this run compared v3 with v1"
    )
    assert "re-run to compare with v2" in str(error)
    champion = repo.get_alias("champion")
    assert champion is not None
    assert champion.version == 2
    # The refusal survives pickling (failures travel back from worker processes).
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is StaleChampionRegistryError
    assert str(back) == str(error)

    # A version of another model is not a champion to compare with.
    with pytest.raises(StepFailure, match="champion of another model"):
        repo.promote(Promotion(v3, attrs.evolve(v2, name="other")))


def test_concurrent_promotions_over_no_champion_move_the_alias_once(
    tmp_path: Path, models: dict[str, FittedModel[TaskKind]]
) -> None:
    # Each thread has its own repository, as each process would.
    versions = [registry(tmp_path).register(artifact(models["weak"], f"run-{n}")) for n in range(6)]
    start = threading.Barrier(len(versions))

    def promote(version: ModelVersion) -> int | BaseException:
        start.wait()
        try:
            return registry(tmp_path).promote(Promotion(version, None)).version
        except StepFailure as failure:
            return failure.failure.cause

    with ThreadPoolExecutor(len(versions)) as pool:
        outcomes = list(pool.map(promote, versions))
    winners = [outcome for outcome in outcomes if isinstance(outcome, int)]
    assert len(winners) == 1, outcomes
    refused = [outcome for outcome in outcomes if not isinstance(outcome, int)]
    assert all(isinstance(error, StaleComparisonError) for error in refused), refused
    champion = registry(tmp_path).get_alias("champion")
    assert champion is not None
    assert champion.version == winners[0]
    assert (tmp_path / ".lock").is_file()


def test_a_replayed_registration_or_promotion_answers_what_it_did_the_first_time(
    tmp_path: Path, models: dict[str, FittedModel[TaskKind]]
) -> None:
    # A resumed run replays an effect whose record was lost with the killed process.
    repo = registry(tmp_path)
    first = repo.register(artifact(models["weak"], "run-1"))
    again = repo.register(artifact(models["weak"], "run-1"))
    assert (first.version, again.version) == (1, 1)
    assert repo.register(artifact(models["weak"], "run-2")).version == 2
    repo.promote(Promotion(first, None))
    assert repo.promote(Promotion(first, None)).aliases == ("champion",)
