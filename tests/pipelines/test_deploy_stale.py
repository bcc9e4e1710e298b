"""The deploy pipeline when the champion moved after the candidate was compared with it.

Two runs compared with the same champion (here: none yet) and both approved: the first
is promoted; the second's promotion is refused by the repository's compare-and-set, and
the deployment says so (not promoted, the reason given, the version registered and
approved) rather than failing. Any other refusal still fails the step.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from returns.pipeline import is_successful
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from lolpop import run
from lolpop.components.local_repository import LocalRegistrySettings, local_registry
from lolpop.components.records import (
    Classification,
    FittedModel,
    ModelArtifact,
    ModelRepository,
    ModelVersion,
    Promotion,
    RunRef,
)
from lolpop.core.decorator import make_step
from lolpop.pipelines.deploy import Candidate, classification_rule, deploy_pipeline


@pytest.fixture(scope="module")
def model() -> FittedModel[Classification]:
    data = load_iris(as_frame=True)
    estimator = LogisticRegression(max_iter=300).fit(data.data, data.target)
    return FittedModel(estimator, Classification, tuple(data.data.columns), "target", (0, 1, 2), {})


def candidate(model: FittedModel[Classification], run: str) -> Candidate:
    artifact = ModelArtifact(f"runs:/{run}/model", RunRef(run, "iris"), model)
    return Candidate(artifact, {"f1": 0.9}, champion=None)


def test_a_stale_comparison_is_reported_not_promoted(
    tmp_path: Path, model: FittedModel[Classification]
) -> None:
    repository = local_registry(LocalRegistrySettings(str(tmp_path), "iris"))
    deploy = deploy_pipeline(repository, classification_rule("f1"))
    # Both compared with no champion (as two runs started at once would).
    first = run(deploy, candidate(model, "run-1")).unwrap()
    second = run(deploy, candidate(model, "run-2")).unwrap()

    assert first.version is not None
    assert second.version is not None
    assert (first.version.version, first.promoted, first.stale) == (1, True, None)
    assert (second.version.version, second.promoted) == (2, False)
    assert second.stale is not None
    assert second.stale.startswith(
        "the champion moved: v1 became champion while this run compared v2 with no champion"
    )
    assert second.approval is not None
    assert second.approval.approved
    assert second.approval.reason.startswith("no champion yet; f1 = 0.9000, but the champion")
    assert second.previous_champion is None
    # Registered and approved; the champion is the first.
    assert second.version.tags["approved"] == "true"
    champion = repository.get_alias("champion")
    assert champion is not None
    assert champion.version == 1


def test_any_other_refusal_of_promote_still_fails_the_step(
    tmp_path: Path, model: FittedModel[Classification]
) -> None:
    def refuse(promotion: Promotion) -> ModelVersion:
        raise RuntimeError("the registry is read-only")

    repository: ModelRepository = attrs.evolve(
        local_registry(LocalRegistrySettings(str(tmp_path), "iris")),
        promote=make_step(refuse, name="promote", effect=True),
    )
    result = run(deploy_pipeline(repository, classification_rule("f1")), candidate(model, "r"))
    assert not is_successful(result)
    failure = result.failure()
    assert failure.path == "deploy/promote"
    assert isinstance(failure.cause, RuntimeError)
    assert "read-only" in failure.message
