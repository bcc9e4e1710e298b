"""One source of truth for scoring: in a workflow whose metrics component says
`average: weighted`, the tuner's trials, the baseline, the test metrics and the summary
are all weighted f1, the number scikit-learn gives with `average="weighted"`.

Before, the tuner and the baseline scored with their own default (macro), so a summary
showed a macro f1 on valid beside a weighted f1 on test."""

from __future__ import annotations

import pandas as pd
import pytest
from returns.pipeline import is_successful
from sklearn.metrics import f1_score

from lolpop import run
from lolpop.components.encoder import column_encoder
from lolpop.components.records import FittedModel, TaskKind
from lolpop.components.sklearn_trainer import predict_model
from lolpop.config import load
from lolpop.pipelines.train import TrainedModel
from lolpop.runners.build import build_workflow
from lolpop.runners.supervised.program import WorkflowReport

CONFIG = """\
runner: classification
settings:
  model_name: wine
  target: target
  approval: {metric: f1}
components:
  data: {type: sklearn_dataset, name: wine}
  trainer:
    type: sklearn_model
    estimator: sklearn.tree:DecisionTreeClassifier
  tuner:
    type: grid_search
    estimator: sklearn.tree:DecisionTreeClassifier
    metric: f1
    space: {max_depth: [1, 2]}
    n_jobs: 1
  metrics: {type: classification_metrics, average: weighted}
  baseline: {type: baseline_checker, metric: f1, strategy: stratified}
  tracker: {type: memory}
  repository: {type: local_registry, model_name: wine}
"""


def _predict(model: FittedModel[TaskKind], features: pd.DataFrame) -> pd.Series:
    return predict_model(model, features).values


def _weighted(truth: pd.Series, predicted: pd.Series) -> float:
    return float(f1_score(truth, predicted, average="weighted"))


def _macro(truth: pd.Series, predicted: pd.Series) -> float:
    return float(f1_score(truth, predicted, average="macro"))


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> WorkflowReport[TaskKind]:
    folder = tmp_path_factory.mktemp("one-scoring")
    config = folder / "workflow.yaml"
    config.write_text(CONFIG)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)  # the config's paths are relative to the project folder
        program = build_workflow(load(config).unwrap(), stage="deploy").unwrap()
        result = run(program, None)
    assert is_successful(result), result
    found = result.unwrap()
    assert isinstance(found, WorkflowReport)
    return found


def _trained(report: WorkflowReport[TaskKind]) -> TrainedModel[TaskKind]:
    assert report.trained is not None
    return report.trained


def test_every_trial_and_the_best_score_weighted_f1_on_valid(
    report: WorkflowReport[TaskKind],
) -> None:
    trained = _trained(report)
    tuning = trained.tuning
    assert tuning is not None
    valid = trained.splits.valid
    # The trials' models take encoded features (the default encoder's, fitted on train).
    encoded = column_encoder().transform((trained.encoder, valid.features))
    for trial in tuning.trials:
        predicted = _predict(trial.model, encoded)
        assert trial.score == pytest.approx(_weighted(valid.target, predicted))
        assert trial.metrics["f1"] == trial.score
    best = _predict(trained.bundle, valid.features)
    assert tuning.best.score == pytest.approx(_weighted(valid.target, best))
    # The data tells the two averages apart, so the test above means something.
    assert _weighted(valid.target, best) != pytest.approx(_macro(valid.target, best))


def test_the_test_metric_and_the_baseline_are_weighted_f1_on_test(
    report: WorkflowReport[TaskKind],
) -> None:
    trained = _trained(report)
    test = trained.splits.test
    predicted = _predict(trained.bundle, test.features)
    assert trained.candidate.metrics["f1"] == pytest.approx(_weighted(test.target, predicted))
    assert _weighted(test.target, predicted) != pytest.approx(_macro(test.target, predicted))
    baseline = trained.baseline
    assert baseline is not None
    assert baseline.model_score == pytest.approx(trained.candidate.metrics["f1"])
    # The approval rule compares the metrics component's numbers: this weighted f1.
    assert report.deployment is not None
    assert report.deployment.approval is not None
    assert f"f1 = {trained.candidate.metrics['f1']:.4f}" in report.deployment.approval.reason


def test_the_summary_names_the_metric_with_its_average(report: WorkflowReport[TaskKind]) -> None:
    text = report.to_text()
    tuning_line = next(line for line in text.splitlines() if "tuning:" in line)
    assert "f1 (weighted)" in tuning_line
    trained = _trained(report)
    assert trained.tuning is not None
    assert f"{trained.tuning.best.score:.4f} on valid" in tuning_line
