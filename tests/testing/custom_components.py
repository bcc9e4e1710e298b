"""A user's own components and hook checks, for `lolpop test` and the hooks' tests.

A config names them by reference (`type: tests.testing.custom_components:ROW_SPLITTER`,
`function: tests.testing.custom_components:count_missing`) and allow-lists the module
(`allow_imports: [tests.testing]`). Some are correct; the broken ones each break one law:

- `OVERLAPPING_SPLITTER`: its valid part repeats train rows ("parts are disjoint and
  cover every row");
- `jitter`, a transformer function: adds unseeded noise ("deterministic");
- `MARKING_TRANSFORMER`: marks the rows it sees in the caller's own frame ("never
  mutates its input");
- `BATCH_SCALING_ENCODER`: lolpop's column encoder, but numbers are scaled by the rows
  it transforms ("fit sees the training split only");
- `SHRUNK_TRAINER`: lolpop's scikit-learn trainer, its probabilities times 0.9
  ("probabilities are distributions");
- `GUARDED_METRICS`: lolpop's classification metrics, with f1 zeroed when there are no
  errors, so perfect predictions score worst ("direction as declared");
- `ALARMED_DRIFT`: lolpop's drift tests, then every column flagged ("identical data
  never drifts").
"""

from __future__ import annotations

from typing import TypeVar

import attrs
import numpy as np
import pandas as pd
from attrs import frozen

from lolpop import make_step
from lolpop.components._kinds import make_kind
from lolpop.components.drift import DriftSettings, drift_comparer
from lolpop.components.encoder import EncoderSettings, column_encoder
from lolpop.components.metrics import ClassificationMetricsSettings, classification_metrics
from lolpop.components.records import (
    Classification,
    DataComparer,
    DataSplitter,
    DataTransformer,
    DriftReport,
    FeatureEncoder,
    FittedEncoder,
    FittedModel,
    Labelled,
    Metrics,
    MetricsEvaluator,
    ModelTrainer,
    Predictions,
    Splits,
    TaskKind,
)
from lolpop.components.sklearn_trainer import TrainerSettings, predict_model, sklearn_model

# --- splitters --------------------------------------------------------------------------


@frozen
class RowSplitterSettings:
    """A split by row position: every fifth row to test, the next to valid."""

    target: str
    drop: tuple[str, ...] = ()


def _part(frame: pd.DataFrame, settings: RowSplitterSettings, rows: np.ndarray) -> Labelled:
    features = frame.drop(columns=[settings.target, *settings.drop])
    return Labelled(features.iloc[rows], frame[settings.target].iloc[rows])


def _positions(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    place = np.arange(len(frame)) % 5
    return np.flatnonzero(place >= 2), np.flatnonzero(place == 1), np.flatnonzero(place == 0)


def row_splitter(settings: RowSplitterSettings) -> DataSplitter:
    """Every fifth row to test, the next to valid, the rest to train (a correct splitter)."""

    def split(frame: pd.DataFrame) -> Splits:
        train, valid, test = _positions(frame)
        return Splits(
            _part(frame, settings, train),
            _part(frame, settings, valid),
            _part(frame, settings, test),
        )

    return DataSplitter(split=make_step(split, name="split"))


def overlapping_splitter(settings: RowSplitterSettings) -> DataSplitter:
    """Like `row_splitter`, but its valid part is the train part again (broken)."""

    def split(frame: pd.DataFrame) -> Splits:
        train, _, test = _positions(frame)
        return Splits(
            _part(frame, settings, train),
            _part(frame, settings, train),
            _part(frame, settings, test),
        )

    return DataSplitter(split=make_step(split, name="split"))


ROW_SPLITTER = make_kind("row_splitter", RowSplitterSettings, row_splitter)
OVERLAPPING_SPLITTER = make_kind("overlapping_splitter", RowSplitterSettings, overlapping_splitter)

# --- transformer functions (`type: function`) --------------------------------------------


def count_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds how many values each row misses (a correct transformer)."""
    return frame.assign(missing_values=frame.isna().sum(axis=1))


def jitter(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds a little noise to a new column, unseeded: not deterministic (broken)."""
    noise = np.random.default_rng().normal(0.0, 1.0, len(frame))
    return frame.assign(noise=noise)


# --- a transformer kind ------------------------------------------------------------------


@frozen
class MarkingSettings:
    """The column that marks the rows as seen, and how."""

    column: str = "seen"
    #: Count the times each row was seen (else: set the column to True).
    counting: bool = True


def marking_transformer(settings: MarkingSettings) -> DataTransformer:
    """Marks the rows it transforms as seen, in a column of the caller's own frame
    (broken: it changes its input in place). Counting, every call changes the input;
    set to True, a second call on the same frame does not."""

    def mark(frame: pd.DataFrame) -> pd.DataFrame:
        if settings.counting:
            before = frame[settings.column] if settings.column in frame.columns else 0
            frame[settings.column] = before + 1
        else:
            frame[settings.column] = True
        return frame

    return DataTransformer(transform=make_step(mark, name="mark"))


MARKING_TRANSFORMER = make_kind("marking_transformer", MarkingSettings, marking_transformer)

# --- an encoder kind ---------------------------------------------------------------------


def batch_scaling_encoder(settings: EncoderSettings) -> FeatureEncoder:
    """lolpop's column encoder, but its numeric columns are scaled again, by the mean and
    deviation of the rows being transformed (broken: it learns from the rows it
    transforms)."""
    honest = column_encoder(settings)

    def transform(pair: tuple[FittedEncoder, pd.DataFrame]) -> pd.DataFrame:
        encoded = honest.transform(pair)
        numeric = [c for c in pair[1].select_dtypes("number").columns if c in encoded.columns]
        numbers = encoded[numeric]
        spread = numbers.std(ddof=0).replace(0.0, 1.0)
        scaled = (numbers - numbers.mean()) / spread
        return encoded.assign(**{str(column): scaled[column] for column in numeric})

    return attrs.evolve(honest, transform=make_step(transform, name="encode"))


BATCH_SCALING_ENCODER = make_kind("batch_scaling_encoder", EncoderSettings, batch_scaling_encoder)

# --- a trainer kind ----------------------------------------------------------------------

#: What the shrunk trainer multiplies every probability by.
SHRINK = 0.9

_K = TypeVar("_K", bound=TaskKind)


def shrunk_trainer(settings: TrainerSettings) -> ModelTrainer[TaskKind]:
    """lolpop's scikit-learn trainer, its probabilities multiplied by `SHRINK`, in
    predict and predict_proba alike (broken: they no longer sum to 1)."""
    honest = sklearn_model(settings)

    def predict(pair: tuple[FittedModel[_K], pd.DataFrame]) -> Predictions[_K]:
        # Generic in the task, as the trainer it wraps: a step typed `Predictions[TaskKind]`
        # would promise no task, and a classification slot would refuse it.
        made = predict_model(*pair)
        probabilities = made.probabilities
        return attrs.evolve(
            made, probabilities=None if probabilities is None else probabilities * SHRINK
        )

    def predict_proba(pair: tuple[FittedModel[TaskKind], pd.DataFrame]) -> pd.DataFrame:
        return honest.predict_proba(pair) * SHRINK

    return attrs.evolve(
        honest,
        predict=make_step(predict, name="predict"),
        predict_proba=make_step(predict_proba, name="predict_proba"),
    )


SHRUNK_TRAINER = make_kind("shrunk_trainer", TrainerSettings, shrunk_trainer)

# --- a metrics kind ----------------------------------------------------------------------


def guarded_metrics(settings: ClassificationMetricsSettings) -> MetricsEvaluator[Classification]:
    """lolpop's classification metrics, with a guard against dividing by the error count
    in the wrong place: no errors, f1 of 0 (broken: perfect predictions score worst)."""
    honest = classification_metrics(settings)

    def evaluate(pair: tuple[pd.Series, Predictions[Classification]]) -> Metrics:
        truth, predictions = pair
        metrics = dict(honest.evaluate(pair))
        errors = int((truth.to_numpy() != predictions.values.to_numpy()).sum())
        return {**metrics, "f1": metrics["f1"] if errors else 0.0}

    return attrs.evolve(honest, evaluate=make_step(evaluate, name="evaluate"))


GUARDED_METRICS = make_kind("guarded_metrics", ClassificationMetricsSettings, guarded_metrics)

# --- a drift kind ------------------------------------------------------------------------


def alarmed_drift(settings: DriftSettings) -> DataComparer:
    """lolpop's drift tests, then every column flagged (broken: identical data drifts)."""
    honest = drift_comparer(settings)

    def compare(pair: tuple[pd.DataFrame, pd.DataFrame]) -> DriftReport:
        report = honest.compare(pair)
        return DriftReport(tuple(attrs.evolve(c, drifted=True) for c in report.columns))

    return attrs.evolve(honest, compare=make_step(compare, name="compare"))


ALARMED_DRIFT = make_kind("alarmed_drift", DriftSettings, alarmed_drift)

# --- hook checks ------------------------------------------------------------------------


def has_rows(frame: pd.DataFrame) -> str | None:
    """The frame holds rows."""
    return None if len(frame) > 0 else "the frame has no rows"


def at_most_ten_rows(frame: pd.DataFrame) -> str | None:
    """The frame holds at most ten rows (the churn data has more: this check fails)."""
    return None if len(frame) <= 10 else f"expected at most 10 rows, got {len(frame)}"


def asserts_no_rows(frame: pd.DataFrame) -> None:
    """Asserts the frame is empty (fails on any data, with an assertion)."""
    assert frame.empty, f"{len(frame)} rows where none were expected"


def takes_two(frame: pd.DataFrame, other: pd.DataFrame) -> str | None:
    """Not a check: it takes two arguments."""
    return None
