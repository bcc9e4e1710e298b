"""The components of a supervised runner: one record, all of one task.

`SupervisedComponents[K]` holds every component the classification (`K` =
`Classification`) or regression (`Regression`) runner uses. The task-bound ones (the
trainer, the metrics, the tuner, the baseline) are typed by the task, so a regressor in
a classification workflow, regression metrics beside a classifier, or a tuner scored by
another task's metric, is a mypy error where the record is made; the same record made
from a config is checked component by component (their `task`) before it is made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, TypeVar

from attrs import frozen

from lolpop.components.records import (
    BiasChecker,
    DataChecker,
    DataComparer,
    DataConnector,
    DataProfiler,
    DataSplitter,
    DataTransformer,
    FeatureEncoder,
    HyperparameterTuner,
    MetadataTracker,
    MetricsEvaluator,
    ModelChecker,
    ModelExplainer,
    ModelRepository,
    ModelTrainer,
    ModelVisualizer,
    Notifier,
    ResourceVersionControl,
    TaskKind,
)

_K = TypeVar("_K", bound=TaskKind)


@frozen
class SupervisedComponents(Generic[_K]):
    """Every component a supervised runner uses; optional ones may be None."""

    data: DataConnector
    trainer: ModelTrainer[_K]
    metrics: MetricsEvaluator[_K]
    splitter: DataSplitter
    encoder: FeatureEncoder
    profiler: DataProfiler
    checker: DataChecker
    drift: DataComparer
    store: ResourceVersionControl
    tracker: MetadataTracker
    repository: ModelRepository
    notifier: Notifier
    #: Checks the prediction file (default: no prediction is missing).
    prediction_checker: DataChecker
    new_data: DataConnector | None = None
    predictions: DataConnector | None = None
    #: Labels of predicted rows that arrived later (the `evaluate` stage).
    labels: DataConnector | None = None
    transformer: DataTransformer | None = None
    tuner: HyperparameterTuner[_K] | None = None
    explainer: ModelExplainer | None = None
    baseline: ModelChecker[_K] | None = None
    visualizer: ModelVisualizer | None = None
    bias: BiasChecker[_K] | None = None


#: What the slots a config fills are for (shown when one is missing).
SLOT_DESCRIPTIONS: Mapping[str, str] = {
    "data": "where the training data is read from",
    "trainer": "the model to fit",
    "new_data": "where new data to predict is read from",
    "predictions": "where predictions are written",
    "labels": "labels of predicted rows that arrived later",
}
