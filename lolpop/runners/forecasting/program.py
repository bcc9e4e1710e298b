"""The forecasting runner's program: process -> backtest and train -> deploy -> forecast.

`forecasting_runner(components, settings, stage)` is a `Flow` over the pipelines, with
the supervised runners' stages:

- `process`: read, version, profile, check and compare the history (the supervised
  runners' process pipeline; the target and time columns are required);
- `train`: process, then check the history is regular (`forecast.prepare`), backtest
  over `folds` rolling origins (each fold and the overall scores logged, beside the
  seasonal-naive baseline's), fit the model on the whole history and log it; the
  champion, when there is one, is backtested with its own recipe on the same folds, so
  the deploy rule compares like with like;
- `deploy`: process, train, then register, approve by the rule (MASE unless told) and
  promote;
- `predict`: forecast the next `horizon` steps of every series of the history with the
  champion (and its recipe), the known columns' future values read from `new_data`;
  version, check and write the forecasts, tagged with the model version;
- `build_all` (the default): deploy, then forecast when `predictions` is configured;
- `evaluate`: join the forecast file with actuals that arrived later, on the series
  and time columns, and record the live metrics against the model version that made
  the forecasts.

Each stage is one tracked run (forecasting is a second run), ended by the runner; the
lineage tags are the supervised runners' (`lolpop lineage` follows them).
"""

from __future__ import annotations

from pathlib import Path

from attrs import evolve, frozen

from lolpop._lazy import pd
from lolpop.components._errors import DataError
from lolpop.components.forecast import (
    PREDICTION_COLUMN,
    Backtest,
    Fit,
    Recipe,
    SeriesSpec,
    backtest,
    forecast_frame,
    frequency_of,
    prepare,
    recipe_of,
    recipe_params,
    refitter,
    training_table,
)
from lolpop.components.records import (
    CheckReport,
    Estimator,
    FittedModel,
    Forecasting,
    Labelled,
    Metrics,
    ModelArtifact,
    ModelTrainer,
    ModelVersion,
    Regression,
    RunRef,
    RunSpec,
    Version,
    Written,
)
from lolpop.core.decorator import make_step
from lolpop.core.flow import Flow, Var
from lolpop.core.step import Step
from lolpop.errors import DefinitionError
from lolpop.pipelines._runs import failed_run
from lolpop.pipelines.deploy import (
    ApprovalRule,
    Candidate,
    Deployment,
    deploy_pipeline,
)
from lolpop.pipelines.evaluate import (
    EvaluateComponents,
    EvaluateSettings,
    LiveMetrics,
    evaluate_pipeline,
)
from lolpop.pipelines.predict import MODEL_VERSION_COLUMN, MODEL_VERSION_TAG, PREDICTIONS_TAG
from lolpop.pipelines.process import (
    ProcessComponents,
    ProcessedData,
    ProcessSettings,
    process_pipeline,
)
from lolpop.pipelines.train import TrainingData, of_task
from lolpop.runners._stages import (
    deployed_tags,
    deployment_text,
    finished,
    live_run,
    settings_rule,
    stage_needs,
    stage_run,
    training_data,
)
from lolpop.runners.forecasting.components import (
    ForecastingComponents,
    ForecastSettings,
    spec_of,
)
from lolpop.runners.supervised.program import check_stage
from lolpop.runners.supervised.settings import Stage

CHAMPION = "champion"


@frozen
class ForecastTrained:
    """What training found: the backtest, the model, the champion's backtest, the
    candidate for deployment."""

    run: RunRef
    backtest: Backtest
    model: FittedModel[Forecasting]
    candidate: Candidate
    champion: Backtest | None = None


@frozen
class Forecasted:
    """What forecasting made."""

    run: RunRef
    model: ModelVersion
    frame: pd.DataFrame
    version: Version
    check: CheckReport
    written: Written


def _scores(metrics: Metrics) -> str:
    return ", ".join(f"{name} {value:.4f}" for name, value in metrics.items())


@frozen
class ForecastReport:
    """What a forecasting stage did (the parts it did not run are None)."""

    stage: str
    processed: ProcessedData | None = None
    trained: ForecastTrained | None = None
    deployment: Deployment | None = None
    forecasted: Forecasted | None = None
    runs: tuple[RunRef, ...] = ()
    live: LiveMetrics | None = None

    def to_text(self) -> str:
        """A few lines for a person: what each part of the stage did."""
        lines = [f"stage {self.stage}: done"]
        if self.processed is not None:
            data = self.processed
            lines.append(
                f"  data: {data.dataset} version {data.version.number} ({len(data.frame)} "
                f"rows), checks {data.check.status.name}"
            )
        if self.trained is not None:
            tested = self.trained.backtest
            lines.append(f"  backtest ({len(tested.folds)} folds): {_scores(tested.metrics)}")
            lines.append(f"  seasonal-naive baseline: {_scores(tested.baseline)}")
            if self.trained.champion is not None:
                lines.append(
                    f"  champion on the same folds: {_scores(self.trained.champion.metrics)}"
                )
        if self.deployment is not None:
            lines.append(f"  deploy: {deployment_text(self.deployment)}")
        if self.forecasted is not None:
            made = self.forecasted
            lines.append(
                f"  forecast: {made.written.rows} rows with {made.model.name} version "
                f"{made.model.version} -> {made.written.location}; checks {made.check.status.name}"
            )
        if self.live is not None:
            live = self.live
            lines.append(
                f"  evaluate: {live.rows} forecasts with actuals, of {live.model_version}: "
                f"{_scores(live.metrics)}"
            )
        return "\n".join(lines)


# --- training --------------------------------------------------------------------------


def _fit_with(trainer: ModelTrainer[Regression]) -> Fit:
    def fit(data: Labelled) -> Estimator:
        return trainer.fit(data).estimator

    return fit


def _history_step(spec: SeriesSpec, where: str) -> Step[TrainingData, pd.DataFrame]:
    def history(data: TrainingData) -> pd.DataFrame:
        """Check the history is regular; sort it by series and time."""
        return prepare(data.frame, spec, where)

    return make_step(history, name="history", description="a regular history")


def _backtest_step(
    trainer: ModelTrainer[Regression], recipe: Recipe, spec: SeriesSpec, folds: int
) -> Step[pd.DataFrame, Backtest]:
    def backtested(history: pd.DataFrame) -> Backtest:
        """Fit before each fold's window, forecast it, score it beside the baseline."""
        return backtest(_fit_with(trainer), recipe, spec, history, folds)

    return make_step(backtested, name="backtest", description=f"{folds} rolling origins")


def _fit_step(
    trainer: ModelTrainer[Regression], recipe: Recipe, spec: SeriesSpec
) -> Step[pd.DataFrame, FittedModel[Forecasting]]:
    def fitted(history: pd.DataFrame) -> FittedModel[Forecasting]:
        """Fit the regressor on the whole history; keep the recipe in its params."""
        model = trainer.fit(training_table(history, recipe, spec))
        params = {**model.params, **recipe_params(recipe, spec, frequency_of(history, spec))}
        return FittedModel(
            estimator=model.estimator,
            task=Forecasting,
            features=model.features,
            target=spec.target,
            params=params,
        )

    return make_step(fitted, name="fit", description="the regressor on the whole history")


def same_problem(its: SeriesSpec, spec: SeriesSpec) -> None:
    """Refuse a champion (of the series spec `its`) that forecasts another problem than
    the workflow's `spec`: another target, time or series column. Compared or forecast
    with, it would score and write the wrong column's values under the right name."""
    if (its.target, its.time, its.series) != (spec.target, spec.time, spec.series):
        raise DataError(
            f"the champion forecasts {its.target!r} by {its.time!r}"
            f"{f' per {its.series!r}' if its.series else ''}; this workflow "
            f"{spec.target!r} by {spec.time!r}{f' per {spec.series!r}' if spec.series else ''}"
            ": use another model name for another problem."
        )


def _champion_step(
    spec: SeriesSpec, folds: int
) -> Step[tuple[FittedModel[Forecasting], pd.DataFrame], Backtest]:
    def champion_backtest(pair: tuple[FittedModel[Forecasting], pd.DataFrame]) -> Backtest:
        """The champion's recipe and estimator, refitted on the same folds."""
        model, history = pair
        recipe, its = recipe_of(model, spec.horizon)
        same_problem(its, spec)
        # Its own recipe and estimator, scored as the candidate is: on its folds, by its
        # season (MASE's scale: by the champion's own, the two would not compare).
        same = evolve(its, horizon=spec.horizon, season=spec.season)
        return backtest(refitter(model.estimator), recipe, same, history, folds)

    return make_step(champion_backtest, name="champion_backtest", check=False)


def _run(data: TrainingData) -> RunRef:
    return data.run


def _trained_on(artifact: ModelArtifact, data: TrainingData) -> ModelArtifact:
    return evolve(artifact, datasets=data.datasets)


def _logged(tested: Backtest, champion: Backtest | None) -> Metrics:
    found = tested.logged()
    if champion is not None:
        found |= {f"champion_{name}": value for name, value in champion.metrics.items()}
    return found


def _model_params(model: FittedModel[Forecasting]) -> dict[str, str | int | float | bool | None]:
    return dict(model.params)


def _candidate(
    artifact: ModelArtifact,
    tested: Backtest,
    champion: ModelVersion | None,
    champion_tested: Backtest | None,
) -> Candidate:
    return Candidate(
        artifact,
        dict(tested.metrics),
        champion,
        None if champion_tested is None else dict(champion_tested.metrics),
    )


def _trained(
    data: TrainingData,
    tested: Backtest,
    model: FittedModel[Forecasting],
    candidate: Candidate,
    champion: Backtest | None,
) -> ForecastTrained:
    return ForecastTrained(data.run, tested, model, candidate, champion)


def forecast_train_pipeline(
    c: ForecastingComponents, recipe: Recipe, spec: SeriesSpec, folds: int, where: str
) -> Step[TrainingData, ForecastTrained]:
    """history -> backtest -> fit -> the champion's backtest -> log -> candidate."""
    f = Flow(TrainingData, "forecast_train")
    run = f.apply(_run, f.input)
    history = f.call(_history_step(spec, where), f.input)
    tested = f.call(_backtest_step(c.trainer, recipe, spec, folds), history)
    model = f.call(_fit_step(c.trainer, recipe, spec), history)
    f.call(c.tracker.log_params, run, f.apply(_model_params, model))
    champion = f.call(c.repository.get_alias, f.const(CHAMPION))
    with f.block("champion"):
        loaded = f.call_some(c.repository.load, champion)
        champion_model = f.call_some(of_task(Forecasting), loaded)
        champion_tested = f.call_some(_champion_step(spec, folds), champion_model, history)
    f.call(c.tracker.log_metrics, run, f.apply(_logged, tested, champion_tested))
    artifact = f.apply(_trained_on, f.call(c.tracker.log_model, run, model), f.input)
    candidate = f.apply(_candidate, artifact, tested, champion, champion_tested)
    return f.build(f.apply(_trained, f.input, tested, model, candidate, champion_tested))


# --- forecasting -----------------------------------------------------------------------


@frozen
class _ForecastInput:
    model: FittedModel[Forecasting]
    history: pd.DataFrame
    future: pd.DataFrame | None


def _forecast_input(
    model: FittedModel[Forecasting], history: pd.DataFrame, future: pd.DataFrame | None
) -> _ForecastInput:
    return _ForecastInput(model, history, future)


def _forecast_step(workflow: SeriesSpec, where: str) -> Step[_ForecastInput, pd.DataFrame]:
    horizon = workflow.horizon

    def forecast(given: _ForecastInput) -> pd.DataFrame:
        """The next `horizon` steps of every series, by the model's own recipe."""
        recipe, spec = recipe_of(given.model, horizon)
        same_problem(spec, workflow)
        history = prepare(given.history, spec, where)
        return forecast_frame(given.model.estimator, recipe, spec, history, given.future)

    return make_step(forecast, name="forecast", description=f"the next {horizon} steps")


def _champion_found(version: ModelVersion | None) -> ModelVersion:
    if version is None:
        raise DataError(
            f"there is no {CHAMPION!r} model version to forecast with: train and deploy a "
            "model first (the `train` and `deploy` stages)."
        )
    return version


def _labelled(frame: pd.DataFrame, champion: ModelVersion) -> pd.DataFrame:
    return frame.assign(**{MODEL_VERSION_COLUMN: f"{champion.name}:{champion.version}"})


def _forecast_tags(champion: ModelVersion, version: Version) -> dict[str, str]:
    return {
        MODEL_VERSION_TAG: f"{champion.name}:{champion.version}",
        PREDICTIONS_TAG: f"{version.name}:{version.number}",
    }


def _forecasted(  # noqa: PLR0917 (a flow's values, in order)
    run: RunRef,
    champion: ModelVersion,
    frame: pd.DataFrame,
    version: Version,
    check: CheckReport,
    written: Written,
) -> Forecasted:
    return Forecasted(run, champion, frame, version, check, written)


def forecast_pipeline(
    c: ForecastingComponents, settings: ForecastSettings, name: str
) -> Step[RunSpec, Forecasted]:
    """history -> champion -> forecast -> version -> check -> write -> tag."""
    if c.predictions is None:
        raise DefinitionError(
            "forecasting needs the `predictions` component (where forecasts are written)."
        )
    f = Flow(RunSpec, "forecast")
    history = f.call(c.data.read, f.const(None))
    if c.transformer is not None:
        history = f.call(c.transformer.transform, history)
    future: Var[pd.DataFrame | None] = (
        f.call(c.new_data.read, f.const(None)) if c.new_data is not None else f.const(None)
    )
    alias = f.call(c.repository.get_alias, f.const(CHAMPION))
    champion = f.decide("champion", _champion_found, alias)
    model = f.call(c.repository.load >> of_task(Forecasting), champion)
    run = f.call(c.tracker.start_run, f.input)
    with f.guard(failed_run(c.tracker), run):
        made = f.call(
            _forecast_step(spec_of(settings)[1], c.data.location),
            f.apply(_forecast_input, model, history, future),
        )
        output = f.apply(_labelled, made, champion)
        version = f.call(c.store.save_frame, f.const(name), output)
        f.call(c.tracker.log_dataset, run, version)
        check = f.call(c.prediction_checker.check, output)
        written = f.call(c.predictions.write, output)
        f.call(c.tracker.set_tags, run, f.apply(_forecast_tags, champion, version))
    return f.build(f.apply(_forecasted, run, champion, output, version, check, written))


# --- the runner ------------------------------------------------------------------------


def _processed_run(processed: ProcessedData) -> RunRef:
    return processed.run


def _candidate_of(trained: ForecastTrained) -> Candidate:
    return trained.candidate


def _forecast_run(made: Forecasted) -> RunRef:
    return made.run


def _check_forecast_needs(c: ForecastingComponents, spec: SeriesSpec, stage: Stage) -> None:
    """Forecasting needs somewhere to write, and the future of every known column."""
    future: object | None = c.new_data if spec.known else True
    if c.predictions is None or future is None:
        raise stage_needs(
            stage,
            "forecasting",
            (
                (
                    c.predictions,
                    "$.components.predictions",
                    "the `predictions` component (where forecasts are written)",
                ),
                (
                    future,
                    "$.components.new_data",
                    f"the `new_data` component (the future "
                    f"values of the known column(s) {', '.join(map(repr, spec.known))})",
                ),
            ),
            configured=c.predictions is not None or c.new_data is not None,
        )


def _check_components(c: ForecastingComponents) -> None:
    """Every task-bound component is of its task (mypy holds it in Python; this holds a
    record built past mypy)."""
    if c.trainer.task is not Regression:
        raise DefinitionError(
            f"the forecasting runner's trainer is a regressor over features of the past; "
            f"got a {c.trainer.task.name} trainer."
        )
    if c.metrics.task is not Forecasting:
        raise DefinitionError(
            f"the forecasting runner's metrics score forecasts (`type: forecast_metrics`); "
            f"got {c.metrics.task.name} metrics."
        )


def forecasting_runner(
    components: ForecastingComponents,
    settings: ForecastSettings,
    stage: Stage = "build_all",
    *,
    approval: ApprovalRule[Forecasting] | None = None,
) -> Step[None, ForecastReport]:
    """The forecasting runner's program for one stage (see the module notes)."""
    c = components
    _check_components(c)
    check_stage(stage)
    recipe, spec = spec_of(settings)
    work = Path(settings.work_dir)
    dataset = f"{settings.model_name}-training-data"

    f = Flow(type(None), f"forecasting-{stage}")
    if stage == "evaluate":
        if c.labels is None or c.predictions is None:
            raise stage_needs(
                stage,
                "evaluating",
                (
                    (
                        c.labels,
                        "$.components.labels",
                        "the `labels` component (actuals of forecast times that arrived later)",
                    ),
                    (
                        c.predictions,
                        "$.components.predictions",
                        "the `predictions` component "
                        "(the forecast file the actuals are joined with)",
                    ),
                ),
                configured=c.labels is not None,
            )
        keys = (spec.series, spec.time) if spec.series else (spec.time,)
        evaluate = evaluate_pipeline(
            EvaluateComponents(c.predictions, c.labels, c.metrics, c.tracker),
            EvaluateSettings(keys, spec.target, PREDICTION_COLUMN),
        )
        live = f.call(evaluate, f.const(stage_run(settings.model_name, "evaluate")))
        f.call(c.tracker.end_run, f.apply(finished, f.apply(live_run, live)))
        return f.build(f.apply(lambda m: ForecastReport(stage, runs=(m.run,), live=m), live))
    processed: Var[ProcessedData | None] = f.const(None)
    trained: Var[ForecastTrained | None] = f.const(None)
    deployment: Var[Deployment | None] = f.const(None)
    forecasted: Var[Forecasted | None] = f.const(None)
    if stage != "predict":
        process = process_pipeline(
            ProcessComponents(
                c.data,
                c.profiler,
                c.checker,
                c.drift,
                c.store,
                c.tracker,
                c.notifier,
                c.transformer,
            ),
            ProcessSettings(
                dataset,
                str(work / "reports"),
                settings.stop_on_error,
                required=(spec.target, spec.time, *((spec.series,) if spec.series else ())),
            ),
        )
        made = f.call(process, f.const(stage_run(settings.model_name, "train")))
        run = f.apply(_processed_run, made)
        processed = made
        with f.guard(failed_run(c.tracker), run):
            if stage != "process":
                train = forecast_train_pipeline(c, recipe, spec, settings.folds, c.data.location)
                model = f.call(train, f.apply(training_data, made))
                trained = model
                if stage in ("deploy", "build_all"):
                    rule = approval or settings_rule(Forecasting, settings.approval)
                    deployed = f.call(
                        deploy_pipeline(c.repository, rule), f.apply(_candidate_of, model)
                    )
                    f.call(c.tracker.set_tags, run, f.apply(deployed_tags, deployed))
                    deployment = deployed
            f.call(c.tracker.end_run, f.apply(finished, run))
    if stage == "predict" or (stage == "build_all" and c.predictions is not None):
        _check_forecast_needs(c, spec, stage)
        forecast = forecast_pipeline(c, settings, f"{settings.model_name}-forecasts")
        made_forecast = f.call(forecast, f.const(stage_run(settings.model_name, "predict")))
        f.call(c.tracker.end_run, f.apply(finished, f.apply(_forecast_run, made_forecast)))
        forecasted = made_forecast

    def report(
        processed: ProcessedData | None,
        trained: ForecastTrained | None,
        deployment: Deployment | None,
        forecasted: Forecasted | None,
    ) -> ForecastReport:
        runs = tuple(r.run for r in (processed, forecasted) if r is not None)
        return ForecastReport(stage, processed, trained, deployment, forecasted, runs)

    return f.build(f.apply(report, processed, trained, deployment, forecasted))
