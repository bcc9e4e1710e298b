"""The train pipeline: split, encode, tune (or fit once), evaluate, explain, check against a
baseline, visualize, check for bias, and compare with the deployed model.

    data --> split --> fit encoder (train only) --> encode train, valid, test
         --> tune: every trial an experiment, a nested run      (or: fit once)
         --> the winner predicts the test split --> metrics --> importance --> baseline
         --> figures --> bias (when configured) --> bundle encoder and model
         --> the champion predicts the same test split --> its metrics --> log the model
         --> candidate (for the deploy pipeline)

The registered model is the *bundle*: the fitted encoder and the fitted estimator in one
scikit-learn `Pipeline`, so it predicts from raw feature frames, in lolpop or through
`mlflow.pyfunc.load_model` in a fresh process. The explainer, the baseline check and the
figures see the winner on encoded features, where its coefficients and trees are.

Every optional part (tuner, explainer, baseline, visualizer, bias) is left out of the
program when its component is not given, so a plan shows only what will run.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from attrs import evolve, frozen

from lolpop.components.records import (
    Artifact,
    BaselineComparison,
    BiasChecker,
    BiasReport,
    DataSplitter,
    FeatureEncoder,
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
    Splits,
    Trial,
    TuningResult,
    Version,
)
from lolpop.core.combinators import map_each
from lolpop.core.decorator import make_step
from lolpop.core.step import Step
from lolpop.pipelines.deploy import Candidate
from lolpop.pipelines.wiring import Carrier, lift, need

#: Tags that link runs, experiments, datasets and model versions (lineage).
WINNING_EXPERIMENT_TAG = "lolpop.winning_experiment"
EXPERIMENT_TAG = "lolpop.experiment"
KIND_TAG = "lolpop.kind"


@frozen
class TrainComponents:
    """What the train pipeline works with; the optional ones may be left out."""

    splitter: DataSplitter
    encoder: FeatureEncoder
    trainer: ModelTrainer[FittedModel]
    evaluator: MetricsEvaluator
    tracker: MetadataTracker
    repository: ModelRepository
    tuner: HyperparameterTuner | None = None
    explainer: ModelExplainer | None = None
    baseline: ModelChecker | None = None
    visualizer: ModelVisualizer | None = None
    bias: BiasChecker | None = None


@frozen
class TrainingData:
    """What the train pipeline starts from: the run, the frame and its versions."""

    run: RunRef
    frame: pd.DataFrame
    datasets: tuple[Version, ...] = ()


@frozen
class TrainedModel:
    """Everything the train pipeline found, and the candidate for deployment."""

    run: RunRef
    candidate: Candidate
    model: FittedModel
    bundle: FittedModel
    encoder: FittedEncoder
    splits: Splits
    predictions: Predictions
    tuning: TuningResult | None = None
    experiments: tuple[RunRef, ...] = ()
    importance: Importance | None = None
    baseline: BaselineComparison | None = None
    bias: BiasReport | None = None
    figures: tuple[str, ...] = ()


@frozen
class _State:
    data: TrainingData
    splits: Splits | None = None
    encoder: FittedEncoder | None = None
    encoded: Splits | None = None
    tuning: TuningResult | None = None
    experiments: tuple[RunRef, ...] = ()
    model: FittedModel | None = None
    predictions: Predictions | None = None
    metrics: Metrics | None = None
    importance: Importance | None = None
    baseline: BaselineComparison | None = None
    figures: tuple[str, ...] = ()
    bias: BiasReport | None = None
    bundle: FittedModel | None = None
    champion: ModelVersion | None = None
    champion_model: FittedModel | None = None
    champion_predictions: Predictions | None = None
    refit_encoder: FittedEncoder | None = None
    refit_encoded: pd.DataFrame | None = None
    champion_metrics: Metrics | None = None
    artifact: ModelArtifact | None = None

    @property
    def run(self) -> RunRef:
        return self.data.run


def _start(data: TrainingData) -> _State:
    return _State(data)


def _splits(state: _State) -> Splits:
    return need(state.splits, "splitting the data")


def _encoded(state: _State) -> Splits:
    return need(state.encoded, "encoding the features")


def _encoder(state: _State) -> FittedEncoder:
    return need(state.encoder, "fitting the encoder")


def _model(state: _State) -> FittedModel:
    return need(state.model, "fitting a model")


def _predictions(state: _State) -> Predictions:
    return need(state.predictions, "predicting the test split")


def _bundle(state: _State) -> FittedModel:
    return need(state.bundle, "bundling the model")


def _encode_all(state: _State, frames: Sequence[pd.DataFrame]) -> _State:
    splits = _splits(state)
    train, valid, test = frames
    encoded = Splits(
        Labelled(train, splits.train.target),
        Labelled(valid, splits.valid.target),
        Labelled(test, splits.test.target),
    )
    return evolve(state, encoded=encoded)


def _to_encode(state: _State) -> list[tuple[FittedEncoder, pd.DataFrame]]:
    splits, encoder = _splits(state), _encoder(state)
    return [(encoder, part.features) for part in (splits.train, splits.valid, splits.test)]


def bundle_model(encoder: FittedEncoder, model: FittedModel) -> FittedModel:
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
    )


def _trial_spec(run: RunRef, trial: Trial) -> RunSpec:
    tags = {KIND_TAG: "experiment", EXPERIMENT_TAG: str(trial.number)}
    return RunSpec(f"{run.name or 'train'}-trial-{trial.number}", tags, parent=run)


@frozen
class _TrialLog:
    parent: RunRef
    trial: Trial
    run: RunRef | None = None


def _trial_run(log: _TrialLog) -> RunRef:
    return need(log.run, "starting the trial's run")


def _trial_logger(tracker: MetadataTracker) -> Step[tuple[RunRef, Trial], RunRef]:
    """Start a nested run for one trial, record its params and metrics, end it."""
    on = Carrier(_TrialLog)

    def params(log: _TrialLog) -> tuple[RunRef, Params]:
        return _trial_run(log), log.trial.params

    def metrics(log: _TrialLog) -> tuple[RunRef, Metrics]:
        return _trial_run(log), {f"valid_{k}": v for k, v in log.trial.metrics.items()}

    def start(pair: tuple[RunRef, Trial]) -> _TrialLog:
        return _TrialLog(pair[0], pair[1])

    return (
        make_step(start, name="trial")
        >> on.through(
            tracker.start_run,
            lambda log: _trial_spec(log.parent, log.trial),
            lambda log, run: evolve(log, run=run),
        )
        >> on.effect(tracker.log_params, params)
        >> on.effect(tracker.log_metrics, metrics)
        >> on.effect(tracker.end_run, lambda log: (_trial_run(log), "FINISHED"))
        >> make_step(_trial_run, name="experiment")
    ).named("experiment")


def _winner_tags(state: _State) -> tuple[RunRef, dict[str, str]]:
    tuning = state.tuning
    if tuning is None or not state.experiments:
        return state.run, {}
    winner = state.experiments[tuning.trials.index(tuning.best)]
    return state.run, {WINNING_EXPERIMENT_TAG: winner.run_id}


def _model_params(state: _State) -> tuple[RunRef, Params]:
    model = _model(state)
    params: dict[str, str | int | float | bool | None] = dict(model.params)
    if state.tuning is not None:
        params["tuning_metric"] = state.tuning.metric
        params["trials"] = len(state.tuning.trials)
    return state.run, params


def _prefixed(prefix: str, metrics: Metrics) -> dict[str, float]:
    return {f"{prefix}{name}": value for name, value in metrics.items()}


def _summary_metrics(state: _State) -> tuple[RunRef, Metrics]:
    found: dict[str, float] = _prefixed("test_", state.metrics or {})
    if state.baseline is not None:
        found[f"baseline_{state.baseline.metric}"] = state.baseline.baseline_score
    if state.bias is not None:
        found["bias_demographic_parity_difference"] = state.bias.demographic_parity_difference
        if state.bias.equal_opportunity_difference is not None:
            found["bias_equal_opportunity_difference"] = state.bias.equal_opportunity_difference
    if state.champion_metrics is not None:
        found |= _prefixed("champion_test_", state.champion_metrics)
    return state.run, found


def _finish(state: _State) -> TrainedModel:
    artifact = need(state.artifact, "logging the model")
    candidate = Candidate(
        artifact, dict(state.metrics or {}), state.champion, state.champion_metrics
    )
    return TrainedModel(
        run=state.run,
        candidate=candidate,
        model=_model(state),
        bundle=_bundle(state),
        encoder=_encoder(state),
        splits=_splits(state),
        predictions=_predictions(state),
        tuning=state.tuning,
        experiments=state.experiments,
        importance=state.importance,
        baseline=state.baseline,
        bias=state.bias,
        figures=state.figures,
    )


def _champion_steps(c: TrainComponents) -> Step[_State, _State]:
    """The champion (the deployed version) predicts the same test split; its metrics."""
    on = Carrier(_State)

    def champion(state: _State) -> ModelVersion:
        return need(state.champion, "reading the champion")

    def loaded(state: _State) -> FittedModel:
        return need(state.champion_model, "loading the champion")

    def predicted(state: _State) -> Predictions:
        return need(state.champion_predictions, "the champion's predictions")

    return (
        on.through(c.repository.load, champion, lambda s, m: evolve(s, champion_model=m))
        >> on.through(
            c.trainer.predict,
            lambda s: (loaded(s), _splits(s).test.features),
            lambda s, p: evolve(s, champion_predictions=p),
        )
        >> on.through(
            c.evaluator.evaluate,
            lambda s: (_splits(s).test.target, predicted(s)),
            lambda s, m: evolve(s, champion_metrics=m),
        )
    ).named("champion")


def refit_model(model: FittedModel, data: Labelled) -> FittedModel:
    """A fresh copy of `model`'s estimator (same parameters) fitted on `data`."""
    from sklearn.base import clone  # noqa: PLC0415 (heavy: imported on use)

    estimator = clone(model.estimator)
    estimator.fit(data.features, data.target)
    return evolve(model, estimator=estimator, features=tuple(map(str, data.features.columns)))


def _all_data(state: _State) -> Labelled:
    splits = _splits(state)
    parts = (splits.train, splits.valid, splits.test)
    return Labelled(pd.concat([p.features for p in parts]), pd.concat([p.target for p in parts]))


def _refit_steps(c: TrainComponents) -> Step[_State, _State]:
    """The encoder and the winner refitted on all the data (train, valid and test): the
    model that is logged and registered; its metrics stay those of the held-out test."""
    on = Carrier(_State)

    def encoder(state: _State) -> FittedEncoder:
        return need(state.refit_encoder, "refitting the encoder")

    def refitted(state: _State) -> FittedModel:
        encoded = need(state.refit_encoded, "encoding all the data")
        data = Labelled(encoded, _all_data(state).target)
        return bundle_model(encoder(state), refit_model(_model(state), data))

    return (
        on.through(c.encoder.fit, _all_data, lambda s, e: evolve(s, refit_encoder=e))
        >> on.through(
            c.encoder.transform,
            lambda s: (encoder(s), _all_data(s).features),
            lambda s, f: evolve(s, refit_encoded=f),
        )
        >> on.through(
            lift(refitted, "refit", "the winner refitted on all the data", internal=False),
            lambda s: s,
            lambda s, b: evolve(s, bundle=b),
        )
    ).named("refit")


def train_pipeline(
    components: TrainComponents, *, champion_alias: str = "champion", refit: bool = False
) -> Step[TrainingData, TrainedModel]:
    """split -> encode -> tune or fit -> evaluate -> explain -> check -> compare -> log
    (`refit`: the logged model is the winner refitted on all the data)."""
    c = components
    on = Carrier(_State)

    def test_of(state: _State) -> tuple[FittedModel, Labelled]:
        return _model(state), _encoded(state).test

    def truth_and(state: _State, predictions: Predictions) -> tuple[pd.Series, Predictions]:
        return _splits(state).test.target, predictions

    steps = (
        on.through(c.splitter.split, lambda s: s.data.frame, lambda s, p: evolve(s, splits=p))
        >> on.through(c.encoder.fit, lambda s: _splits(s).train, lambda s, e: evolve(s, encoder=e))
        >> on.through(map_each(c.encoder.transform), _to_encode, _encode_all, name="encode")
    )
    if c.tuner is not None:
        steps = (
            steps
            >> on.through(
                c.tuner.tune, _encoded, lambda s, t: evolve(s, tuning=t, model=t.best.model)
            )
            >> on.through(
                map_each(_trial_logger(c.tracker)),
                lambda s: [(s.run, trial) for trial in (s.tuning.trials if s.tuning else ())],
                lambda s, runs: evolve(s, experiments=tuple(runs)),
                name="experiments",
            )
            >> on.effect(c.tracker.set_tags, _winner_tags)
        )
    else:
        steps = steps >> on.through(
            c.trainer.fit, lambda s: _encoded(s).train, lambda s, m: evolve(s, model=m)
        )
    steps = (
        steps
        >> on.effect(c.tracker.log_params, _model_params)
        >> on.through(
            c.trainer.predict,
            lambda s: (_model(s), _encoded(s).test.features),
            lambda s, p: evolve(s, predictions=p),
        )
        >> on.through(
            c.evaluator.evaluate,
            lambda s: truth_and(s, _predictions(s)),
            lambda s, m: evolve(s, metrics=m),
        )
    )
    if c.explainer is not None:
        steps = steps >> on.through(
            c.explainer.importance, test_of, lambda s, i: evolve(s, importance=i)
        )
    if c.baseline is not None:
        steps = steps >> on.through(
            c.baseline.check, lambda s: (_model(s), _encoded(s)), lambda s, b: evolve(s, baseline=b)
        )
    if c.visualizer is not None:
        steps = (
            steps
            >> on.through(
                c.visualizer.plot,
                test_of,
                lambda s, f: evolve(s, figures=tuple(f.paths[k] for k in sorted(f.paths))),
            )
            >> on.effect(
                map_each(c.tracker.log_artifact),
                lambda s: [(s.run, Artifact(path, "figures")) for path in s.figures],
                name="log_figures",
            )
        )
    if c.bias is not None:
        steps = steps >> on.through(
            c.bias.check,
            lambda s: (_splits(s).test.features, _splits(s).test.target, _predictions(s)),
            lambda s, b: evolve(s, bias=b),
        )
    steps = (
        steps
        >> on.through(
            lift(
                lambda s: bundle_model(_encoder(s), _model(s)),
                "bundle",
                "the encoder and the model as one pipeline",
                internal=False,
            ),
            lambda s: s,
            lambda s, b: evolve(s, bundle=b),
        )
        >> on.through(
            c.repository.get_alias, lambda s: champion_alias, lambda s, v: evolve(s, champion=v)
        )
        >> on.when(lambda s: s.champion is not None, _champion_steps(c), "has_champion")
        >> on.effect(c.tracker.log_metrics, _summary_metrics)
    )
    if refit:
        steps = steps >> _refit_steps(c)
    steps = steps >> on.through(
        c.tracker.log_model, lambda s: (s.run, _bundle(s)), lambda s, a: evolve(s, artifact=a)
    )
    entry, exit_ = make_step(_start, name="start"), make_step(_finish, name="trained")
    return (entry >> steps >> exit_).named("train")


def _candidate_of(trained: TrainedModel) -> Candidate:
    """The trained model's candidate for the deploy pipeline."""
    return trained.candidate


#: `train >> to_candidate >> deploy`: the train pipeline's result as the deploy pipeline's input.
to_candidate: Step[TrainedModel, Candidate] = make_step(_candidate_of, name="candidate")
