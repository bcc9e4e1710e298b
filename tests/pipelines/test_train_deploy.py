"""The train and deploy pipelines on real components: tuning, experiments, the champion
compared on the same test data, and the approval rule deciding promotion."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from attrs import evolve
from returns.pipeline import is_successful

from lolpop import run
from lolpop.components.memory_tracker import MemoryStore
from lolpop.components.records import Classification, Regression, RunSpec
from lolpop.errors import SettingError
from lolpop.pipelines.deploy import (
    ApprovalRule,
    Candidate,
    classification_rule,
    decide,
    deploy_pipeline,
)
from lolpop.pipelines.train import (
    WINNING_EXPERIMENT_TAG,
    TrainingData,
    to_candidate,
    train_pipeline,
)
from tests.pipelines.conftest import components


def test_train_then_deploy_twice(tmp_path: Path, frame: pd.DataFrame) -> None:
    runs = MemoryStore()
    parts = components(tmp_path, runs, (0.01, 1.0))
    train = train_pipeline(parts)
    rule = classification_rule("f1", min_improvement=0.01)
    deploy = deploy_pipeline(parts.repository, rule)
    program = train >> to_candidate >> deploy

    first_run = parts.tracker.start_run(RunSpec("first"))
    first = run(program, TrainingData(first_run, frame))
    assert is_successful(first), first
    deployment = first.unwrap()
    assert deployment.version is not None
    assert deployment.version.version == 1
    assert deployment.promoted
    assert deployment.previous_champion is None

    logged = runs.run(first_run.run_id)
    experiments = [r for r in runs.runs() if r.parent == first_run.run_id]
    assert len(experiments) == 2
    assert logged.tags[WINNING_EXPERIMENT_TAG] in {r.run_id for r in experiments}
    assert {"test_f1", "test_accuracy", "baseline_f1"} <= set(logged.metrics)
    assert logged.metrics["test_f1"] > logged.metrics["baseline_f1"]
    assert any(k.startswith("figures/") for k in logged.artifacts)
    assert logged.model is not None

    # The same data and space again: the new version is no better than the champion.
    second_run = parts.tracker.start_run(RunSpec("second"))
    second = run(program, TrainingData(second_run, frame)).unwrap()
    # Rejected, so not registered: it stays a logged model in its run.
    assert second.version is None
    assert not second.promoted
    assert runs.run(second_run.run_id).model is not None
    champion = parts.repository.get_alias("champion")
    assert champion is not None
    assert champion.version == 1
    assert second.previous_champion is not None
    assert second.previous_champion.version == 1
    champion_metrics = runs.run(second_run.run_id).metrics
    assert champion_metrics["champion_test_f1"] == pytest.approx(champion_metrics["test_f1"])
    assert second.approval is not None
    assert "improvement" in second.approval.reason


def test_register_always_registers_a_rejected_candidate_with_its_rejection(
    tmp_path: Path, frame: pd.DataFrame
) -> None:
    parts = components(tmp_path, MemoryStore(), (1.0,))
    rule = classification_rule("f1", min_improvement=0.01, register="always")
    program = train_pipeline(parts) >> to_candidate >> deploy_pipeline(parts.repository, rule)
    run(program, TrainingData(parts.tracker.start_run(RunSpec("first")), frame)).unwrap()
    second_run = parts.tracker.start_run(RunSpec("second"))
    second = run(program, TrainingData(second_run, frame)).unwrap()
    assert second.version is not None
    assert (second.version.version, second.promoted) == (2, False)
    assert second.version.tags["approved"] == "false"


def test_the_rule_promotes_a_clearly_better_model(tmp_path: Path, frame: pd.DataFrame) -> None:
    runs = MemoryStore()
    weak = components(tmp_path, runs, (1e-5,))
    strong = components(tmp_path, runs, (1.0,))
    rule = classification_rule("f1", min_improvement=0.01)
    first = run(
        train_pipeline(weak) >> to_candidate >> deploy_pipeline(weak.repository, rule),
        TrainingData(weak.tracker.start_run(RunSpec("weak")), frame),
    ).unwrap()
    second = run(
        train_pipeline(strong) >> to_candidate >> deploy_pipeline(strong.repository, rule),
        TrainingData(strong.tracker.start_run(RunSpec("strong")), frame),
    ).unwrap()
    assert first.promoted
    assert second.promoted, second.approval
    assert second.version is not None
    assert second.version.version == 2
    champion = strong.repository.get_alias("champion")
    assert champion is not None
    assert champion.version == 2


def test_a_manual_rule_records_no_decision() -> None:
    from lolpop.components.records import ModelArtifact, RunRef  # noqa: PLC0415

    artifact = ModelArtifact("runs:/r/model", RunRef("r", "e"), None)  # type: ignore[arg-type]  # unread by decide
    candidate = Candidate(artifact, {"f1": 0.9})
    assert decide(classification_rule(manual=True), candidate) is None
    assert decide(classification_rule(), candidate) is not None


def test_a_rule_made_directly_is_checked_as_approval_rule_checks_it() -> None:
    """`ApprovalRule(Classification, "rmse")` passes mypy (its metric is text): made, or
    changed with `evolve`, it is refused as `make_approval_rule` refuses it."""
    with pytest.raises(SettingError, match="its metric is one of accuracy, f1"):
        ApprovalRule(Classification, "rmse")
    with pytest.raises(SettingError, match="must not be negative"):
        ApprovalRule(Regression, "mae", min_improvement=-0.1)
    with pytest.raises(SettingError, match="got 'mae'"):
        evolve(classification_rule("f1"), metric="mae")
    assert ApprovalRule(Regression, "mae").metric == "mae"


def test_refit_logs_the_winner_refitted_on_all_the_data(
    tmp_path: Path, frame: pd.DataFrame
) -> None:
    runs = MemoryStore()
    parts = components(tmp_path, runs, (1.0,))
    started = parts.tracker.start_run(RunSpec("refit"))
    trained = run(train_pipeline(parts, refit=True), TrainingData(started, frame)).unwrap()
    assert trained.bundle is not None
    logged = runs.run(started.run_id).model
    assert logged is not None
    assert logged.model is trained.bundle
    encode = trained.bundle.estimator.named_steps["encode"]  # type: ignore[attr-defined]  # a Pipeline
    scale = encode.named_transformers_["numeric"].named_steps["scale"]
    first = trained.encoder.inputs[0]
    # Scaled with the mean of every row, not of the train split only.
    assert scale.mean_[0] == pytest.approx(frame[first].mean())
    assert trained.splits.train.features[first].mean() != pytest.approx(frame[first].mean())
