"""The predict pipeline: compare new data with the data the champion was trained on,
predict with the champion, explain, version the predictions, check them, write them out.

    spec --> read new data --> the champion version --> load it --> check its features
        --> start the run --> unseen categories (counted, logged as metrics)
        --> the champion's training data (the drift reference)
        --> drift against it --> predict --> explain (when configured) --> version
        --> check --> write --> tag the run

The drift reference is found through lineage: the champion's registration records the
dataset versions it was trained on (`lolpop.training_data.<name>` = `name:number:sha256`,
set by the train pipeline through `ModelArtifact.datasets`), and the store's version of
`training_dataset` with that number *and* digest is the reference. Not the latest
version: a later training run on other data saves a new version without making a new
champion, and the champion's predictions must not drift against data it never saw. A
version the store lacks or holds with another digest, or a champion trained on other
datasets only, is a `DataError` naming them, never a silent fallback. A champion that
records no training data at all (registered by an older lolpop, or by a train pipeline
given no dataset versions) is compared with the latest version, and the run says so: a
warning on the `lolpop.predict` logger, the reference's `source` (`latest`) in the result
and in the run's tags. With no version at all, drift is not measured (and said so).

The model is the registered bundle (encoder and estimator), so it predicts from raw
feature columns. A prediction file that lacks a column the model was trained on is
refused before anything is predicted, versioned or written, naming the file and the
column. The run is tagged with the model version and the predictions' version, so a
prediction file leads back to its model (and from there to its training run).

A category the champion's encoder never saw in training is encoded as none (or as the
"infrequent" one): the prediction goes on, but not silently. For each categorical
column the rows holding such a category are counted (`unseen_categories` of the
encoder), logged on the prediction run as the metric `unseen_categories.<column>` (0
too, so a dashboard sees the series), warned about on the `lolpop.predict` logger, and
kept in the result (`Predicted.unseen`). A model that holds no column encoder gives no
counts.
"""

from __future__ import annotations

import logging
import re
from typing import Generic, Literal, TypeVar

from attrs import frozen

from lolpop._lazy import pd
from lolpop.components._errors import DataError
from lolpop.components._mlflow import TRAINING_DATA_TAG_PREFIX, training_data_tag, version_text
from lolpop.components.encoder import UnseenCategories, unseen_categories
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
#: The run tag naming the version drift was measured against (`name:number:sha256`, or
#: `none`), and how it was found (`ReferenceSource`, or `none`).
DRIFT_REFERENCE_TAG = "lolpop.drift_reference"
DRIFT_REFERENCE_SOURCE_TAG = "lolpop.drift_reference_source"

#: Where the drift reference came from: the champion's own training data (its lineage),
#: or, for a champion that records none, the latest version of the training dataset.
ReferenceSource = Literal["training_data", "latest"]

#: The metric counting, per categorical column, the rows of new data holding a category
#: the model never saw in training: `unseen_categories.<column>`.
UNSEEN_METRIC_PREFIX = "unseen_categories."

_log = logging.getLogger("lolpop.predict")


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

    #: The dataset the model was trained on: the version of it that the champion records
    #: is the drift reference (the latest, for a champion that records none).
    training_dataset: str
    #: The dataset name predictions are versioned under.
    predictions: str = "predictions"
    champion_alias: str = "champion"
    #: The column predictions are written to.
    column: str = "prediction"
    #: Columns of the new data carried into the prediction file (e.g. an id).
    keep: tuple[str, ...] = ()
    #: The column the workflow predicts (the runners' `settings.target`): a champion
    #: fitted on another column is refused (None: not checked).
    target: str | None = None
    #: The columns naming a row (the runners' `settings.index`): new data holding a row's
    #: id twice is refused before anything is predicted, since no label could be matched
    #: to either prediction later.
    ids: tuple[str, ...] = ()


@frozen
class DriftReference:
    """The stored version new data was compared with, and how it was found."""

    version: Version
    source: ReferenceSource

    def to_text(self) -> str:
        """`train-data version 3 (the champion's training data)`: how reports name it."""
        how = (
            "the champion's training data"
            if self.source == "training_data"
            else "the latest: the champion records no training data"
        )
        return f"{self.version.name} version {self.version.number} ({how})"


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
    #: What `drift` was measured against (None: the store holds no version to compare with).
    reference: DriftReference | None = None
    #: Per categorical column, the rows holding a category never seen in training.
    unseen: tuple[UnseenCategories, ...] = ()


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


def once_each(frame: pd.DataFrame, keys: list[str], subject: str, why: str) -> None:
    """Refuse `frame` (`subject`: "the labels file 'labels.csv'") if it holds an id (the
    values of `keys`) more than once, naming the ids and their counts, and `why` each must
    be there once."""
    repeated = frame.duplicated(keys, keep=False)
    if not repeated.any():
        return
    counts = frame[repeated].groupby(keys, sort=False, dropna=False).size()
    shown = ", ".join(f"{key!r} {count} times" for key, count in counts.head(5).items())
    ids = f"{len(counts)} id{'s' if len(counts) > 1 else ''} of {', '.join(map(repr, keys))}"
    raise DataError(
        f"{subject} holds {ids} more than once ({shown}"
        f"{', ...' if len(counts) > 5 else ''}): {why}",
        column=keys[0],
        rows=int(repeated.sum()),
    )


#: The column of a prediction file naming the model version that made each prediction.
MODEL_VERSION_COLUMN = "model_version"
#: Probability columns are this prefix and the class label.
PROBABILITY_PREFIX = "probability_"


def assemble(
    frame: pd.DataFrame,
    predictions: Predictions[TaskKind],
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


def _described(text: str) -> str:
    """`'train' version 3 (sha256 1a2b3c4d5e6f...)` for a tag's `name:number:sha256`."""
    parts = text.rsplit(":", 2)  # the name may hold ':'; the number and digest do not
    if len(parts) != 3:
        return repr(text)
    name, number, digest = parts
    return f"{name!r} version {number} (sha256 {digest[:12]}...)"


def find_reference(
    champion: ModelVersion, versions: tuple[Version, ...], dataset: str
) -> DriftReference | None:
    """The version of `dataset` that `champion` was trained on, among the store's
    `versions` of it (number and digest both match), else a `DataError` naming it; the
    latest version when the champion records no training data (None: there is none).

    >>> data = Version("train", 1, "ab" * 32, "frame", 10, 0.0)
    >>> later = Version("train", 2, "cd" * 32, "frame", 10, 0.0)
    >>> tags = {"lolpop.training_data.train": "train:1:" + "ab" * 32}
    >>> champion = ModelVersion("model", 4, "lolpop-store://model/4", tags=tags)
    >>> find_reference(champion, (data, later), "train").version.number
    1
    """
    key = training_data_tag(dataset)
    recorded = champion.tags.get(key)
    model = f"{champion.name!r} version {champion.version}"
    if recorded is None:
        others = sorted(
            value
            for tag, value in champion.tags.items()
            if tag.startswith(TRAINING_DATA_TAG_PREFIX)
        )
        if others:
            raise DataError(
                f"the champion ({model}) was trained on {', '.join(others)}, not on "
                f"{dataset!r}: drift against {dataset!r} would compare the new data with "
                "data the model never saw. Set `training_dataset` to the dataset it was "
                "trained on."
            )
        latest = versions[-1] if versions else None
        _log.warning(
            "the champion (%s) records no training data (registered by an older lolpop, or "
            "by a train pipeline given no dataset versions): %s.",
            model,
            f"drift is measured against the latest version, {latest.name!r} version "
            f"{latest.number}, which may not be the data it was trained on"
            if latest is not None
            else f"drift is not measured (the store holds no version of {dataset!r})",
        )
        return None if latest is None else DriftReference(latest, "latest")
    for version in versions:
        if version_text(version) == recorded:
            return DriftReference(version, "training_data")
    wanted = _described(recorded)
    same_number = [v for v in versions if recorded.startswith(f"{v.name}:{v.number}:")]
    if same_number:
        held = same_number[0]
        raise DataError(
            f"the champion ({model}) was trained on {wanted}, but the store's {held.name!r} "
            f"version {held.number} has sha256 {held.digest[:12]}...: the version was "
            "replaced, or this is another store. Drift is not measured against other data: "
            "restore the store, or train and deploy a model on the data it holds."
        )
    raise DataError(
        f"the champion ({model}) was trained on {wanted}, which the store does not hold "
        f"(its versions of {dataset!r}: "
        f"{', '.join(str(v.number) for v in versions) or 'none'}). Drift is not measured "
        "against other data: use the store the model was trained from, or train and deploy "
        "a model on the data this one holds."
    )


def _measured(
    drift: DriftReport | None, reference: DriftReference | None
) -> tuple[DriftReport | None, DriftReference | None]:
    return drift, reference


def _extras(
    explanations: pd.DataFrame | None, unseen: tuple[UnseenCategories, ...]
) -> tuple[pd.DataFrame | None, tuple[UnseenCategories, ...]]:
    return explanations, unseen


def unseen_metric(column: str) -> str:
    """The metric name of `column`'s unseen categories (characters a tracker refuses
    in a name become `_`).

    >>> unseen_metric("city"), unseen_metric("size (m2)")
    ('unseen_categories.city', 'unseen_categories.size _m2_')
    """
    safe = re.sub(r"\.{2,}", "_", re.sub(r"[^\w.\- :]", "_", column))[:200]
    return f"{UNSEEN_METRIC_PREFIX}{safe}"


def _unseen_metrics(unseen: tuple[UnseenCategories, ...]) -> dict[str, float]:
    return {unseen_metric(found.column): float(found.rows) for found in unseen}


def counted_unseen(
    model: FittedModel[TaskKind], frame: pd.DataFrame
) -> tuple[UnseenCategories, ...]:
    """Count the rows holding categories the model never saw in training (warned about)."""
    found = unseen_categories(model.estimator, frame)
    for column in found:
        if column.rows:
            _log.warning(
                "the data to predict: %s; they are encoded as no category the model knows, "
                "which may make their predictions poor.",
                column.to_text(),
            )
    return found


def _reference_version(reference: DriftReference | None) -> Version | None:
    return None if reference is None else reference.version


def _tags(
    champion: ModelVersion, version: Version, reference: DriftReference | None
) -> dict[str, str]:
    return {
        MODEL_VERSION_TAG: f"{champion.name}:{champion.version}",
        PREDICTIONS_TAG: version_text(version),
        DRIFT_REFERENCE_TAG: "none" if reference is None else version_text(reference.version),
        DRIFT_REFERENCE_SOURCE_TAG: "none" if reference is None else reference.source,
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
        if settings.ids:
            where = f" {c.connector.location!r}" if c.connector.location else ""
            once_each(
                frame,
                list(settings.ids),
                f"the data to predict{where}",
                "each row's prediction is matched to its label by its id, so each must be "
                "there once. Drop the repeated rows; nothing was predicted or written.",
            )
        return _features(model, frame)

    def assembled(
        frame: pd.DataFrame, predictions: Predictions[TaskKind], champion: ModelVersion
    ) -> pd.DataFrame:
        """The prediction file: kept columns, predictions, probabilities, model version."""
        return assemble(frame, predictions, settings, champion)

    def reference_found(
        champion: ModelVersion, versions: tuple[Version, ...]
    ) -> DriftReference | None:
        """The version of the training data the champion was trained on (its lineage)."""
        return find_reference(champion, versions, settings.training_dataset)

    def predicted(  # noqa: PLR0917 (a flow's values, in order)
        run: RunRef,
        champion: ModelVersion,
        output: pd.DataFrame,
        version: Version,
        measured: tuple[DriftReport | None, DriftReference | None],
        check: CheckReport,
        written: Written,
        extras: tuple[pd.DataFrame | None, tuple[UnseenCategories, ...]],
    ) -> Predicted:
        drift, reference = measured
        explanations, unseen = extras
        return Predicted(
            run, champion, output, version, drift, check, written, explanations, reference, unseen
        )

    f = Flow(RunSpec, "predict")
    frame = f.call(c.connector.read, f.const(None))
    alias = f.call(c.repository.get_alias, f.const(settings.champion_alias))
    champion = f.decide("champion", champion_found, alias)
    model = f.call(c.repository.load >> of_task(c.trainer.task, settings.target), champion)
    features = f.decide("check_features", features_checked, model, frame)
    # The run starts once the inputs are sound: bad input leaves no run behind.
    run = f.call(c.tracker.start_run, f.input)
    with f.guard(failed_run(c.tracker), run):
        unseen = f.decide("unseen_categories", counted_unseen, model, features)
        f.call(c.tracker.log_metrics, run, f.apply(_unseen_metrics, unseen))
        versions = f.call(c.store.versions, f.const(settings.training_dataset))
        with f.block("drift"):
            reference = f.decide("reference", reference_found, champion, versions)
            reference_frame = f.call_some(
                c.store.load_frame, f.apply(_reference_version, reference)
            )
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
        f.call(c.tracker.set_tags, run, f.apply(_tags, champion, version, reference))
    measured = f.apply(_measured, drift, reference)
    extras = f.apply(_extras, explanations, unseen)
    return f.build(
        f.apply(predicted, run, champion, output, version, measured, check, written, extras)
    )
