"""The predict pipeline: compare new data with the training data, predict with the
champion, explain, version the predictions, check them, write them out.

    spec --> read new data --> the champion version --> load it --> check its features
        --> start the run --> drift against the training data's latest version --> predict
        --> explain (when configured) --> version --> check --> write --> tag the run

The model is the registered bundle (encoder and estimator), so it predicts from raw
feature columns. A prediction file that lacks a column the model was trained on is
refused before anything is predicted, versioned or written, naming the file and the
column. The run is tagged with the model version and the predictions' version, so a
prediction file leads back to its model (and from there to its training run).
"""

from __future__ import annotations

from typing import Generic, TypeVar

import pandas as pd
from attrs import frozen

from lolpop.components._errors import DataError
from lolpop.components.records import (
    CheckReport,
    DataChecker,
    DataComparer,
    DataConnector,
    DriftReport,
    FittedModel,
    MetadataTracker,
    ModelExplainer,
    ModelRepository,
    ModelTrainer,
    ModelVersion,
    Predictions,
    ResourceVersionControl,
    RunRef,
    RunSpec,
    TaskKind,
    Version,
    Written,
)
from lolpop.core.flow import Flow, Var
from lolpop.core.step import Step
from lolpop.pipelines._runs import failed_run
from lolpop.pipelines.train import of_task

_K = TypeVar("_K", bound=TaskKind)

MODEL_VERSION_TAG = "lolpop.model_version"
PREDICTIONS_TAG = "lolpop.predictions"


@frozen
class PredictComponents(Generic[_K]):
    """What the predict pipeline works with: the trainer of the models it loads."""

    connector: DataConnector
    output: DataConnector
    trainer: ModelTrainer[_K]
    repository: ModelRepository
    store: ResourceVersionControl
    comparer: DataComparer
    checker: DataChecker
    tracker: MetadataTracker
    explainer: ModelExplainer | None = None


@frozen
class PredictSettings:
    """Names the predict pipeline works under."""

    #: The dataset the model was trained on (its latest version is the drift reference).
    training_dataset: str
    #: The dataset name predictions are versioned under.
    predictions: str = "predictions"
    champion_alias: str = "champion"
    #: The column predictions are written to.
    column: str = "prediction"
    #: Columns of the new data carried into the prediction file (e.g. an id).
    keep: tuple[str, ...] = ()


@frozen
class Predicted:
    """What the predict pipeline made."""

    run: RunRef
    model: ModelVersion
    frame: pd.DataFrame
    version: Version
    drift: DriftReport | None
    check: CheckReport
    written: Written
    explanations: pd.DataFrame | None = None


def check_features(model: FittedModel[TaskKind], frame: pd.DataFrame, location: str) -> None:
    """Refuse a frame that lacks a feature the model was trained on (naming it and where)."""
    missing = [name for name in model.features if name not in frame.columns]
    if missing:
        names = ", ".join(repr(name) for name in missing)
        where = f" {location!r}" if location else ""
        raise DataError(
            f"the data to predict{where} lacks the feature column{'s' if len(missing) > 1 else ''}"
            f" {names}, which the model was trained on (its features: "
            f"{', '.join(model.features)}). Nothing was predicted or written."
        )


#: The column of a prediction file naming the model version that made each prediction.
MODEL_VERSION_COLUMN = "model_version"
#: Probability columns are this prefix and the class label.
PROBABILITY_PREFIX = "probability_"


def assemble(
    frame: pd.DataFrame,
    predictions: Predictions,
    settings: PredictSettings,
    model: ModelVersion | None = None,
) -> pd.DataFrame:
    """The prediction file: kept columns, the prediction, one probability column per class,
    and the model version that made them (its lineage starts there)."""
    missing = [name for name in settings.keep if name not in frame.columns]
    if missing:
        raise DataError(
            f"the data to predict lacks the column(s) {', '.join(map(repr, missing))} listed "
            "under `keep:`."
        )
    out = frame[list(settings.keep)].copy()
    out[settings.column] = predictions.values.to_numpy()
    if predictions.probabilities is not None:
        for label in predictions.probabilities.columns:
            out[f"{PROBABILITY_PREFIX}{label}"] = predictions.probabilities[label].to_numpy()
    if model is not None:
        out[MODEL_VERSION_COLUMN] = f"{model.name}:{model.version}"
    return out


def _features(model: FittedModel[TaskKind], frame: pd.DataFrame) -> pd.DataFrame:
    return frame[list(model.features)]


def _drift_inputs(
    model: FittedModel[TaskKind], reference: pd.DataFrame, frame: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The model's features in both frames (those the reference has)."""
    columns = [name for name in model.features if name in reference.columns]
    return reference[columns], frame[columns]


def _last(versions: tuple[Version, ...]) -> Version | None:
    return versions[-1] if versions else None


def _tags(champion: ModelVersion, version: Version) -> dict[str, str]:
    return {
        MODEL_VERSION_TAG: f"{champion.name}:{champion.version}",
        PREDICTIONS_TAG: f"{version.name}:{version.number}:{version.digest}",
    }


def predict_pipeline(
    components: PredictComponents[_K], settings: PredictSettings
) -> Step[RunSpec, Predicted]:
    """read -> champion -> drift -> predict -> explain -> version -> check -> write."""
    c = components

    def champion_found(version: ModelVersion | None) -> ModelVersion:
        """Refuse to go on without a champion to predict with."""
        if version is None:
            raise DataError(
                f"there is no {settings.champion_alias!r} model version to predict with: "
                "train and deploy a model first (the `train` and `deploy` stages)."
            )
        return version

    def features_checked(model: FittedModel[_K], frame: pd.DataFrame) -> pd.DataFrame:
        """Refuse data that lacks a feature of the model (nothing is predicted)."""
        check_features(model, frame, c.connector.location)
        return _features(model, frame)

    def assembled(
        frame: pd.DataFrame, predictions: Predictions, champion: ModelVersion
    ) -> pd.DataFrame:
        """The prediction file: kept columns, predictions, probabilities, model version."""
        return assemble(frame, predictions, settings, champion)

    def predicted(  # noqa: PLR0917 (a flow's values, in order)
        run: RunRef,
        champion: ModelVersion,
        output: pd.DataFrame,
        version: Version,
        drift: DriftReport | None,
        check: CheckReport,
        written: Written,
        explanations: pd.DataFrame | None,
    ) -> Predicted:
        return Predicted(run, champion, output, version, drift, check, written, explanations)

    f = Flow(RunSpec, "predict")
    frame = f.call(c.connector.read, f.const(None))
    alias = f.call(c.repository.get_alias, f.const(settings.champion_alias))
    champion = f.decide("champion", champion_found, alias)
    model = f.call(c.repository.load >> of_task(c.trainer.task), champion)
    features = f.decide("check_features", features_checked, model, frame)
    # The run starts once the inputs are sound: bad input leaves no run behind.
    run = f.call(c.tracker.start_run, f.input)
    with f.guard(failed_run(c.tracker), run):
        reference = f.apply(_last, f.call(c.store.versions, f.const(settings.training_dataset)))
        with f.block("drift"):
            reference_frame = f.call_some(c.store.load_frame, reference)
            pair = f.apply(
                lambda m, r, x: None if r is None else _drift_inputs(m, r, x),
                model,
                reference_frame,
                features,
            )
            drift = f.call_some(c.comparer.compare, pair)
        predictions = f.call(c.trainer.predict, model, features)
        explanations: Var[pd.DataFrame | None] = (
            f.call(c.explainer.explain, model, features)
            if c.explainer is not None
            else f.const(None)
        )
        output = f.decide("assemble", assembled, frame, predictions, champion)
        version = f.call(c.store.save_frame, f.const(settings.predictions), output)
        f.call(c.tracker.log_dataset, run, version)
        check = f.call(c.checker.check, output)
        written = f.call(c.output.write, output)
        f.call(c.tracker.set_tags, run, f.apply(_tags, champion, version))
    return f.build(
        f.apply(predicted, run, champion, output, version, drift, check, written, explanations)
    )
