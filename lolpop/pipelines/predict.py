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

import pandas as pd
from attrs import evolve, frozen

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
    Version,
    Written,
)
from lolpop.core.combinators import identity
from lolpop.core.decorator import make_step
from lolpop.core.step import Step
from lolpop.pipelines._runs import ending_failed
from lolpop.pipelines.wiring import Carrier, lift, need

MODEL_VERSION_TAG = "lolpop.model_version"
PREDICTIONS_TAG = "lolpop.predictions"


@frozen
class PredictComponents:
    """What the predict pipeline works with."""

    connector: DataConnector
    output: DataConnector
    trainer: ModelTrainer[FittedModel]
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


@frozen
class _State:
    spec: RunSpec
    ref: RunRef | None = None
    frame: pd.DataFrame | None = None
    champion: ModelVersion | None = None
    model: FittedModel | None = None
    reference: Version | None = None
    drift: DriftReport | None = None
    predictions: Predictions | None = None
    explanations: pd.DataFrame | None = None
    output: pd.DataFrame | None = None
    version: Version | None = None
    check: CheckReport | None = None
    written: Written | None = None

    @property
    def run(self) -> RunRef:
        return need(self.ref, "starting its run")


def _start(spec: RunSpec) -> _State:
    return _State(spec)


def _frame(state: _State) -> pd.DataFrame:
    return need(state.frame, "reading the data")


def _model(state: _State) -> FittedModel:
    return need(state.model, "loading the model")


def _champion(state: _State) -> ModelVersion:
    return need(state.champion, "finding the champion")


def _output(state: _State) -> pd.DataFrame:
    return need(state.output, "assembling the predictions")


def _version(state: _State) -> Version:
    return need(state.version, "versioning the predictions")


def check_features(model: FittedModel, frame: pd.DataFrame, location: str) -> None:
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


def predict_pipeline(
    components: PredictComponents, settings: PredictSettings
) -> Step[RunSpec, Predicted]:
    """read -> champion -> drift -> predict -> explain -> version -> check -> write."""
    c = components
    on = Carrier(_State)

    def champion_found(state: _State, version: ModelVersion | None) -> _State:
        if version is None:
            raise DataError(
                f"there is no {settings.champion_alias!r} model version to predict with: "
                "train and deploy a model first (the `train` and `deploy` stages)."
            )
        return evolve(state, champion=version)

    def features_checked(state: _State) -> _State:
        check_features(_model(state), _frame(state), c.connector.location)
        return state

    def reference_of(state: _State, versions: tuple[Version, ...]) -> _State:
        return evolve(state, reference=versions[-1] if versions else None)

    def reference(state: _State) -> Version:
        return need(state.reference, "finding the training data")

    def features(state: _State) -> pd.DataFrame:
        return _frame(state)[list(_model(state).features)]

    def drift_inputs(
        state: _State, reference_frame: pd.DataFrame
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        columns = [name for name in _model(state).features if name in reference_frame.columns]
        return reference_frame[columns], features(state)[columns]

    def assembled(state: _State) -> _State:
        predictions = need(state.predictions, "predicting")
        output = assemble(_frame(state), predictions, settings, _champion(state))
        return evolve(state, output=output)

    def tags(state: _State) -> tuple[RunRef, dict[str, str]]:
        champion, version = _champion(state), _version(state)
        return state.run, {
            MODEL_VERSION_TAG: f"{champion.name}:{champion.version}",
            PREDICTIONS_TAG: f"{version.name}:{version.number}:{version.digest}",
        }

    def finish(state: _State) -> Predicted:
        check, written = need(state.check, "checking"), need(state.written, "writing")
        return Predicted(
            state.run,
            _champion(state),
            _output(state),
            _version(state),
            state.drift,
            check,
            written,
            state.explanations,
        )

    reference_frame: Step[_State, pd.DataFrame] = lift(reference, "reference") >> (
        c.store.load_frame
    )
    keep: Step[_State, _State] = identity()
    compare: Step[_State, DriftReport] = (
        (reference_frame & keep)
        >> lift(lambda pair: drift_inputs(pair[1], pair[0]), "drift_inputs")
        >> c.comparer.compare
    )
    before = (
        on.through(c.connector.read, lambda s: None, lambda s, f: evolve(s, frame=f))
        >> on.through(c.repository.get_alias, lambda s: settings.champion_alias, champion_found)
        >> on.through(c.repository.load, _champion, lambda s, m: evolve(s, model=m))
        >> make_step(features_checked, name="check_features")
        # The run starts once the inputs are sound: bad input leaves no run behind.
        >> on.through(c.tracker.start_run, lambda s: s.spec, lambda s, r: evolve(s, ref=r))
    )
    steps = (
        on.through(c.store.versions, lambda s: settings.training_dataset, reference_of)
        >> on.when(
            lambda s: s.reference is not None,
            on.through(compare, lambda s: s, lambda s, d: evolve(s, drift=d), name="drift"),
            "has_reference",
        )
        >> on.through(
            c.trainer.predict,
            lambda s: (_model(s), features(s)),
            lambda s, p: evolve(s, predictions=p),
        )
    )
    if c.explainer is not None:
        steps = steps >> on.through(
            c.explainer.explain,
            lambda s: (_model(s), features(s)),
            lambda s, e: evolve(s, explanations=e),
        )
    steps = (
        steps
        >> make_step(assembled, name="assemble")
        >> on.through(
            c.store.save_frame,
            lambda s: (settings.predictions, _output(s)),
            lambda s, v: evolve(s, version=v),
        )
        >> on.effect(c.tracker.log_dataset, lambda s: (s.run, _version(s)))
        >> on.through(c.checker.check, _output, lambda s, r: evolve(s, check=r))
        >> on.through(c.output.write, _output, lambda s, w: evolve(s, written=w))
        >> on.effect(c.tracker.set_tags, tags)
    )
    body = before >> ending_failed(steps, c.tracker, lambda s: s.run)
    entry, exit_ = make_step(_start, name="start"), make_step(finish, name="predicted")
    return (entry >> body >> exit_).named("predict")
