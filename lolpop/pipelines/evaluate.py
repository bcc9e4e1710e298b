"""The evaluate pipeline: join predictions with labels that arrived later, and record the
live metrics against the model version that made the predictions.

    spec --> read predictions --> read labels --> join on the id column --> start the run
        --> metrics per model version --> log `live_<metric>` --> tag the run

The prediction file names the model version of each row (`model_version`), so labels
that arrive weeks later are scored against the version that actually predicted them.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from attrs import frozen

from lolpop._lazy import pd
from lolpop.components._errors import DataError, show_values
from lolpop.components.records import (
    Classification,
    DataConnector,
    MetadataTracker,
    Metrics,
    MetricsEvaluator,
    Predictions,
    RunRef,
    RunSpec,
    TaskKind,
)
from lolpop.core.flow import Flow
from lolpop.core.step import Step
from lolpop.pipelines._runs import failed_run
from lolpop.pipelines.predict import (
    MODEL_VERSION_COLUMN,
    MODEL_VERSION_TAG,
    PROBABILITY_PREFIX,
    once_each,
)

_K = TypeVar("_K", bound=TaskKind)


@frozen
class EvaluateComponents(Generic[_K]):
    """What the evaluate pipeline works with."""

    predictions: DataConnector
    labels: DataConnector
    evaluator: MetricsEvaluator[_K]
    tracker: MetadataTracker


@frozen
class EvaluateSettings:
    """How predictions and labels are matched."""

    #: The id column both files have (or the columns that together are the id, such as
    #: a forecast's series and time).
    index: str | tuple[str, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """The id column(s), as a tuple."""
        return (self.index,) if isinstance(self.index, str) else self.index

    #: The label column of the labels file.
    target: str
    #: The prediction column of the predictions file.
    column: str = "prediction"


@frozen
class LiveMetrics:
    """Metrics of predictions against labels, for the model version that made them."""

    run: RunRef
    model_version: str
    rows: int
    metrics: Metrics


def join_labels(
    predictions: pd.DataFrame,
    labels: pd.DataFrame,
    settings: EvaluateSettings,
    locations: tuple[str, str] = ("", ""),
    *,
    classes: bool = False,
) -> pd.DataFrame:
    """Predictions with their labels, matched on the id column (rows without a label, in
    the labels file or not, are left out); refuses files that lack a needed column or
    share no id (`classes`: the predictions are a classifier's, whose labels the truth's
    must be)."""
    keys = list(settings.keys)
    for frame, columns, what, location in (
        (
            predictions,
            (*keys, settings.column, MODEL_VERSION_COLUMN),
            "predictions",
            locations[0],
        ),
        (labels, (*keys, settings.target), "labels", locations[1]),
    ):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            where = f" {location!r}" if location else ""
            raise DataError(
                f"the {what} file{where} lacks the column(s) {', '.join(map(repr, missing))}."
            )
    for frame, what, location in (
        (predictions, "predictions", locations[0]),
        (labels, "labels", locations[1]),
    ):
        where = f" {location!r}" if location else ""
        once_each(
            frame,
            keys,
            f"the {what} file{where}",
            "each must be there once to be scored (joined, every copy would count, a "
            "prediction scored against each copy of its label). Drop the repeated rows (or "
            "keep the latest of each).",
        )
    predictions, labels = _same_times(predictions, labels, keys)
    labels = _arrived(labels, settings.target)
    label_column = settings.column if classes else None
    _same_coding(predictions, labels[settings.target], locations[1], label_column)
    joined = predictions.merge(labels[[*keys, settings.target]], on=keys, how="inner")
    if joined.empty:
        shown = " and ".join(map(repr, keys))
        raise DataError(
            f"no prediction has a label yet: no {shown} of the predictions file is "
            "in the labels file."
        )
    if joined[MODEL_VERSION_COLUMN].nunique() != 1:
        raise DataError(
            "the predictions come from several model versions "
            f"({', '.join(sorted(map(str, joined[MODEL_VERSION_COLUMN].unique())))}); "
            "evaluate one prediction file per model version."
        )
    return joined


def _arrived(labels: pd.DataFrame, target: str) -> pd.DataFrame:
    """The labels file's rows whose label has arrived (an empty cell waits, as a row not
    in the file does); whole numbers read as floats because of such a cell, as integers."""
    arrived = labels[labels[target].notna()]
    column = arrived[target]
    if pd.api.types.is_float_dtype(column) and bool((column == column.round()).all()):
        arrived = arrived.assign(**{target: column.astype("int64")})
    return arrived


def _as_label(value: object) -> str:
    """A label as text, a whole float as the integer it is (`1.0` is the class `1`)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _same_coding(
    predictions: pd.DataFrame, truth: pd.Series, location: str, column: str | None = None
) -> None:
    """Refuse labels none of which is a class of the model that made the predictions
    (its probability columns name them; without them, for a classifier's predictions,
    its predicted labels in `column` do): labels coded another way (`no`/`yes` for 0/1), or a
    regressor's numbers scored as classes, would score zeros, not an error."""
    known = [
        str(c)[len(PROBABILITY_PREFIX) :]
        for c in predictions.columns
        if str(c).startswith(PROBABILITY_PREFIX)
    ]
    if not known and column is not None and column in predictions.columns:
        known = list(dict.fromkeys(map(_as_label, predictions[column].dropna().tolist())))
    labels = list(dict.fromkeys(_as_label(v) for v in truth.dropna().tolist()))
    if known and labels and not set(labels) & set(known):
        where = f" {location!r}" if location else ""
        raise DataError(
            f"none of the labels of the labels file{where} ({show_values(sorted(labels))}) is "
            f"a class of the model that made the predictions ({show_values(known)}; "
            "compared as text): are they coded another way? Write them as the training "
            "labels were.",
            column=str(truth.name),
        )


def _same_times(
    predictions: pd.DataFrame, labels: pd.DataFrame, keys: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both files with datetimes in a key column that one of them holds as datetimes (a
    file written as text and read back unparsed): matched as times, not as text."""
    for key in keys:
        sides = [predictions[key], labels[key]]
        if not any(pd.api.types.is_datetime64_any_dtype(side) for side in sides):
            continue
        try:
            times = [pd.to_datetime(side) for side in sides]
        except (ValueError, TypeError) as error:
            raise DataError(
                f"the key column {key!r} holds dates in one file and values that are not "
                f"dates in the other ({error}).",
                column=key,
            ) from error
        zones = [getattr(time.dt, "tz", None) for time in times]
        if (zones[0] is None) != (zones[1] is None):
            zoned, plain = (
                ("predictions", "labels") if zones[1] is None else ("labels", "predictions")
            )
            raise DataError(
                f"the key column {key!r} holds times with a zone ({zones[0] or zones[1]}) in "
                f"the {zoned} file and times without one in the {plain} file, so no time "
                "of one is a time of the other. Write both with a zone or both without "
                "(the connector's `dtypes` can read a column as `datetime64[ns, UTC]`).",
                column=key,
            )
        predictions = predictions.assign(**{key: times[0]})
        labels = labels.assign(**{key: times[1]})
    return predictions, labels


def predictions_of(joined: pd.DataFrame, column: str, task: type[_K]) -> Predictions[_K]:
    """The predictions (and probabilities, when the file has them) of a joined frame, made
    by a model of the task `task`."""
    probability = [c for c in joined.columns if str(c).startswith(PROBABILITY_PREFIX)]
    probabilities = None
    if probability:
        probabilities = joined[probability].rename(
            columns=lambda c: str(c)[len(PROBABILITY_PREFIX) :]
        )
    return Predictions(joined[column], probabilities, task=task)


def evaluate_pipeline(
    components: EvaluateComponents[_K], settings: EvaluateSettings
) -> Step[RunSpec, LiveMetrics]:
    """read predictions -> read labels -> join -> metrics -> log against the model version."""
    c = components

    def join(predictions: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
        """Match predictions with their labels on the id column."""
        locations = (c.predictions.location, c.labels.location)
        classes = c.evaluator.task is Classification
        return join_labels(predictions, labels, settings, locations, classes=classes)

    def version(joined: pd.DataFrame) -> str:
        return str(joined[MODEL_VERSION_COLUMN].iloc[0])

    def live(metrics: Metrics) -> Metrics:
        return {f"live_{k}": v for k, v in metrics.items()}

    def tags(joined: pd.DataFrame) -> dict[str, str]:
        return {MODEL_VERSION_TAG: version(joined), "lolpop.live_rows": str(len(joined))}

    def finished(run: RunRef, joined: pd.DataFrame, metrics: Metrics) -> LiveMetrics:
        return LiveMetrics(run, version(joined), len(joined), metrics)

    f = Flow(RunSpec, "evaluate")
    predictions = f.call(c.predictions.read, f.const(None))
    labels = f.call(c.labels.read, f.const(None))
    joined = f.decide("join", join, predictions, labels)
    # The run starts once both files are read and match: bad input leaves no run.
    run = f.call(c.tracker.start_run, f.input)
    with f.guard(failed_run(c.tracker), run):
        truth = f.apply(lambda frame: frame[settings.target], joined)
        predicted = f.apply(
            lambda frame: predictions_of(frame, settings.column, c.evaluator.task), joined
        )
        metrics = f.call(c.evaluator.evaluate, truth, predicted)
        f.call(c.tracker.log_metrics, run, f.apply(live, metrics))
        f.call(c.tracker.set_tags, run, f.apply(tags, joined))
    return f.build(f.apply(finished, run, joined, metrics))
