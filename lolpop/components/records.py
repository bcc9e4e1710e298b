"""The values components pass to each other, and the component types (records of steps).

A component *type* is a frozen record of typed steps: its API. An *implementation* is a
function from typed settings to that record (`csv_connector(CsvSettings(...))`), and
is registered under a `type:` tag for configs (see `lolpop.components.catalogue`).
Pipelines see only these records, never an implementation's internals, so any two
implementations of one type are interchangeable.

The values here are frozen records too. Frames and series inside them are not copied
on the way in: the law every component keeps is that it never mutates its inputs.
Fitted scikit-learn objects are held as `object` (through small protocols) so that this
module needs neither scikit-learn nor MLflow to import.
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar, Generic, Literal, Protocol, TypeAlias, TypeVar, final

from attrs import Factory, field, frozen

from lolpop._lazy import pd
from lolpop.core.decorator import make_step
from lolpop.core.step import Step
from lolpop.errors import LolpopError

#: What a model does, as text (in configs, metadata and tags); `TaskKind` is the same as
#: a type.
Task: TypeAlias = Literal["classification", "regression", "forecasting"]

#: The metrics of each task, as a config or a Python workflow names them.
ClassificationMetric: TypeAlias = Literal[
    "accuracy", "f1", "precision", "recall", "roc_auc", "pr_auc", "log_loss"
]
RegressionMetric: TypeAlias = Literal["mse", "rmse", "mae", "mape", "r2", "msle"]
#: A forecast's metrics: over a backtest's folds (`mase` against the seasonal-naive
#: forecast), or of live forecasts against actuals.
ForecastingMetric: TypeAlias = Literal["mase", "mae", "rmse", "mape", "smape"]


class TaskKind:
    """A supervised task as a type: the parameter that keeps a workflow on one task.

    Component types whose meaning depends on the task take it as a type parameter
    (`ModelTrainer[Classification]`, `MetricsEvaluator[Regression]`,
    `FittedModel[Classification]`), and hold it as a value too (`task`), so that mypy
    refuses a regressor in a classification workflow in Python, and the build refuses it
    in a config. Never instantiated.
    """

    #: The task's name in configs, metadata and tags.
    name: ClassVar[Task]
    #: The metrics that score it, in the order they are reported.
    metrics: ClassVar[tuple[str, ...]]
    #: What a workflow compares models by when it is not told.
    default_metric: ClassVar[str]


@final
class Classification(TaskKind):
    """Predicting a class (binary or multiclass), with probabilities where the model has
    them."""

    name = "classification"
    metrics = typing.get_args(ClassificationMetric)
    default_metric = "f1"


@final
class Regression(TaskKind):
    """Predicting a number."""

    name = "regression"
    metrics = typing.get_args(RegressionMetric)
    default_metric = "rmse"


@final
class Forecasting(TaskKind):
    """Predicting the next values of a series from its past (and from columns known in
    advance); scored over a backtest's folds, by `mase` unless told."""

    name = "forecasting"
    metrics = typing.get_args(ForecastingMetric)
    default_metric = "mase"


#: Each task's type by its name.
TASKS: Mapping[Task, type[Classification] | type[Regression] | type[Forecasting]] = (
    MappingProxyType(
        {"classification": Classification, "regression": Regression, "forecasting": Forecasting}
    )
)

_K = TypeVar("_K", bound=TaskKind)
_K_co = TypeVar("_K_co", bound=TaskKind, covariant=True)

#: How a tracked run ends.
RunStatus: TypeAlias = Literal["FINISHED", "FAILED", "KILLED"]
#: The tag of a run that a failed step ended FAILED ("true"; "reopened" once a resumed
#: run took it over): a resume, once the cause is fixed, logs on into it.
FAILED_STEP_TAG = "lolpop.failed_step"

#: Named metric values, e.g. `{"accuracy": 0.93, "f1": 0.91}`.
Metrics: TypeAlias = Mapping[str, float]

#: Parameters as trackers record them.
Params: TypeAlias = Mapping[str, str | int | float | bool | None]


# --- data --------------------------------------------------------------------------


@frozen
class Labelled:
    """Features and their target, row for row (same index)."""

    features: pd.DataFrame
    target: pd.Series

    def __len__(self) -> int:
        return len(self.features)


@frozen
class Splits:
    """The three parts a splitter makes: fit on train, choose on valid, report on test."""

    train: Labelled
    valid: Labelled
    test: Labelled


@frozen
class Written:
    """Where a frame was written, and how many rows."""

    location: str
    rows: int


# --- models ------------------------------------------------------------------------


class Estimator(Protocol):
    """What lolpop needs of a scikit-learn-compatible estimator."""

    def fit(self, X: pd.DataFrame, y: pd.Series, /) -> object: ...

    def predict(self, X: pd.DataFrame, /) -> object: ...


#: The name of an encoder's output frame's column axis (`frame.columns.name`): a frame an
#: encoder made says so, through selections, copies and the step cache.
ENCODED_COLUMNS = "lolpop.encoded"

#: What frames a model predicts on: "raw" features; "encoded" ones (it was fitted on an
#: encoder's output, so a raw frame, with the same names when every feature is a number,
#: would be read as scaled); or "bundled": raw ones it encodes itself (a bundle of
#: encoder and model, so an encoded frame would be encoded twice).
Takes: TypeAlias = Literal["raw", "encoded", "bundled"]


def is_encoded(frame: pd.DataFrame) -> bool:
    """Whether `frame` is an encoder's output (its column axis says so)."""
    return frame.columns.name == ENCODED_COLUMNS


@frozen
class FittedModel(Generic[_K_co]):
    """A fitted estimator with what is needed to use it again on new frames; its task is
    its type parameter and its `task` (`FittedModel[Classification]`)."""

    estimator: Estimator
    task: type[_K_co]
    #: The feature columns it was fitted on, in order.
    features: tuple[str, ...]
    #: The target column's name (`None` when the target series had none).
    target: str | None
    #: The class labels, in the order of probability columns (classifiers only).
    classes: tuple[object, ...] = ()
    params: Params = Factory(dict)
    #: The frames it predicts on (raw, encoded, or raw that it encodes itself).
    takes: Takes = "raw"


@frozen
class Predictions(Generic[_K_co]):
    """Predicted values of a model of the task `task`, and for a classifier one
    probability column per class.

    The task is in the type (`Predictions[Classification]`), so that mypy refuses a
    regressor's predictions to classification metrics, and in the value, so that the
    metrics refuse them too where mypy did not look (steps wired from a dict or a config).
    """

    values: pd.Series
    probabilities: pd.DataFrame | None = None
    task: type[_K_co] = field(kw_only=True)


@frozen
class FittedEncoder:
    """A fitted feature encoder: the columns it takes and the columns it makes."""

    transformer: object
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]


@frozen
class Trial(Generic[_K_co]):
    """One point of a hyperparameter search and its validation score."""

    number: int
    params: Params
    score: float
    model: FittedModel[_K_co]
    metrics: Metrics = Factory(dict)


@frozen
class TuningResult(Generic[_K_co]):
    """Every trial of a search, and the winner by the chosen metric."""

    metric: str
    trials: tuple[Trial[_K_co], ...]
    best: Trial[_K_co]


# --- reports -----------------------------------------------------------------------


class Status(enum.IntEnum):
    """A check's outcome; the worse one is the larger."""

    OK = 0
    WARN = 1
    ERROR = 2


@frozen
class CheckResult:
    """One rule's outcome."""

    rule: str
    status: Status
    message: str
    column: str | None = None


@frozen
class CheckReport:
    """Every rule's outcome; `status` is the worst of them."""

    results: tuple[CheckResult, ...]

    @property
    def status(self) -> Status:
        return max((r.status for r in self.results), default=Status.OK)

    def problems(self) -> tuple[CheckResult, ...]:
        """The results that are not OK."""
        return tuple(r for r in self.results if r.status is not Status.OK)


@frozen
class ColumnProfile:
    """One column's summary."""

    name: str
    dtype: str
    count: int
    missing: int
    distinct: int
    #: Numeric columns: min, max, mean, std and quartiles; others: the top values.
    statistics: Mapping[str, float] = Factory(dict)
    top_values: Mapping[str, int] = Factory(dict)
    #: Histogram (numeric columns): bin edges and counts.
    bin_edges: tuple[float, ...] = ()
    bin_counts: tuple[int, ...] = ()


@frozen
class Profile:
    """A frame's summary, column by column."""

    rows: int
    columns: tuple[ColumnProfile, ...]

    def column(self, name: str) -> ColumnProfile:
        """The profile of column `name` (KeyError if there is none)."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


@frozen
class ColumnDrift:
    """One column's drift between a reference frame and a current one."""

    column: str
    test: str
    statistic: float
    p_value: float | None
    drifted: bool


@frozen
class DriftReport:
    """Per-column drift; `drifted` lists the columns flagged."""

    columns: tuple[ColumnDrift, ...]

    @property
    def drifted(self) -> tuple[str, ...]:
        return tuple(c.column for c in self.columns if c.drifted)


@frozen
class Importance:
    """Global feature importance, most important first."""

    method: str
    values: Mapping[str, float]


@frozen
class BaselineComparison:
    """A model's score against a baseline's on the same split and metric."""

    metric: str
    model_score: float
    baseline_score: float
    baseline: str
    #: Whether the model beats the baseline (by the metric's direction).
    better: bool


@frozen
class Figures:
    """Saved figures by name (PNG paths)."""

    paths: Mapping[str, str]


@frozen
class GroupMetrics:
    """Fairness metrics of one group of a sensitive column."""

    group: str
    size: int
    selection_rate: float
    true_positive_rate: float | None


@frozen
class BiasReport:
    """Per-group metrics and the gaps between groups."""

    column: str
    groups: tuple[GroupMetrics, ...]
    demographic_parity_difference: float
    equal_opportunity_difference: float | None


# --- effects -----------------------------------------------------------------------


@frozen
class RunRef:
    """A tracked run (an MLflow run, or an in-memory one)."""

    run_id: str
    experiment: str
    name: str = ""


@frozen
class RunSpec:
    """A run to start: its name, tags, and the run it is nested in."""

    name: str
    tags: Mapping[str, str] = Factory(dict)
    parent: RunRef | None = None


@frozen
class Artifact:
    """A file to record with a run, under a folder of the run's artifacts."""

    path: str
    folder: str = ""


@frozen
class ModelArtifact:
    """A model recorded by a tracker, addressable by `uri`."""

    uri: str
    run: RunRef
    model: FittedModel[TaskKind]
    #: The SHA-256 of the files the tracker wrote (None: it wrote none, e.g. in memory).
    digest: str | None = None
    #: How the tracker serialized the model (`skops`, `cloudpickle`; None: not at all).
    serialization: str | None = None
    #: The dataset versions the model was trained on (the train pipeline sets them; a
    #: repository records them on the registered version, for drift and lineage).
    datasets: tuple[Version, ...] = ()


@frozen
class Version:
    """A stored version of a named resource (data, a model, an encoder)."""

    name: str
    number: int
    digest: str
    kind: str
    size: int
    created: float
    metadata: Mapping[str, str] = Factory(dict)


@frozen
class ModelVersion:
    """A registered model version."""

    name: str
    version: int
    source: str
    run_id: str | None = None
    aliases: tuple[str, ...] = ()
    tags: Mapping[str, str] = Factory(dict)


@frozen
class Promotion:
    """A request to move the champion alias to `version`, granted only if the alias still
    points at `expected`: the champion `version` was compared with (None: there was none,
    and the alias must still not exist). A compare-and-set, so that two runs that compared
    with the same champion cannot both replace it."""

    version: ModelVersion
    expected: ModelVersion | None


class StaleComparisonError(LolpopError):
    """`promote` refused: the champion alias no longer points at the champion the
    candidate was compared with (another run or a person moved it meanwhile).

    Each repository raises it as its own error type too (`TrackingError`,
    `RegistryError`), so it is caught either way; `expected` and `found` are version
    numbers (None: no champion).
    """

    def __init__(  # noqa: PLR0917 (the refusal's facts, in the message's order)
        self,
        model: str,
        alias: str,
        candidate: int,
        expected: int | None,
        found: int | None,
        where: str,
    ) -> None:
        compared = "no champion" if expected is None else f"v{expected}"
        if expected is None:
            moved = f"the champion moved: v{found} became champion"
        elif found is None:
            moved = f"the champion moved: the alias was removed from v{expected}"
        else:
            moved = f"the champion moved from v{expected} to v{found}"
        now = "no champion" if found is None else f"v{found}"
        super().__init__(
            f"{moved} while this run compared v{candidate} with {compared} (the {alias!r} "
            f"alias of {model!r} in {where}). v{candidate} was not promoted, so that no "
            f"model replaces a champion it was not compared with: re-run to compare with "
            f"{now}."
        )
        self.model = model
        self.alias = alias
        self.candidate = candidate
        self.expected = expected
        self.found = found
        self.where = where

    def __reduce__(self) -> tuple[type[StaleComparisonError], tuple[object, ...]]:
        # Exceptions pickle their `args` only: keep every field (Dask sends failures back).
        facts = (self.model, self.alias, self.candidate, self.expected, self.found, self.where)
        return (type(self), facts)


@frozen
class Approval:
    """A decision on a model version, and why."""

    approved: bool
    reason: str
    by: str = "lolpop"


class Level(enum.IntEnum):
    """A message's severity."""

    INFO = 20
    WARNING = 30
    ERROR = 40


@frozen
class Message:
    """A notification."""

    level: Level
    text: str
    subject: str = "lolpop"


# --- component types ---------------------------------------------------------------


@frozen
class DataConnector:
    """Reads a frame from its source, and writes a frame to it."""

    read: Step[None, pd.DataFrame]
    write: Step[pd.DataFrame, Written]
    #: Where it reads and writes, for messages (a path, a masked URL and table).
    location: str = ""


@frozen
class DataTransformer:
    """A frame in, a frame out."""

    transform: Step[pd.DataFrame, pd.DataFrame]


@frozen
class DataSplitter:
    """A frame into train, valid and test parts (features and target)."""

    split: Step[pd.DataFrame, Splits]
    #: The target column it splits on, when it says (lolpop's splitter does): a runner of
    #: another `settings.target` refuses it when its program is built.
    target: str | None = field(default=None, kw_only=True)


def _features_of(data: Labelled) -> pd.DataFrame:
    return data.features


def _fitted_of(pair: tuple[FittedEncoder, pd.DataFrame]) -> FittedEncoder:
    return pair[0]


@frozen
class FeatureEncoder:
    """Fitted on train only; then transforms any part.

    `fit_transform` fits on a training split and encodes its features in one pass (a
    scikit-learn encoder computes the training output while fitting anyway): the same
    result as `fit`, then `transform` of the split's features, for the `fit` and
    `transform` named in `fused_from` (`FeatureEncoder.fused` sets both). The pipelines
    use it only while the record's `fit` and `transform` are still those: an encoder
    made from this one with `attrs.evolve` and another `fit` or `transform` runs `fit`
    then `transform` (`fit_then_transform`), never a `fit_transform` of other steps.
    """

    fit: Step[Labelled, FittedEncoder]
    transform: Step[tuple[FittedEncoder, pd.DataFrame], pd.DataFrame]
    fit_transform: Step[Labelled, tuple[FittedEncoder, pd.DataFrame]] | None = None
    #: The `fit` and `transform` whose work `fit_transform` does.
    fused_from: tuple[object, object] | None = None

    @classmethod
    def fused(
        cls,
        fit: Step[Labelled, FittedEncoder],
        transform: Step[tuple[FittedEncoder, pd.DataFrame], pd.DataFrame],
        fit_transform: Step[Labelled, tuple[FittedEncoder, pd.DataFrame]],
    ) -> FeatureEncoder:
        """An encoder whose `fit_transform` does the work of `fit`, then `transform`."""
        return cls(fit, transform, fit_transform, (fit, transform))

    def fit_then_transform(self) -> Step[Labelled, tuple[FittedEncoder, pd.DataFrame]]:
        """The fitted encoder and the encoded training features: `fit_transform` while
        `fit` and `transform` are the ones it fuses, else `fit`, then `transform` of
        the features (a composition named `fit_transform`, whose steps keep their
        names)."""
        made = self.fused_from
        if (
            self.fit_transform is not None
            and made is not None
            and made[0] is self.fit
            and made[1] is self.transform
        ):
            return self.fit_transform
        features = make_step(_features_of, name="features", check=False)
        fitted = make_step(_fitted_of, name="fitted", check=False)
        return ((self.fit & features) >> (fitted & self.transform)).named("fit_transform")


@frozen
class Fits:
    """What a trainer fits: its estimator's name and the parameters it gives it (so that
    a runner can hold a tuner's candidates to its trainer)."""

    estimator: str
    params: Params
    #: Whether its models give class probabilities (`predict_proba`), which roc_auc,
    #: pr_auc and log_loss need; None when it cannot tell.
    probabilities: bool | None = field(default=None, kw_only=True)


@frozen
class ModelTrainer(Generic[_K]):
    """Fits a model of its task, and predicts with one."""

    fit: Step[Labelled, FittedModel[_K]]
    predict: Step[tuple[FittedModel[_K], pd.DataFrame], Predictions[_K]]
    #: One column per class, rows summing to 1 (classifiers; regressors refuse).
    predict_proba: Step[tuple[FittedModel[_K], pd.DataFrame], pd.DataFrame]
    task: type[_K]
    #: What it fits, when it says (lolpop's scikit-learn trainer does).
    fits: Fits | None = field(default=None, kw_only=True)


@frozen
class HyperparameterTuner(Generic[_K]):
    """Searches a space, each trial fitted on train and scored on valid."""

    tune: Step[Splits, TuningResult[_K]]
    task: type[_K]


@frozen
class MetricsEvaluator(Generic[_K]):
    """The named metrics of a task's predictions against the truth."""

    evaluate: Step[tuple[pd.Series, Predictions[_K]], Metrics]
    task: type[_K]


@frozen
class DataProfiler:
    """A frame's profile."""

    profile: Step[pd.DataFrame, Profile]


@frozen
class DataChecker:
    """A frame checked against configured rules."""

    check: Step[pd.DataFrame, CheckReport]


@frozen
class DataComparer:
    """Per-column drift between a reference frame and a current one."""

    compare: Step[tuple[pd.DataFrame, pd.DataFrame], DriftReport]


@frozen
class ModelExplainer:
    """Global importance on labelled data; per-row contributions on any frame."""

    importance: Step[tuple[FittedModel[TaskKind], Labelled], Importance]
    explain: Step[tuple[FittedModel[TaskKind], pd.DataFrame], pd.DataFrame]
    #: The scorer importance is measured by, and the task it scores (`classification`,
    #: `regression`), when it says one (None: the model's own score, fit for any task).
    scoring: tuple[str, str] | None = field(default=None, kw_only=True)


@frozen
class ModelChecker(Generic[_K]):
    """A model against a baseline fitted on the same train split, scored on test."""

    check: Step[tuple[FittedModel[_K], Splits], BaselineComparison]
    task: type[_K]


@frozen
class ModelVisualizer:
    """Figures of a model on labelled data, saved as PNG."""

    plot: Step[tuple[FittedModel[TaskKind], Labelled], Figures]


@frozen
class BiasChecker(Generic[_K]):
    """Metrics per group of a sensitive column: (frame with that column, truth, predictions),
    of a task's predictions (lolpop's counts a positive label: classification only)."""

    check: Step[tuple[pd.DataFrame, pd.Series, Predictions[_K]], BiasReport]
    task: type[_K]


@frozen
class MetadataTracker:
    """Records runs, params, metrics, tags, artifacts, dataset versions and models."""

    start_run: Step[RunSpec, RunRef]
    log_params: Step[tuple[RunRef, Params], RunRef]
    log_metrics: Step[tuple[RunRef, Metrics], RunRef]
    set_tags: Step[tuple[RunRef, Mapping[str, str]], RunRef]
    log_artifact: Step[tuple[RunRef, Artifact], RunRef]
    log_dataset: Step[tuple[RunRef, Version], RunRef]
    log_model: Step[tuple[RunRef, FittedModel[TaskKind]], ModelArtifact]
    end_run: Step[tuple[RunRef, RunStatus], RunRef]


@frozen
class ResourceVersionControl:
    """Versions frames and objects by content; fetches a version back."""

    save_frame: Step[tuple[str, pd.DataFrame], Version]
    load_frame: Step[Version, pd.DataFrame]
    save_object: Step[tuple[str, object], Version]
    load_object: Step[Version, object]
    versions: Step[str, tuple[Version, ...]]


@frozen
class ModelRepository:
    """Registers model versions; sets and reads aliases; approves; promotes."""

    register: Step[ModelArtifact, ModelVersion]
    set_alias: Step[tuple[ModelVersion, str], ModelVersion]
    get_alias: Step[str, ModelVersion | None]
    approve: Step[tuple[ModelVersion, Approval], ModelVersion]
    #: Moves the champion alias to the version if it still points at the expected one
    #: (checked and set under one lock); refuses with a `StaleComparisonError` otherwise.
    promote: Step[Promotion, ModelVersion]
    #: The model of a version, of whichever task it was registered with.
    load: Step[ModelVersion, FittedModel[TaskKind]]


@frozen
class Notifier:
    """Sends a message; returns it."""

    notify: Step[Message, Message]
