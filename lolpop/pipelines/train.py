"""The train pipeline: split, encode, tune (or fit once), evaluate, explain, check against a
baseline, visualize, check for bias, and compare with the deployed model.

    data --> rows missing the target (refused, or dropped and counted)
         --> split --> never-features dropped (the id, the time column)
         --> fit the encoder on train and encode train (one pass) --> encode valid, test
         --> tune: every trial an experiment, a nested run      (or: fit once)
         --> the winner predicts the test split --> metrics --> importance --> baseline
         --> figures --> bias (when configured) --> bundle encoder and model
         --> the champion predicts the same test split --> its metrics --> log the model
         --> candidate (for the deploy pipeline), carrying the dataset versions it was
             trained on (`TrainingData.datasets`), which registration records

The registered model is the *bundle*: the fitted encoder and the fitted estimator in one
scikit-learn `Pipeline`, so it predicts from raw feature frames, in lolpop or through
`mlflow.pyfunc.load_model` in a fresh process. The explainer, the baseline check and the
figures see the winner on encoded features, where its coefficients and trees are.

Every optional part (tuner, explainer, baseline, visualizer, bias) is left out of the
program when its component is not given, so a plan shows only what will run.

One kind of number: the tuner and the baseline score as the metrics component (the
`evaluator`) does, with its `average` and `pos_label` (`lolpop.components.metrics.
scored_alike`), so the trials' valid scores, the baseline's and the test metrics in one
summary are the same kind of f1.

Hygiene (`Hygiene`, given by the runner) holds whatever the splitter does, a user's own
included: rows whose target is missing are refused before the split (`DataError` naming
the column, the count and some rows), or, with `missing_target: drop`, dropped, their
count logged as the run's metric `rows_dropped_missing_target` and warned about; and
columns that are never features (the id, a time splitter's column) are dropped from
the features of every part after the split, with a warning when the splitter had left
them in. Each is a step of its own (`missing_target`, `never_features`) in plans and run
records; what they did is the result's `hygiene`.
"""

from __future__ import annotations

import logging
import typing
from collections.abc import Sequence
from typing import Generic, Literal, TypeAlias, TypeVar

from attrs import evolve, frozen

from lolpop._lazy import pd
from lolpop.components._errors import DataError, count_rows, in_rows
from lolpop.components.metrics import scored_alike, scorer_of
from lolpop.components.records import (
    Artifact,
    BaselineComparison,
    BiasChecker,
    BiasReport,
    DataSplitter,
    FeatureEncoder,
    Figures,
    FittedEncoder,
    FittedModel,
    HyperparameterTuner,
    Importance,
    Labelled,
    MetadataTracker,
    Metrics,
    MetricsEvaluator,
    ModelArtifact,
    ModelChecker,
    ModelExplainer,
    ModelRepository,
    ModelTrainer,
    ModelVersion,
    ModelVisualizer,
    Params,
    Predictions,
    RunRef,
    RunSpec,
    RunStatus,
    Splits,
    Takes,
    TaskKind,
    Trial,
    TuningResult,
    Version,
    is_encoded,
)
from lolpop.core.combinators import map_each
from lolpop.core.decorator import make_step
from lolpop.core.flow import Flow, Var
from lolpop.core.step import Step
from lolpop.pipelines.deploy import Candidate

_K = TypeVar("_K", bound=TaskKind)
_K_co = TypeVar("_K_co", bound=TaskKind, covariant=True)
_A = TypeVar("_A")
_B = TypeVar("_B")

#: Tags that link runs, experiments, datasets and model versions (lineage).
WINNING_EXPERIMENT_TAG = "lolpop.winning_experiment"
EXPERIMENT_TAG = "lolpop.experiment"
KIND_TAG = "lolpop.kind"
#: The training run's metric: rows dropped because their target was missing.
ROWS_DROPPED_METRIC = "rows_dropped_missing_target"

#: What to do with rows whose target is missing: refuse the data, or drop the rows.
MissingTarget: TypeAlias = Literal["error", "drop"]

_log = logging.getLogger("lolpop.train")


@frozen
class TrainComponents(Generic[_K]):
    """What the train pipeline works with, all of one task; the optional ones may be left
    out."""

    splitter: DataSplitter
    encoder: FeatureEncoder
    trainer: ModelTrainer[_K]
    evaluator: MetricsEvaluator[_K]
    tracker: MetadataTracker
    repository: ModelRepository
    tuner: HyperparameterTuner[_K] | None = None
    explainer: ModelExplainer | None = None
    baseline: ModelChecker[_K] | None = None
    visualizer: ModelVisualizer | None = None
    bias: BiasChecker[_K] | None = None


@frozen
class Hygiene:
    """What the train pipeline holds the data to, whatever the splitter."""

    #: The target column, checked for missing values before the split (None: left to the
    #: splitter).
    target: str | None = None
    #: Rows missing the target: `error` refuses the data (naming the column, the count
    #: and some rows); `drop` drops them, logging the count as `rows_dropped_missing_target`.
    missing_target: MissingTarget = "error"
    #: Columns that are never features (an id, a time column): dropped from every part
    #: after the split when the splitter left them in.
    never_features: tuple[str, ...] = ()
    #: The id column, which names the rows a message is about (None: their index).
    index: str | None = None


@frozen
class HygieneReport:
    """What the train pipeline's hygiene did (see `Hygiene`)."""

    #: Rows dropped because their target was missing (`missing_target: drop`).
    rows_dropped: int = 0
    #: Of how many rows read.
    rows: int = 0
    #: Columns the splitter left among the features that are never features (dropped).
    dropped_features: tuple[str, ...] = ()

    def to_text(self) -> str:
        """What was dropped, for a report (empty when nothing was)."""
        parts = []
        if self.rows_dropped:
            parts.append(f"{count_rows(self.rows_dropped)} of {self.rows} dropped (target missing)")
        if self.dropped_features:
            shown = ", ".join(map(repr, self.dropped_features))
            parts.append(f"{shown} dropped from the features (an id or time column)")
        return "; ".join(parts)


@frozen
class TrainingData:
    """What the train pipeline starts from: the run, the frame and its versions."""

    run: RunRef
    frame: pd.DataFrame
    datasets: tuple[Version, ...] = ()


@frozen
class TrainedModel(Generic[_K_co]):
    """Everything the train pipeline found, and the candidate for deployment."""

    run: RunRef
    candidate: Candidate
    model: FittedModel[_K_co]
    bundle: FittedModel[_K_co]
    encoder: FittedEncoder
    splits: Splits
    predictions: Predictions[_K_co]
    tuning: TuningResult[_K_co] | None = None
    experiments: tuple[RunRef, ...] = ()
    importance: Importance | None = None
    baseline: BaselineComparison | None = None
    bias: BiasReport | None = None
    figures: tuple[str, ...] = ()
    hygiene: HygieneReport = HygieneReport()


def bundle_model(encoder: FittedEncoder, model: FittedModel[_K]) -> FittedModel[_K]:
    """The encoder and the model as one scikit-learn `Pipeline` over the raw features."""
    from sklearn.pipeline import Pipeline  # noqa: PLC0415 (heavy: imported on use)

    pipeline = Pipeline([("encode", encoder.transformer), ("model", model.estimator)])
    return FittedModel(
        estimator=pipeline,  # type: ignore[arg-type]  # a fitted Pipeline fits and predicts
        task=model.task,
        features=encoder.inputs,
        target=model.target,
        classes=model.classes,
        params=model.params,
        takes="bundled",
    )


def refit_model(model: FittedModel[_K], data: Labelled) -> FittedModel[_K]:
    """A fresh copy of `model`'s estimator (same parameters) fitted on `data`."""
    from sklearn.base import clone  # noqa: PLC0415 (heavy: imported on use)

    estimator = clone(model.estimator)
    estimator.fit(data.features, data.target)
    takes = model.takes if model.takes == "bundled" else _takes(data.features)
    features = tuple(map(str, data.features.columns))
    return evolve(model, estimator=estimator, features=features, takes=takes)


def _takes(features: pd.DataFrame) -> Takes:
    return "encoded" if is_encoded(features) else "raw"


def of_task(
    kind: type[_K], target: str | None = None
) -> Step[FittedModel[TaskKind], FittedModel[_K]]:
    """A step that passes on a model of the task `kind` (fitted on `target`, when given
    and the model names its own) and refuses another (a registry's model, which may have
    been registered by another workflow of the same model name)."""

    def check_task(model: FittedModel[TaskKind]) -> FittedModel[_K]:
        """Refuse a model of another task, or of another target column."""
        if model.task is not kind:
            raise DataError(
                f"the registered model is a {model.task.name} model; this workflow compares "
                f"and predicts with {kind.name} models. Use another model name."
            )
        if target is not None and model.target is not None and model.target != target:
            raise DataError(
                f"the registered model predicts {model.target!r}; this workflow predicts "
                f"{target!r}: compared or predicted with, it would score and write one "
                "column's predictions as the other's. Use another model name for another "
                "problem."
            )
        return typing.cast("FittedModel[_K]", model)

    return make_step(check_task, check=False)


# --- experiments: one nested run per trial ------------------------------------------


def _trial_spec(pair: tuple[RunRef, Trial[TaskKind]]) -> RunSpec:
    run, trial = pair
    tags = {KIND_TAG: "experiment", EXPERIMENT_TAG: str(trial.number)}
    return RunSpec(f"{run.name or 'train'}-trial-{trial.number}", tags, parent=run)


def _trial_params(pair: tuple[RunRef, Trial[TaskKind]]) -> Params:
    return pair[1].params


def _trial_metrics(pair: tuple[RunRef, Trial[TaskKind]]) -> Metrics:
    return {f"valid_{k}": v for k, v in pair[1].metrics.items()}


def _finished(run: RunRef) -> tuple[RunRef, RunStatus]:
    return run, "FINISHED"


def _trial_logger(tracker: MetadataTracker) -> Step[tuple[RunRef, Trial[TaskKind]], RunRef]:
    """Start a nested run for one trial, record its params and metrics, end it."""
    f: Flow[tuple[RunRef, Trial[TaskKind]]] = Flow(tuple, "experiment")
    run = f.call(tracker.start_run, f.apply(_trial_spec, f.input))
    f.call(tracker.log_params, run, f.apply(_trial_params, f.input))
    f.call(tracker.log_metrics, run, f.apply(_trial_metrics, f.input))
    return f.build(f.call(tracker.end_run, f.apply(_finished, run)))


# --- glue: parts of values -----------------------------------------------------------


def _frame(data: TrainingData) -> pd.DataFrame:
    return data.frame


def _first(pair: tuple[_A, _B]) -> _A:
    return pair[0]


def _second(pair: tuple[_A, _B]) -> _B:
    return pair[1]


def _dropped_metrics(dropped: tuple[int, int]) -> Metrics:
    return {ROWS_DROPPED_METRIC: float(dropped[0])}


def _hygiene(dropped: tuple[int, int], features: tuple[str, ...]) -> HygieneReport:
    return HygieneReport(dropped[0], dropped[1], features)


def target_rows(frame: pd.DataFrame, hygiene: Hygiene) -> tuple[pd.DataFrame, tuple[int, int]]:
    """`frame` without the rows whose target is missing (`drop`), or refused when it has
    any (`error`); and how many rows were dropped, of how many.

    >>> frame = pd.DataFrame({"x": [1, 2, 3], "y": [1.0, None, 3.0]})
    >>> kept, dropped = target_rows(frame, Hygiene("y", "drop"))
    >>> kept.index.tolist(), dropped
    ([0, 2], (1, 3))
    """
    name = hygiene.target
    if name is None or name not in frame.columns:
        return frame, (0, len(frame))  # no target to check: the splitter names it
    missing = frame[name].isna().to_numpy()
    count = int(missing.sum())
    if count == 0:
        return frame, (0, len(frame))
    if hygiene.index is not None and hygiene.index in frame.columns:
        rows = in_rows(missing, pd.Index(frame[hygiene.index]), hygiene.index)
    else:
        rows = in_rows(missing, frame.index)
    if hygiene.missing_target == "error":
        raise DataError(
            f"the target {name!r} is missing in {rows}; a row "
            "without a target can be neither learned from nor scored. Set "
            "`missing_target: drop` in the runner's settings to train on the other rows "
            "(the count is logged), or fill them before the split (a function_transformer).",
            column=name,
            rows=count,
        )
    _log.warning("dropped %s whose target %r is missing (missing_target: drop).", rows, name)
    return frame.loc[~missing], (count, len(frame))


#: What the train pipeline does with each part of the split (so none may be empty).
PART_USES = {
    "train": "fits the model on it",
    "valid": "encodes it, and scores a tuner's trials on it",
    "test": "scores the model on it",
}


def check_split_target(splits: Splits, target: str) -> None:
    """Refuse a split with an empty part, or whose parts' target is not the column
    `target` (a user's splitter of another column, or of an unnamed series: the model
    would learn and be scored on it) or whose features still hold `target` (the model
    would read the answer)."""
    for name, part in (("train", splits.train), ("valid", splits.valid), ("test", splits.test)):
        if part.features.empty and not len(part.target):
            raise DataError(
                f"the {name} part of the split has no rows: the workflow {PART_USES[name]}. "
                f"Give the splitter a {name}_size above 0 (or rows of that part).",
                column=target,
            )
        found = part.target.name
        if found != target:
            said = "has no name" if found is None else f"is {str(found)!r}"
            raise DataError(
                f"the splitter's {name} target {said}; this workflow's target is {target!r} "
                "(`settings.target`): the model would be trained and scored on another "
                f"column. Split on {target!r}, and name the target series after it.",
                column=target,
            )
        if target in part.features.columns:
            raise DataError(
                f"the target {target!r} is among the {name} features the splitter gave: "
                "the model would read the answer from its features (a perfect score that "
                "means nothing). Drop it from the features in the splitter.",
                column=target,
            )


def drop_never_features(splits: Splits, never: Sequence[str]) -> tuple[Splits, tuple[str, ...]]:
    """`splits` without the columns `never` among the features of any part, and those the
    splitter had left in (warned about)."""
    present = tuple(
        name
        for name in never
        if any(name in part.features.columns for part in (splits.train, splits.valid, splits.test))
    )
    if not present:
        return splits, ()
    _log.warning(
        "the splitter left %s among the features; an id or a time column is never a "
        "feature, so it is dropped from every part (add it to the splitter's `drop:`).",
        ", ".join(map(repr, present)),
    )

    def without(part: Labelled) -> Labelled:
        kept = [c for c in part.features.columns if c not in present]
        return Labelled(part.features[kept], part.target)

    return Splits(without(splits.train), without(splits.valid), without(splits.test)), present


def _run(data: TrainingData) -> RunRef:
    return data.run


def _train(splits: Splits) -> Labelled:
    return splits.train


def _test(splits: Splits) -> Labelled:
    return splits.test


def _features(part: Labelled) -> pd.DataFrame:
    return part.features


def _target(part: Labelled) -> pd.Series:
    return part.target


def _to_encode(splits: Splits, encoder: FittedEncoder) -> list[tuple[FittedEncoder, pd.DataFrame]]:
    """The parts to encode with the fitted encoder: valid and test (the encoder's
    `fit_then_transform` encoded train while fitting)."""
    return [(encoder, part.features) for part in (splits.valid, splits.test)]


def _encoded(splits: Splits, train: pd.DataFrame, frames: Sequence[pd.DataFrame]) -> Splits:
    valid, test = frames
    return Splits(
        Labelled(train, splits.train.target),
        Labelled(valid, splits.valid.target),
        Labelled(test, splits.test.target),
    )


def _best(tuning: TuningResult[_K]) -> FittedModel[_K]:
    return tuning.best.model


def _trials(run: RunRef, tuning: TuningResult[_K]) -> list[tuple[RunRef, Trial[_K]]]:
    return [(run, trial) for trial in tuning.trials]


def _winner_tags(
    run: RunRef, tuning: TuningResult[_K], experiments: Sequence[RunRef]
) -> dict[str, str]:
    if not experiments:
        return {}
    winner = experiments[tuning.trials.index(tuning.best)]
    return {WINNING_EXPERIMENT_TAG: winner.run_id}


def _model_params(model: FittedModel[_K], tuning: TuningResult[_K] | None) -> Params:
    params: dict[str, str | int | float | bool | None] = dict(model.params)
    if tuning is not None:
        params["tuning_metric"] = tuning.metric
        params["trials"] = len(tuning.trials)
    return params


def _prefixed(prefix: str, metrics: Metrics) -> dict[str, float]:
    return {f"{prefix}{name}": value for name, value in metrics.items()}


def _summary_metrics(
    metrics: Metrics,
    baseline: BaselineComparison | None,
    bias: BiasReport | None,
    champion_metrics: Metrics | None,
) -> Metrics:
    found: dict[str, float] = _prefixed("test_", metrics)
    if baseline is not None:
        found[f"baseline_{baseline.metric}"] = baseline.baseline_score
    if bias is not None:
        found["bias_demographic_parity_difference"] = bias.demographic_parity_difference
        if bias.equal_opportunity_difference is not None:
            found["bias_equal_opportunity_difference"] = bias.equal_opportunity_difference
    if champion_metrics is not None:
        found |= _prefixed("champion_test_", champion_metrics)
    return found


def _all_data(splits: Splits) -> Labelled:
    parts = (splits.train, splits.valid, splits.test)
    return Labelled(pd.concat([p.features for p in parts]), pd.concat([p.target for p in parts]))


def _figure_artifacts(run: RunRef, figures: Figures) -> list[tuple[RunRef, Artifact]]:
    return [(run, Artifact(figures.paths[key], "figures")) for key in sorted(figures.paths)]


def _figure_paths(figures: Figures | None) -> tuple[str, ...]:
    return tuple(figures.paths[key] for key in sorted(figures.paths)) if figures else ()


@frozen
class _Found(Generic[_K]):
    """What the train pipeline found besides the model (gathered for its result)."""

    tuning: TuningResult[_K] | None
    experiments: tuple[RunRef, ...]
    importance: Importance | None
    baseline: BaselineComparison | None
    bias: BiasReport | None
    figures: tuple[str, ...]
    hygiene: HygieneReport


def _found(  # noqa: PLR0917 (a flow's values, in order)
    tuning: TuningResult[_K] | None,
    experiments: Sequence[RunRef] | None,
    importance: Importance | None,
    baseline: BaselineComparison | None,
    bias: BiasReport | None,
    figures: Figures | None,
    hygiene: HygieneReport,
) -> _Found[_K]:
    return _Found(
        tuning,
        tuple(experiments or ()),
        importance,
        baseline,
        bias,
        _figure_paths(figures),
        hygiene,
    )


def _trained(  # noqa: PLR0917 (a flow's values, in order)
    data: TrainingData,
    model: FittedModel[_K],
    bundle: FittedModel[_K],
    encoder: FittedEncoder,
    splits: Splits,
    predictions: Predictions[_K],
    candidate: Candidate,
    found: _Found[_K],
) -> TrainedModel[_K]:
    return TrainedModel(
        run=data.run,
        candidate=candidate,
        model=model,
        bundle=bundle,
        encoder=encoder,
        splits=splits,
        predictions=predictions,
        tuning=found.tuning,
        experiments=found.experiments,
        importance=found.importance,
        baseline=found.baseline,
        bias=found.bias,
        figures=found.figures,
        hygiene=found.hygiene,
    )


def _class_labels(model: FittedModel[TaskKind] | None) -> tuple[str, ...]:
    """A classifier's class labels as text (none for a regressor, or no model)."""
    return () if model is None else tuple(str(label) for label in model.classes)


def _trained_on(artifact: ModelArtifact, data: TrainingData) -> ModelArtifact:
    """The logged model with the dataset versions it was trained on (registered with it)."""
    return evolve(artifact, datasets=data.datasets)


def _candidate(  # noqa: PLR0917 (a flow's values, in order)
    artifact: ModelArtifact,
    metrics: Metrics,
    champion: ModelVersion | None,
    champion_metrics: Metrics | None,
    model: FittedModel[TaskKind],
    champion_classes: tuple[str, ...],
) -> Candidate:
    return Candidate(
        artifact,
        dict(metrics),
        champion,
        champion_metrics,
        classes=_class_labels(model),
        champion_classes=champion_classes,
    )


def _champion_steps(  # noqa: PLR0917 (a flow's values, in order)
    f: Flow[TrainingData],
    c: TrainComponents[_K],
    champion: Var[ModelVersion | None],
    test: Var[Labelled],
    truth: Var[pd.Series],
    target: str | None,
) -> tuple[Var[Metrics | None], Var[tuple[str, ...]]]:
    """The champion (when there is one, of the workflow's `target`) predicts the same test
    split (`test`, its raw features): its metrics, and its class labels (the deploy rule
    compares only models of the same labels)."""
    with f.block("champion"):
        loaded = f.call_some(c.repository.load, champion)
        model = f.call_some(of_task(c.trainer.task, target), loaded)
        predictions = f.call_some(c.trainer.predict, model, f.apply(_features, test))
        metrics = f.call_some(c.evaluator.evaluate, truth, predictions)
        return metrics, f.apply(_class_labels, model)


def _refitted(
    encoder: FittedEncoder, model: FittedModel[_K], data: tuple[pd.DataFrame, pd.Series]
) -> FittedModel[_K]:
    """The winner refitted on all the data, bundled with the encoder refitted on it."""
    return bundle_model(encoder, refit_model(model, Labelled(*data)))


def _encoded_all(frame: pd.DataFrame, data: Labelled) -> tuple[pd.DataFrame, pd.Series]:
    return frame, data.target


def _refit_steps(
    f: Flow[TrainingData], c: TrainComponents[_K], splits: Var[Splits], model: Var[FittedModel[_K]]
) -> Var[FittedModel[_K]]:
    """The encoder and the winner refitted on all the data (train, valid and test): the
    model that is logged and registered; its metrics stay those of the held-out test."""
    with f.block("refit"):
        everything = f.apply(_all_data, splits)
        fitted = f.call(c.encoder.fit_then_transform(), everything)
        encoder, frame = f.apply(_first, fitted), f.apply(_second, fitted)
        return f.decide(
            "refit", _refitted, encoder, model, f.apply(_encoded_all, frame, everything)
        )


def _split_steps(
    f: Flow[TrainingData], c: TrainComponents[_K], hygiene: Hygiene, run: Var[RunRef]
) -> tuple[Var[Splits], Var[HygieneReport]]:
    """The data split, held to `hygiene` before (rows missing the target) and after
    (never-features); and what that dropped."""
    frame = f.apply(_frame, f.input)
    dropped_rows: Var[tuple[int, int]] = f.const((0, 0))
    if hygiene.target is not None:

        def missing_target(frame: pd.DataFrame) -> tuple[pd.DataFrame, tuple[int, int]]:
            """Refuse (or drop, as set) the rows whose target is missing."""
            return target_rows(frame, hygiene)

        kept = f.decide("missing_target", missing_target, frame)
        frame, dropped_rows = f.apply(_first, kept), f.apply(_second, kept)
        if hygiene.missing_target == "drop":
            f.call(c.tracker.log_metrics, run, f.apply(_dropped_metrics, dropped_rows))
    splits = f.call(c.splitter.split, frame)
    if hygiene.target is not None:
        target = hygiene.target

        def split_target(splits: Splits) -> Splits:
            """Refuse parts of another target, or whose features hold the target."""
            check_split_target(splits, target)
            return splits

        splits = f.decide("split_target", split_target, splits)
    dropped_features: Var[tuple[str, ...]] = f.const(())
    if hygiene.never_features:

        def never_features(splits: Splits) -> tuple[Splits, tuple[str, ...]]:
            """Drop the id and time columns from the features of every part."""
            return drop_never_features(splits, hygiene.never_features)

        cleaned = f.decide("never_features", never_features, splits)
        splits, dropped_features = f.apply(_first, cleaned), f.apply(_second, cleaned)
    return splits, f.apply(_hygiene, dropped_rows, dropped_features)


def train_pipeline(
    components: TrainComponents[_K],
    *,
    champion_alias: str = "champion",
    refit: bool = False,
    hygiene: Hygiene = Hygiene(),
) -> Step[TrainingData, TrainedModel[_K]]:
    """split -> encode -> tune or fit -> evaluate -> explain -> check -> compare -> log
    (`refit`: the logged model is the winner refitted on all the data; `hygiene`: what
    the data is held to before and after the split, see the module notes)."""
    scorer = scorer_of(components.evaluator)
    c = evolve(
        components,
        tuner=scored_alike(components.tuner, scorer),
        baseline=scored_alike(components.baseline, scorer),
    )
    f = Flow(TrainingData, "train")
    run = f.apply(_run, f.input)
    splits, cleaned = _split_steps(f, c, hygiene, run)
    # One pass fits the encoder and encodes train; valid and test are only transformed.
    fitted = f.call(c.encoder.fit_then_transform(), f.apply(_train, splits))
    encoder = f.apply(_first, fitted)
    frames = f.call(
        map_each(c.encoder.transform).named("encode"), f.apply(_to_encode, splits, encoder)
    )
    encoded = f.apply(_encoded, splits, f.apply(_second, fitted), frames)
    tuning: Var[TuningResult[_K] | None]
    experiments: Var[list[RunRef] | None]
    if c.tuner is not None:
        tuned = f.call(c.tuner.tune, encoded)
        model = f.apply(_best, tuned)
        trials = f.apply(_trials, run, tuned)
        logged = f.call(map_each(_trial_logger(c.tracker)).named("experiments"), trials)
        f.call(c.tracker.set_tags, run, f.apply(_winner_tags, run, tuned, logged))
        tuning, experiments = tuned, logged
    else:
        model = f.call(c.trainer.fit, f.apply(_train, encoded))
        tuning, experiments = f.const(None), f.const(None)
    f.call(c.tracker.log_params, run, f.apply(_model_params, model, tuning))
    test = f.apply(_test, encoded)
    truth = f.apply(_target, f.apply(_test, splits))
    predictions = f.call(c.trainer.predict, model, f.apply(_features, test))
    metrics = f.call(c.evaluator.evaluate, truth, predictions)
    importance: Var[Importance | None] = (
        f.call(c.explainer.importance, model, test) if c.explainer is not None else f.const(None)
    )
    baseline: Var[BaselineComparison | None] = (
        f.call(c.baseline.check, model, encoded) if c.baseline is not None else f.const(None)
    )
    figures: Var[Figures | None] = f.const(None)
    if c.visualizer is not None:
        drawn = f.call(c.visualizer.plot, model, test)
        f.call(
            map_each(c.tracker.log_artifact).named("log_figures"),
            f.apply(_figure_artifacts, run, drawn),
        )
        figures = drawn
    bias: Var[BiasReport | None] = f.const(None)
    if c.bias is not None:
        raw_test = f.apply(_test, splits)
        bias = f.call(c.bias.check, f.apply(_features, raw_test), truth, predictions)
    bundle = f.decide("bundle", bundle_model, encoder, model)
    champion = f.call(c.repository.get_alias, f.const(champion_alias))
    # The champion is the bundle (encoder and model): it predicts from the raw features.
    champion_metrics, champion_classes = _champion_steps(
        f, c, champion, f.apply(_test, splits), truth, hygiene.target
    )
    summary = f.apply(_summary_metrics, metrics, baseline, bias, champion_metrics)
    f.call(c.tracker.log_metrics, run, summary)
    if refit:
        bundle = _refit_steps(f, c, splits, model)
    artifact = f.apply(_trained_on, f.call(c.tracker.log_model, run, bundle), f.input)
    candidate = f.apply(
        _candidate, artifact, metrics, champion, champion_metrics, bundle, champion_classes
    )
    found = f.apply(_found, tuning, experiments, importance, baseline, bias, figures, cleaned)
    return f.build(
        f.apply(_trained, f.input, model, bundle, encoder, splits, predictions, candidate, found)
    )


def _candidate_of(trained: TrainedModel[TaskKind]) -> Candidate:
    """The trained model's candidate for the deploy pipeline."""
    return trained.candidate


#: `train >> to_candidate >> deploy`: the train pipeline's result as the deploy pipeline's input.
to_candidate: Step[TrainedModel[TaskKind], Candidate] = make_step(_candidate_of, name="candidate")
