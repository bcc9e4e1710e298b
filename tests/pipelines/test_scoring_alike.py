"""The train pipeline hands its metrics component's scorer to the tuner and the baseline,
and the approval rule compares only metrics that component computes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from attrs import evolve
from returns.pipeline import is_successful
from sklearn.metrics import f1_score

from lolpop import run
from lolpop.components.memory_tracker import MemoryStore
from lolpop.components.metrics import ClassificationMetricsSettings, classification_metrics
from lolpop.components.records import RunSpec
from lolpop.components.sklearn_trainer import predict_model
from lolpop.config import load
from lolpop.errors import SettingError
from lolpop.pipelines.deploy import check_rule_metric, classification_rule
from lolpop.pipelines.train import TrainingData, train_pipeline
from lolpop.runners.build import build_workflow
from tests.pipelines.conftest import components


def test_the_tuner_and_the_baseline_score_by_the_metrics_pos_label(
    tmp_path: Path, frame: pd.DataFrame
) -> None:
    runs = MemoryStore()
    settings = ClassificationMetricsSettings(pos_label=0)
    parts = evolve(
        components(tmp_path, runs, (0.01, 1.0)), evaluator=classification_metrics(settings)
    )
    started = parts.tracker.start_run(RunSpec("train"))
    result = run(train_pipeline(parts), TrainingData(started, frame))
    assert is_successful(result), result
    trained = result.unwrap()
    assert trained.tuning is not None
    valid, test = trained.splits.valid, trained.splits.test
    on_valid = predict_model(trained.bundle, valid.features).values
    on_test = predict_model(trained.bundle, test.features).values
    assert trained.tuning.best.score == pytest.approx(f1_score(valid.target, on_valid, pos_label=0))
    assert trained.candidate.metrics["f1"] == pytest.approx(
        f1_score(test.target, on_test, pos_label=0)
    )
    assert trained.baseline is not None
    assert trained.baseline.model_score == pytest.approx(trained.candidate.metrics["f1"])
    # The positive class matters here: the other one scores otherwise.
    assert f1_score(test.target, on_test, pos_label=0) != pytest.approx(
        f1_score(test.target, on_test, pos_label=1)
    )


def test_a_rule_by_a_metric_the_metrics_component_does_not_compute_is_refused() -> None:
    accuracy_only = classification_metrics(ClassificationMetricsSettings(metrics=("accuracy",)))
    with pytest.raises(SettingError, match="computes only accuracy") as raised:
        check_rule_metric(classification_rule("f1"), accuracy_only)
    assert raised.value.field == "metric"
    check_rule_metric(classification_rule("accuracy"), accuracy_only)
    check_rule_metric(classification_rule("f1", manual=True), accuracy_only)
    check_rule_metric(classification_rule("roc_auc"), classification_metrics())


def test_a_config_approving_by_a_metric_it_does_not_compute_is_refused_at_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "workflow.yaml"
    config.write_text(
        "runner: classification\n"
        "settings: {model_name: wine, target: target}\n"
        "components:\n"
        "  data: {type: sklearn_dataset, name: wine}\n"
        "  trainer: {type: sklearn_model, estimator: 'sklearn.tree:DecisionTreeClassifier'}\n"
        "  metrics: {type: classification_metrics, metrics: [accuracy]}\n"
    )
    built = build_workflow(load(config).unwrap())
    assert not is_successful(built)
    [problem] = built.failure().problems
    assert problem.path == "$.settings.approval.metric"
    assert "the approval rule compares 'f1', but the metrics component computes only accuracy" in (
        problem.message
    )
    # Training alone never compares: that stage builds.
    assert is_successful(build_workflow(load(config).unwrap(), stage="train"))
