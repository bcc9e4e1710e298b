"""The evaluate pipeline: join predictions with labels that arrived later, and record the
live metrics against the model version that made the predictions.

    spec --> read predictions --> read labels --> join on the id column --> start the run
        --> metrics per model version --> log `live_<metric>` --> tag the run

The prediction file names the model version of each row (`model_version`), so labels
that arrive weeks later are scored against the version that actually predicted them.
"""

from __future__ import annotations

import pandas as pd
from attrs import evolve, frozen

from lolpop.components._errors import DataError
from lolpop.components.records import (
    DataConnector,
    MetadataTracker,
    Metrics,
    MetricsEvaluator,
    Predictions,
    RunRef,
    RunSpec,
)
from lolpop.core.decorator import make_step
from lolpop.core.step import Step
from lolpop.pipelines._runs import ending_failed
from lolpop.pipelines.predict import MODEL_VERSION_COLUMN, MODEL_VERSION_TAG, PROBABILITY_PREFIX
from lolpop.pipelines.wiring import Carrier, need


@frozen
class EvaluateComponents:
    """What the evaluate pipeline works with."""

    predictions: DataConnector
    labels: DataConnector
    evaluator: MetricsEvaluator
    tracker: MetadataTracker


@frozen
class EvaluateSettings:
    """How predictions and labels are matched."""

    #: The id column both files have.
    index: str
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


@frozen
class _State:
    spec: RunSpec
    ref: RunRef | None = None
    predictions: pd.DataFrame | None = None
    labels: pd.DataFrame | None = None
    joined: pd.DataFrame | None = None
    metrics: Metrics | None = None

    @property
    def run(self) -> RunRef:
        return need(self.ref, "starting its run")


def join_labels(
    predictions: pd.DataFrame,
    labels: pd.DataFrame,
    settings: EvaluateSettings,
    locations: tuple[str, str] = ("", ""),
) -> pd.DataFrame:
    """Predictions with their labels, matched on the id column (rows without a label are left
    out); refuses files that lack a needed column or share no id."""
    for frame, columns, what, location in (
        (
            predictions,
            (settings.index, settings.column, MODEL_VERSION_COLUMN),
            "predictions",
            locations[0],
        ),
        (labels, (settings.index, settings.target), "labels", locations[1]),
    ):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            where = f" {location!r}" if location else ""
            raise DataError(
                f"the {what} file{where} lacks the column(s) {', '.join(map(repr, missing))}."
            )
    joined = predictions.merge(
        labels[[settings.index, settings.target]], on=settings.index, how="inner"
    )
    if joined.empty:
        raise DataError(
            f"no prediction has a label yet: no {settings.index!r} of the predictions file is "
            "in the labels file."
        )
    if joined[MODEL_VERSION_COLUMN].nunique() != 1:
        raise DataError(
            "the predictions come from several model versions "
            f"({', '.join(sorted(map(str, joined[MODEL_VERSION_COLUMN].unique())))}); "
            "evaluate one prediction file per model version."
        )
    return joined


def predictions_of(joined: pd.DataFrame, column: str) -> Predictions:
    """The predictions (and probabilities, when the file has them) of a joined frame."""
    probability = [c for c in joined.columns if str(c).startswith(PROBABILITY_PREFIX)]
    probabilities = None
    if probability:
        probabilities = joined[probability].rename(
            columns=lambda c: str(c)[len(PROBABILITY_PREFIX) :]
        )
    return Predictions(joined[column], probabilities)


def evaluate_pipeline(
    components: EvaluateComponents, settings: EvaluateSettings
) -> Step[RunSpec, LiveMetrics]:
    """read predictions -> read labels -> join -> metrics -> log against the model version."""
    c = components
    on = Carrier(_State)

    def join(state: _State) -> _State:
        joined = join_labels(
            need(state.predictions, "reading the predictions"),
            need(state.labels, "reading the labels"),
            settings,
            (c.predictions.location, c.labels.location),
        )
        return evolve(state, joined=joined)

    def joined(state: _State) -> pd.DataFrame:
        return need(state.joined, "joining the labels")

    def version(state: _State) -> str:
        return str(joined(state)[MODEL_VERSION_COLUMN].iloc[0])

    def live(state: _State) -> tuple[RunRef, Metrics]:
        return state.run, {f"live_{k}": v for k, v in (state.metrics or {}).items()}

    def finish(state: _State) -> LiveMetrics:
        return LiveMetrics(state.run, version(state), len(joined(state)), state.metrics or {})

    def start(spec: RunSpec) -> _State:
        return _State(spec)

    steps = (
        make_step(start, name="start")
        >> on.through(c.predictions.read, lambda s: None, lambda s, f: evolve(s, predictions=f))
        >> on.through(c.labels.read, lambda s: None, lambda s, f: evolve(s, labels=f))
        >> make_step(join, name="join")
        # The run starts once both files are read and match: bad input leaves no run.
        >> on.through(c.tracker.start_run, lambda s: s.spec, lambda s, r: evolve(s, ref=r))
    )
    recorded = (
        on.through(
            c.evaluator.evaluate,
            lambda s: (joined(s)[settings.target], predictions_of(joined(s), settings.column)),
            lambda s, m: evolve(s, metrics=m),
        )
        >> on.effect(c.tracker.log_metrics, live)
        >> on.effect(
            c.tracker.set_tags,
            lambda s: (
                s.run,
                {MODEL_VERSION_TAG: version(s), "lolpop.live_rows": str(len(joined(s)))},
            ),
        )
    )
    body = steps >> ending_failed(recorded, c.tracker, lambda s: s.run)
    return (body >> make_step(finish, name="live")).named("evaluate")
