"""The components a supervised runner uses where none is given.

MLflow in the settings' tracking URI (a SQLite file by default, no server to start), the
store and reports under `settings.work_dir`, a stratified split (classification) on the
target, the column encoder, the task's metrics, lolpop's profiler, a rules checker that
warns (WARN, never ERROR) on feature columns that teach a model nothing (constant, all
missing, ID-like text: every column but the target and the id) and, for classification,
on a class of the target with fewer than `CLASS_ROWS` rows, the drift comparer,
the log notifier, and a prediction check that no prediction is missing. A config's
empty slots and `with_defaults` (the Python examples) take them from here, so both get
the same.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

import attrs
from attrs import frozen

from lolpop.components.data_checker import CheckerSettings, Rule, rules_checker
from lolpop.components.drift import DriftSettings, drift_comparer
from lolpop.components.encoder import column_encoder
from lolpop.components.metrics import task_metrics
from lolpop.components.mlflow_repository import MlflowRegistrySettings, mlflow_repository
from lolpop.components.mlflow_tracker import MlflowSettings, mlflow_tracker
from lolpop.components.notifier import LogNotifierSettings, log_notifier
from lolpop.components.profiler import ProfilerSettings, pandas_profiler
from lolpop.components.records import (
    TASKS,
    DataChecker,
    DataComparer,
    DataConnector,
    DataProfiler,
    DataSplitter,
    FeatureEncoder,
    MetadataTracker,
    ModelRepository,
    ModelTrainer,
    Notifier,
    ResourceVersionControl,
    Task,
    TaskKind,
)
from lolpop.components.splitter import SplitterSettings, data_splitter
from lolpop.components.version_store import local_store
from lolpop.errors import DefinitionError
from lolpop.runners.supervised.components import SupervisedComponents
from lolpop.runners.supervised.settings import SupervisedSettings

_K = TypeVar("_K", bound=TaskKind)

#: The column a prediction file holds the predictions in.
PREDICTION_COLUMN = "prediction"


@frozen
class SharedDefaults:
    """The default components that do not depend on the task (its fields are slots)."""

    splitter: DataSplitter
    encoder: FeatureEncoder
    profiler: DataProfiler
    checker: DataChecker
    drift: DataComparer
    store: ResourceVersionControl
    tracker: MetadataTracker
    repository: ModelRepository
    notifier: Notifier
    prediction_checker: DataChecker


#: The slots a config may leave empty: the defaults fill them.
DEFAULTED = frozenset({"metrics", *(field.name for field in attrs.fields(SharedDefaults))})


#: The refusal of a supervised runner without a target column.
NO_TARGET = "the runner needs `settings.target`, the column to predict (e.g. `target: churned`)."


def target_of(settings: SupervisedSettings) -> str:
    """The target column (a supervised runner needs one)."""
    if settings.target is None:
        raise DefinitionError(NO_TARGET)
    if settings.index == settings.target:
        raise DefinitionError(
            f"the id column (`settings.index`) {settings.index!r} is the target; an id is "
            "never the column to predict: name the column that identifies each row, or none."
        )
    return settings.target


#: The fewest rows of a class the default classification checker lets pass without a
#: warning (`class_rows`): fewer can hardly be learned, and a split's part may get none.
CLASS_ROWS = 10


def default_rules(task: Task, settings: SupervisedSettings) -> tuple[Rule, ...]:
    """The default checker's rules: the feature rules, and for classification a warning
    for a class of the target with fewer than `CLASS_ROWS` rows."""
    rules = feature_rules(settings)
    if task == "classification" and settings.target is not None:
        rare = Rule("class_rows", columns=(settings.target,), min=CLASS_ROWS, severity="WARN")
        rules = (*rules, rare)
    return rules


def feature_rules(settings: SupervisedSettings) -> tuple[Rule, ...]:
    """The default checker's rules: a warning for each column but the target and the id
    that is constant, missing in every row, or ID-like text."""
    exclude = tuple(name for name in (settings.target, settings.index) if name is not None)
    return tuple(
        Rule(kind, exclude=exclude, severity="WARN")
        for kind in ("constant", "all_missing", "id_like")
    )


def default_components(task: Task, settings: SupervisedSettings) -> Mapping[str, object]:
    """Every default component by slot name, for the current working folder."""
    shared = _shared(task, settings, Path.cwd())
    return {"metrics": task_metrics(TASKS[task]), **attrs.asdict(shared, recurse=False)}


# Kept per task, settings and working folder: building a config fills each empty slot
# from one set of defaults, not one set per slot (making the steps costs ~40 ms a set).
# The folder is part of the key: relative paths are those of the folder the workflow was
# built in.
@functools.lru_cache(maxsize=8)
def _shared(task: Task, settings: SupervisedSettings, folder: Path) -> SharedDefaults:
    work = Path(settings.work_dir)
    return SharedDefaults(
        splitter=data_splitter(
            SplitterSettings(
                target_of(settings),
                stratify=task == "classification",
                drop=(settings.index,) if settings.index else (),
            )
        ),
        encoder=column_encoder(),
        profiler=pandas_profiler(ProfilerSettings()),
        checker=rules_checker(CheckerSettings(default_rules(task, settings))),
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
    task: type[_K], settings: SupervisedSettings, data: DataConnector, trainer: ModelTrainer[_K]
) -> SupervisedComponents[_K]:
    """`data` and `trainer` (of the task `task`), and the default component in every other
    required slot."""
    shared = _shared(task.name, settings, Path.cwd())
    return SupervisedComponents(
        data=data,
        trainer=trainer,
        metrics=task_metrics(task),
        splitter=shared.splitter,
        encoder=shared.encoder,
        profiler=shared.profiler,
        checker=shared.checker,
        drift=shared.drift,
        store=shared.store,
        tracker=shared.tracker,
        repository=shared.repository,
        notifier=shared.notifier,
        prediction_checker=shared.prediction_checker,
    )
