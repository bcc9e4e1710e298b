"""The classification and regression runners: process -> train -> deploy -> predict.

A runner is a typed program over the pipelines, built from one record of components
(`SupervisedComponents`) and the workflow's settings. Its stages run alone or together:

- `process`: read, version, profile, check and compare the training data;
- `train`: process, then train (every trial a nested run) and log the model;
- `deploy`: process, train, then register, approve by the rule and promote;
- `predict`: predict new data with the champion (drift, versions, checks, writes);
- `build_all` (the default): deploy, then predict when new data is configured;
- `evaluate`: join the prediction file with labels that arrived later, and record the
  live metrics against the model version that made the predictions.

Each stage is one tracked run (predicting is a second run), started and ended by the
runner; the training run is tagged with the model version it produced, and the
prediction run with the model version it used, which is the lineage `lolpop lineage`
follows. Classification and regression differ in their defaults only: the metrics,
and the metric the approval rule compares.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path

import attrs
from attrs import evolve, fields, frozen

from lolpop.components.data_checker import CheckerSettings, Rule, rules_checker
from lolpop.components.drift import DriftSettings, drift_comparer
from lolpop.components.encoder import column_encoder
from lolpop.components.metrics import classification_metrics, regression_metrics
from lolpop.components.mlflow_repository import MlflowRegistrySettings, mlflow_repository
from lolpop.components.mlflow_tracker import MlflowSettings, mlflow_tracker
from lolpop.components.notifier import LogNotifierSettings, log_notifier
from lolpop.components.profiler import ProfilerSettings, pandas_profiler
from lolpop.components.records import (
    BiasChecker,
    DataChecker,
    DataComparer,
    DataConnector,
    DataProfiler,
    DataSplitter,
    DataTransformer,
    FeatureEncoder,
    FittedModel,
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
    RunRef,
    RunSpec,
    Task,
)
from lolpop.components.splitter import SplitterSettings, data_splitter
from lolpop.components.version_store import local_store
from lolpop.config.records import Settings
from lolpop.core.combinators import identity
from lolpop.core.decorator import make_step
from lolpop.core.step import Step
from lolpop.errors import DefinitionError
from lolpop.pipelines._runs import ending_failed
from lolpop.pipelines.deploy import ApprovalRule, Deployment, deploy_pipeline
from lolpop.pipelines.evaluate import (
    EvaluateComponents,
    EvaluateSettings,
    LiveMetrics,
    evaluate_pipeline,
)
from lolpop.pipelines.predict import (
    MODEL_VERSION_TAG,
    PredictComponents,
    Predicted,
    PredictSettings,
    predict_pipeline,
)
from lolpop.pipelines.process import (
    ProcessComponents,
    ProcessedData,
    ProcessSettings,
    process_pipeline,
)
from lolpop.pipelines.train import (
    KIND_TAG,
    TrainComponents,
    TrainedModel,
    TrainingData,
    train_pipeline,
)
from lolpop.pipelines.wiring import Carrier, need
from lolpop.runners.kinds import RunnerKind, Slot

PREDICTION_COLUMN = "prediction"
STAGES = ("build_all", "process", "train", "deploy", "predict", "evaluate")
STAGE_TAG = "lolpop.stage"


@frozen
class SupervisedComponents:
    """Every component a supervised runner uses; optional ones may be None."""

    data: DataConnector
    trainer: ModelTrainer[FittedModel]
    splitter: DataSplitter
    encoder: FeatureEncoder
    metrics: MetricsEvaluator
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
    tuner: HyperparameterTuner | None = None
    explainer: ModelExplainer | None = None
    baseline: ModelChecker | None = None
    visualizer: ModelVisualizer | None = None
    bias: BiasChecker | None = None


@frozen
class WorkflowReport:
    """What a runner's stage did (the parts it did not run are None)."""

    stage: str
    processed: ProcessedData | None = None
    trained: TrainedModel | None = None
    deployment: Deployment | None = None
    predicted: Predicted | None = None
    runs: tuple[RunRef, ...] = ()
    live: LiveMetrics | None = None


def _target(settings: Settings) -> str:
    if settings.target is None:
        raise DefinitionError(
            "the runner needs `settings.target`, the column to predict (e.g. `target: churned`)."
        )
    return settings.target


@frozen
class DefaultComponents:
    """The components a supervised runner uses for the slots a config leaves empty."""

    splitter: DataSplitter
    encoder: FeatureEncoder
    metrics: MetricsEvaluator
    profiler: DataProfiler
    checker: DataChecker
    drift: DataComparer
    store: ResourceVersionControl
    tracker: MetadataTracker
    repository: ModelRepository
    notifier: Notifier
    prediction_checker: DataChecker


def default_components(task: Task, settings: Settings) -> DefaultComponents:
    """Every default component, built from the settings (MLflow in the tracking URI, the
    store and reports under `settings.work_dir`), for the current working folder."""
    return _defaults(task, settings, Path.cwd())


# Kept per task, settings and working folder: building a config fills each empty slot
# from one set of defaults, not one set per slot (making the steps costs ~40 ms a set).
# The folder is part of the key: relative paths and the tracking URI's SQLite file are
# those of the folder the workflow was built in, and the MLflow client, made once, keeps
# the first folder it saw.
@functools.lru_cache(maxsize=8)
def _defaults(task: Task, settings: Settings, folder: Path) -> DefaultComponents:
    work = Path(settings.work_dir)
    return DefaultComponents(
        splitter=data_splitter(
            SplitterSettings(
                _target(settings),
                stratify=task == "classification",
                drop=(settings.index,) if settings.index else (),
            )
        ),
        encoder=column_encoder(),
        metrics=classification_metrics() if task == "classification" else regression_metrics(),
        profiler=pandas_profiler(ProfilerSettings()),
        checker=rules_checker(CheckerSettings()),
        drift=drift_comparer(DriftSettings()),
        store=local_store(work / "store"),
        tracker=mlflow_tracker(
            MlflowSettings(tracking_uri=settings.tracking_uri, experiment=settings.model_name)
        ),
        repository=mlflow_repository(
            MlflowRegistrySettings(settings.model_name, tracking_uri=settings.tracking_uri)
        ),
        notifier=log_notifier(LogNotifierSettings()),
        prediction_checker=rules_checker(
            CheckerSettings((Rule("not_null", columns=(PREDICTION_COLUMN,)),))
        ),
    )


def with_defaults(
    task: Task, settings: Settings, data: DataConnector, trainer: ModelTrainer[FittedModel]
) -> SupervisedComponents:
    """`data` and `trainer`, and the default component in every other required slot."""
    defaults = attrs.asdict(default_components(task, settings), recurse=False)
    return SupervisedComponents(data=data, trainer=trainer, **defaults)


def approval_rule(task: Task, settings: Settings) -> ApprovalRule:
    """The settings' approval rule, with the task's metric when none is named."""
    approval = settings.approval
    metric = approval.metric or ("f1" if task == "classification" else "rmse")
    return ApprovalRule(metric, approval.min_improvement, approval.manual)


@frozen
class _State:
    stage: str
    train_run: RunRef | None = None
    predict_run: RunRef | None = None
    processed: ProcessedData | None = None
    trained: TrainedModel | None = None
    deployment: Deployment | None = None
    predicted: Predicted | None = None
    live: LiveMetrics | None = None


def _train_run(state: _State) -> RunRef:
    return need(state.train_run, "starting its run")


def _predict_run(state: _State) -> RunRef:
    return need(state.predict_run, "starting the prediction run")


def _processed(state: _State) -> ProcessedData:
    return need(state.processed, "processing the data")


def _trained(state: _State) -> TrainedModel:
    return need(state.trained, "training")


def _deployed_tags(state: _State) -> tuple[RunRef, dict[str, str]]:
    deployment = state.deployment
    if deployment is None:  # pragma: no cover (runs after deploy)
        return _train_run(state), {}
    version = deployment.version
    tags = {
        MODEL_VERSION_TAG: f"{version.name}:{version.version}",
        "lolpop.promoted": str(deployment.promoted).lower(),
    }
    if deployment.approval is not None:
        tags["lolpop.approval"] = deployment.approval.reason[:500]
    return _train_run(state), tags


def _report(state: _State) -> WorkflowReport:
    runs = tuple(run for run in (state.train_run, state.predict_run) if run is not None)
    return WorkflowReport(
        state.stage,
        state.processed,
        state.trained,
        state.deployment,
        state.predicted,
        runs,
        state.live,
    )


def supervised_runner(
    task: Task, components: SupervisedComponents, settings: Settings, stage: str = "build_all"
) -> Step[None, WorkflowReport]:
    """The runner's program for one stage (see the module notes)."""
    if stage not in STAGES:
        raise DefinitionError(f"unknown stage {stage!r} (stages: {', '.join(STAGES)}).")
    c = components
    _target(settings)
    on = Carrier(_State)
    work = Path(settings.work_dir)
    dataset = f"{settings.model_name}-training-data"

    def spec(name: str) -> RunSpec:
        return RunSpec(f"{settings.model_name}-{name}", {KIND_TAG: "run", STAGE_TAG: name})

    def start(_: None) -> _State:
        return _State(stage)

    process = process_pipeline(
        ProcessComponents(
            c.data, c.profiler, c.checker, c.drift, c.store, c.tracker, c.notifier, c.transformer
        ),
        ProcessSettings(
            dataset, str(work / "reports"), settings.stop_on_error, required=(_target(settings),)
        ),
    )
    train = train_pipeline(
        TrainComponents(
            c.splitter,
            c.encoder,
            c.trainer,
            c.metrics,
            c.tracker,
            c.repository,
            c.tuner,
            c.explainer,
            c.baseline,
            c.visualizer,
            c.bias,
        ),
        refit=settings.refit_on_all_data,
    )

    deploy = deploy_pipeline(c.repository, approval_rule(task, settings))

    def training_data(state: _State) -> TrainingData:
        processed = _processed(state)
        return TrainingData(processed.run, processed.frame, (processed.version,))

    # Each pipeline starts its run once its input is read and sound: bad input leaves
    # no run behind.
    steps: Step[None, _State] = make_step(start, name="start")
    if stage == "evaluate":
        if c.labels is None or c.predictions is None or settings.index is None:
            raise DefinitionError(
                "evaluating needs the `labels` and `predictions` components (later labels, "
                "and the prediction file) and `settings.index`, the id column they share."
            )
        evaluate = evaluate_pipeline(
            EvaluateComponents(c.predictions, c.labels, c.metrics, c.tracker),
            EvaluateSettings(settings.index, _target(settings), PREDICTION_COLUMN),
        )
        steps = (
            steps
            >> on.through(
                evaluate,
                lambda s: spec("evaluate"),
                lambda s, m: evolve(s, live=m, predict_run=m.run),
            )
            >> on.effect(c.tracker.end_run, lambda s: (_predict_run(s), "FINISHED"))
        )
        return (steps >> make_step(_report, name="report")).named(f"{task}-{stage}")
    if stage != "predict":
        steps = steps >> on.through(
            process, lambda s: spec("train"), lambda s, p: evolve(s, processed=p, train_run=p.run)
        )
        after: Step[_State, _State] = identity()
        if stage != "process":
            after = after >> on.through(train, training_data, lambda s, t: evolve(s, trained=t))
        if stage in ("deploy", "build_all"):
            after = (
                after
                >> on.through(
                    deploy, lambda s: _trained(s).candidate, lambda s, d: evolve(s, deployment=d)
                )
                >> on.effect(c.tracker.set_tags, _deployed_tags)
            )
        after = after >> on.effect(c.tracker.end_run, lambda s: (_train_run(s), "FINISHED"))
        # A failure after processing ends the training run as FAILED (not left running).
        steps = steps >> ending_failed(after, c.tracker, _train_run)
    if stage == "predict" or (stage == "build_all" and c.new_data is not None):
        if c.new_data is None or c.predictions is None:
            raise DefinitionError(
                "predicting needs the `new_data` and `predictions` components (where new "
                "data is read from, and where predictions are written)."
            )
        predict = predict_pipeline(
            PredictComponents(
                c.new_data,
                c.predictions,
                c.trainer,
                c.repository,
                c.store,
                c.drift,
                c.prediction_checker,
                c.tracker,
                c.explainer,
            ),
            PredictSettings(
                dataset,
                predictions=f"{settings.model_name}-predictions",
                column=PREDICTION_COLUMN,
                keep=(settings.index,) if settings.index else (),
            ),
        )
        steps = (
            steps
            >> on.through(
                predict,
                lambda s: spec("predict"),
                lambda s, p: evolve(s, predicted=p, predict_run=p.run),
            )
            >> on.effect(c.tracker.end_run, lambda s: (_predict_run(s), "FINISHED"))
        )
    return (steps >> make_step(_report, name="report")).named(f"{task}-{stage}")


_SLOT_DESCRIPTIONS: Mapping[str, str] = {
    "data": "where the training data is read from",
    "trainer": "the model to fit",
    "new_data": "where new data to predict is read from",
    "predictions": "where predictions are written",
    "labels": "labels of predicted rows that arrived later",
}


def _component_type(hint: object) -> type:
    """The component record a field of `SupervisedComponents` holds (`X | None` -> `X`,
    `ModelTrainer[FittedModel]` -> `ModelTrainer`)."""
    options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        hint = options[0]
    found = typing.get_origin(hint) or hint
    assert isinstance(found, type)
    return found


_DEFAULTED = frozenset(field.name for field in fields(DefaultComponents))


def _slots(task: Task) -> tuple[Slot, ...]:
    def default_for(name: str) -> Callable[[Settings], object]:
        return lambda settings: getattr(default_components(task, settings), name)

    hints = typing.get_type_hints(SupervisedComponents)
    return tuple(
        Slot(
            field.name,
            _component_type(hints[field.name]),
            _SLOT_DESCRIPTIONS.get(field.name, ""),
            # A slot with neither a default value nor a default component must be filled.
            required=field.default is attrs.NOTHING and field.name not in _DEFAULTED,
            default=default_for(field.name) if field.name in _DEFAULTED else None,
        )
        for field in fields(SupervisedComponents)
    )


def _build(task: Task) -> Callable[[Mapping[str, object], Settings, str], Step[None, object]]:
    def build(
        components: Mapping[str, object], settings: Settings, stage: str
    ) -> Step[None, object]:
        # Every slot was checked against its component type before this is called.
        record = SupervisedComponents(**components)  # type: ignore[arg-type]  # see above
        return supervised_runner(task, record, settings, stage)

    return build


KINDS: tuple[RunnerKind, ...] = (
    RunnerKind(
        "classification",
        _slots("classification"),
        _build("classification"),
        "process -> train -> deploy if better -> predict, for classifiers",
        STAGES,
    ),
    RunnerKind(
        "regression",
        _slots("regression"),
        _build("regression"),
        "process -> train -> deploy if better -> predict, for regressors",
        STAGES,
    ),
)


def describe_report(report: WorkflowReport) -> str:
    """A few lines for a person: what each part of the stage did."""
    lines = [f"stage {report.stage}: done"]
    if report.processed is not None:
        data = report.processed
        drifted = ", ".join(data.drift.drifted) if data.drift and data.drift.drifted else "none"
        lines.append(
            f"  data: {data.dataset} version {data.version.number} ({len(data.frame)} rows), "
            f"checks {data.check.status.name}, drifted columns: {drifted}"
        )
    if report.trained is not None:
        trained = report.trained
        shown = ", ".join(f"{k} {v:.4f}" for k, v in sorted(trained.candidate.metrics.items()))
        lines.append(f"  model: test {shown}")
        if trained.tuning is not None:
            best = trained.tuning.best
            lines.append(
                f"  tuning: {len(trained.tuning.trials)} trials, best {dict(best.params)} "
                f"({trained.tuning.metric} {best.score:.4f} on valid)"
            )
    if report.deployment is not None:
        deployment = report.deployment
        verdict = "promoted to champion" if deployment.promoted else "not promoted"
        reason = f" ({deployment.approval.reason})" if deployment.approval else " (manual approval)"
        lines.append(
            f"  deploy: {deployment.version.name} version {deployment.version.version} "
            f"{verdict}{reason}"
        )
    if report.predicted is not None:
        predicted = report.predicted
        moved = predicted.drift.drifted if predicted.drift is not None else ()
        lines.append(
            f"  predict: {predicted.written.rows} rows with {predicted.model.name} version "
            f"{predicted.model.version} -> {predicted.written.location}; drifted against the "
            f"training data: {', '.join(moved) or 'none'}; checks {predicted.check.status.name}"
        )
    if report.live is not None:
        live = report.live
        shown = ", ".join(f"{k} {v:.4f}" for k, v in sorted(live.metrics.items()))
        lines.append(
            f"  evaluate: {live.rows} labelled predictions of {live.model_version}: {shown}"
        )
    return "\n".join(lines)
