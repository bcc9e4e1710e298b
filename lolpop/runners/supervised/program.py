"""The supervised runners' program: process -> train -> deploy -> predict, one task.

`supervised_runner(components, settings, stage)` is a `Flow` over the pipelines, typed by
the components' task (`classification_runner` and `regression_runner` fix it): its
stages run alone or together:

- `process`: read, version, profile, check and compare the training data;
- `train`: process, then train (every trial a nested run) and log the model;
- `deploy`: process, train, then register, approve by the rule and promote;
- `predict`: predict new data with the champion (drift, versions, checks, writes);
- `build_all` (the default): deploy, then predict when new data is configured;
- `evaluate`: join the prediction file with labels that arrived later, and record the
  live metrics against the model version that made the predictions.

A stage that lacks what it needs is refused when its program is built
(`lolpop.runners.build.StageNeedsError`, each need at its config path): evaluating
needs `settings.index` and the `labels` and `predictions` components, predicting
`new_data` and `predictions`. `lolpop check` builds every stage to say which can run.
The report names each metric with the metrics component's settings (`f1 (weighted)`),
by which the tuner and the baseline scored too.

Training holds the data to the settings whatever the splitter (`Hygiene`): rows missing
the target are refused or dropped (`missing_target`), and the id column (`index`) and a
time splitter's column never become features.

Each stage is one tracked run (predicting is a second run), started by its pipeline and
ended by the runner; the training run is tagged with the model version it produced, and
the prediction run with the model version it used, which is the lineage `lolpop
lineage` follows. A failure after the training run started ends it as FAILED.
"""

from __future__ import annotations

from pathlib import Path
from typing import Generic, TypeVar

from attrs import frozen

from lolpop.components.metrics import PER_CLASS_METRICS, Scorer, scorer_of
from lolpop.components.records import (
    Classification,
    Regression,
    RunRef,
    RunStatus,
    TaskKind,
)
from lolpop.components.splitter import time_column_of
from lolpop.components.tuner import check_trainer_searched
from lolpop.core.flow import Flow, Var
from lolpop.core.step import Step
from lolpop.errors import DefinitionError, SettingError
from lolpop.pipelines._runs import failed_run
from lolpop.pipelines.deploy import (
    ApprovalRule,
    Candidate,
    Deployment,
    check_rule_metric,
    deploy_pipeline,
)
from lolpop.pipelines.evaluate import (
    EvaluateComponents,
    EvaluateSettings,
    LiveMetrics,
    evaluate_pipeline,
)
from lolpop.pipelines.predict import (
    PredictComponents,
    Predicted,
    PredictSettings,
    predict_pipeline,
)
from lolpop.pipelines.process import (
    ProcessComponents,
    ProcessedData,
    ProcessSettings,
    process_pipeline,
)
from lolpop.pipelines.train import (
    Hygiene,
    TrainComponents,
    TrainedModel,
    train_pipeline,
)
from lolpop.runners._stages import (
    deployed_tags,
    deployment_text,
    finished,
    live_run,
    refuse_all,
    settings_rule,
    stage_needs,
    stage_run,
    training_data,
)
from lolpop.runners.supervised.components import SupervisedComponents
from lolpop.runners.supervised.defaults import PREDICTION_COLUMN, target_of
from lolpop.runners.supervised.probabilities import probability_problems
from lolpop.runners.supervised.settings import STAGES, Stage, SupervisedSettings

_K = TypeVar("_K", bound=TaskKind)
_K_co = TypeVar("_K_co", bound=TaskKind, covariant=True)


@frozen
class WorkflowReport(Generic[_K_co]):
    """What a runner's stage did (the parts it did not run are None)."""

    stage: str
    processed: ProcessedData | None = None
    trained: TrainedModel[_K_co] | None = None
    deployment: Deployment | None = None
    predicted: Predicted | None = None
    runs: tuple[RunRef, ...] = ()
    live: LiveMetrics | None = None
    #: How the workflow scored (its metrics component's), to name each metric's kind.
    scorer: Scorer[_K_co] | None = None

    def to_text(self) -> str:
        """A few lines for a person: what each part of the stage did."""
        lines = [f"stage {self.stage}: done"]
        if self.processed is not None:
            data = self.processed
            drifted = ", ".join(data.drift.drifted) if data.drift and data.drift.drifted else ""
            lines.append(
                f"  data: {data.dataset} version {data.version.number} ({len(data.frame)} "
                f"rows), checks {data.check.status.name}, drifted columns: {drifted or 'none'}"
            )
            problems = data.check.problems()
            lines.extend(f"    {r.status.name} {r.rule}: {r.message}" for r in problems[:10])
            if len(problems) > 10:
                lines.append(f"    (and {len(problems) - 10} more check results not OK)")
        if self.trained is not None:
            trained = self.trained
            metrics = trained.candidate.metrics
            shown = ", ".join(f"{k} {v:.4f}" for k, v in sorted(metrics.items()))
            shaped = self.scorer.setting(trained.model.classes) if self.scorer else None
            per_class = [k for k in sorted(metrics) if k in PER_CLASS_METRICS]
            kind = f" ({', '.join(per_class)}: {shaped})" if shaped and per_class else ""
            lines.append(f"  model: test {shown}{kind}")
            cleaned = trained.hygiene.to_text()
            if cleaned:
                lines.append(f"  training data: {cleaned}")
            if trained.tuning is not None:
                best = trained.tuning.best
                metric = trained.tuning.metric
                named = self.scorer.describe(metric, best.model.classes) if self.scorer else metric
                lines.append(
                    f"  tuning: {len(trained.tuning.trials)} trials, best {dict(best.params)}: "
                    f"{named} {best.score:.4f} on valid"
                )
        if self.deployment is not None:
            lines.append(f"  deploy: {deployment_text(self.deployment)}")
            if (
                self.stage == "build_all"
                and self.predicted is None
                and not _has_champion(self.deployment)
            ):
                lines.append("  predict: not run: there is no champion yet")
        if self.predicted is not None:
            predicted = self.predicted
            if predicted.drift is None or predicted.reference is None:
                drift = "drift not measured (no version of the training data to compare with)"
            else:
                moved = ", ".join(predicted.drift.drifted) or "none"
                drift = f"drifted against {predicted.reference.to_text()}: {moved}"
            lines.append(
                f"  predict: {predicted.written.rows} rows with {predicted.model.name} version "
                f"{predicted.model.version} -> {predicted.written.location}; {drift}; checks "
                f"{predicted.check.status.name}"
            )
            lines.extend(
                f"    unseen categories: {u.to_text()}" for u in predicted.unseen if u.rows
            )
        if self.live is not None:
            live = self.live
            shown = ", ".join(f"{k} {v:.4f}" for k, v in sorted(live.metrics.items()))
            lines.append(
                f"  evaluate: {live.rows} labelled predictions of {live.model_version}: {shown}"
            )
        return "\n".join(lines)


def check_stage(stage: str) -> Stage:
    """`stage`, if it is one of the runners' stages."""
    for known in STAGES:
        if stage == known:
            return known
    raise DefinitionError(f"unknown stage {stage!r} (stages: {', '.join(STAGES)}).")


def check_task(components: SupervisedComponents[_K]) -> type[_K]:
    """The components' task, after checking that every task-bound one is of it (mypy
    holds it in Python; this holds a record built past mypy, from untyped code)."""
    kind = components.trainer.task
    bound = {
        "metrics": components.metrics.task,
        "tuner": None if components.tuner is None else components.tuner.task,
        "baseline": None if components.baseline is None else components.baseline.task,
        "bias": None if components.bias is None else components.bias.task,
    }
    wrong = {name: task for name, task in bound.items() if task is not None and task is not kind}
    scoring = components.explainer.scoring if components.explainer is not None else None
    if scoring is not None and scoring[1] != kind.name:
        raise SettingError(
            "$.components.explainer.scoring",
            f"the explainer measures importance by {scoring[0]!r}, and {scoring[0]!r} is a "
            f"{scoring[1]} scorer, but the runner is a {kind.name} runner: it would rank the "
            "features by a number that means nothing for this model. Name a "
            f"{kind.name} scorer, or leave `scoring` out for the model's own score.",
        )
    if wrong:
        shown = ", ".join(f"the {name} is for {task.name}" for name, task in wrong.items())
        raise DefinitionError(
            f"the trainer is a {kind.name} trainer, but {shown}: a workflow's components "
            "are all of one task."
        )
    return kind


def _run_of(processed: ProcessedData) -> RunRef:
    return processed.run


def _candidate(trained: TrainedModel[_K]) -> Candidate:
    return trained.candidate


def _predicted_run(predicted: Predicted) -> RunRef:
    return predicted.run


#: What the evaluate and predict stages need, as their problems say it.
LABELS_NEED = "the `labels` component (labels of predicted rows that arrived later)"
PREDICTION_FILE_NEED = (
    "the `predictions` component (the prediction file the labels are joined with)"
)
INDEX_NEED = "`settings.index`, the id column that the prediction file and the labels share"
NEW_DATA_NEED = "the `new_data` component (where new data to predict is read from)"
PREDICTIONS_NEED = "the `predictions` component (where predictions are written)"


def never_features(
    components: SupervisedComponents[_K], settings: SupervisedSettings
) -> tuple[str, ...]:
    """The columns that never become features: the id column, and the splitter's time
    column when it says it has one (a `TimeSplitter`)."""
    named = (settings.index, time_column_of(components.splitter))
    return tuple(
        dict.fromkeys(name for name in named if name is not None and name != settings.target)
    )


def _check_models(
    components: SupervisedComponents[_K],
    settings: SupervisedSettings,
    stage: Stage,
    approval: ApprovalRule[_K] | None,
) -> None:
    """Refuse a search of another estimator than the trainer's, and a stage that trains
    and scores by class probabilities a model that gives none (`probability_problems`)."""
    check_trainer_searched(components.trainer, components.tuner)
    if stage in ("train", "deploy", "build_all"):
        rule = approval or settings.approval
        compared = None if stage == "train" or rule.manual else rule.metric
        refuse_all(probability_problems(components, compared))


def supervised_runner(
    components: SupervisedComponents[_K],
    settings: SupervisedSettings,
    stage: Stage = "build_all",
    *,
    approval: ApprovalRule[_K] | None = None,
) -> Step[None, WorkflowReport[_K]]:
    """The runner's program for one stage (see the module notes), of the components' task.

    `approval`: the rule that decides a deployment (default: the settings' `approval`,
    checked against the task when the program is built)."""
    c = components
    kind = check_task(c)
    check_stage(stage)
    _check_models(c, settings, stage, approval)
    target = target_of(settings)
    if c.splitter.target is not None and c.splitter.target != target:
        raise DefinitionError(
            f"the splitter's target {c.splitter.target!r} is not the runner's "
            f"`settings.target` {target!r}; both name the column to predict (a model of the "
            "splitter's would be trained, scored and deployed as the workflow's)."
        )
    work = Path(settings.work_dir)
    dataset = f"{settings.model_name}-training-data"

    f = Flow(type(None), f"{kind.name}-{stage}")
    if stage == "evaluate":
        labels, prediction_file, index = c.labels, c.predictions, settings.index
        if labels is None or prediction_file is None or index is None:
            raise stage_needs(
                "evaluate",
                "evaluating",
                (
                    (labels, "$.components.labels", LABELS_NEED),
                    (prediction_file, "$.components.predictions", PREDICTION_FILE_NEED),
                    (index, "$.settings.index", INDEX_NEED),
                ),
                configured=labels is not None,
            )
        evaluate = evaluate_pipeline(
            EvaluateComponents(prediction_file, labels, c.metrics, c.tracker),
            EvaluateSettings(index, target, PREDICTION_COLUMN),
        )
        live = f.call(evaluate, f.const(stage_run(settings.model_name, "evaluate")))
        f.call(c.tracker.end_run, f.apply(finished, f.apply(live_run, live)))
        return f.build(f.apply(lambda m: WorkflowReport(stage, runs=(m.run,), live=m), live))
    processed: Var[ProcessedData | None] = f.const(None)
    trained: Var[TrainedModel[_K] | None] = f.const(None)
    deployment: Var[Deployment | None] = f.const(None)
    predicted: Var[Predicted | None] = f.const(None)
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
                dataset, str(work / "reports"), settings.stop_on_error, required=(target,)
            ),
        )
        made = f.call(process, f.const(stage_run(settings.model_name, "train")))
        run = f.apply(_run_of, made)
        processed = made
        # A failure after processing ends the training run as FAILED (not left running).
        with f.guard(failed_run(c.tracker), run):
            if stage != "process":
                train = train_pipeline(
                    TrainComponents(
                        splitter=c.splitter,
                        encoder=c.encoder,
                        trainer=c.trainer,
                        evaluator=c.metrics,
                        tracker=c.tracker,
                        repository=c.repository,
                        tuner=c.tuner,
                        explainer=c.explainer,
                        baseline=c.baseline,
                        visualizer=c.visualizer,
                        bias=c.bias,
                    ),
                    refit=settings.refit_on_all_data,
                    hygiene=Hygiene(
                        target,
                        settings.missing_target,
                        never_features(c, settings),
                        index=settings.index,
                    ),
                )
                model = f.call(train, f.apply(training_data, made))
                trained = model
                if stage in ("deploy", "build_all"):
                    if approval is not None:
                        check_rule_metric(approval, c.metrics)
                    rule = approval or settings_rule(kind, settings.approval, c.metrics)
                    deployed = f.call(
                        deploy_pipeline(c.repository, rule), f.apply(_candidate, model)
                    )
                    f.call(c.tracker.set_tags, run, f.apply(deployed_tags, deployed))
                    deployment = deployed
            f.call(c.tracker.end_run, f.apply(finished, run))
    if stage == "predict" or (stage == "build_all" and c.new_data is not None):
        new_data, output = c.new_data, c.predictions
        if new_data is None or output is None:
            raise stage_needs(
                "predict",
                "predicting",
                (
                    (new_data, "$.components.new_data", NEW_DATA_NEED),
                    (output, "$.components.predictions", PREDICTIONS_NEED),
                ),
                configured=new_data is not None,
            )
        predict = predict_pipeline(
            PredictComponents(
                connector=new_data,
                output=output,
                trainer=c.trainer,
                repository=c.repository,
                store=c.store,
                comparer=c.drift,
                checker=c.prediction_checker,
                tracker=c.tracker,
                explainer=c.explainer,
            ),
            PredictSettings(
                dataset,
                predictions=f"{settings.model_name}-predictions",
                column=PREDICTION_COLUMN,
                target=target,
                keep=(settings.index,) if settings.index else (),
                ids=(settings.index,) if settings.index else (),
            ),
        )
        # A build_all whose deploy left no champion (a manual rule's first version awaits
        # a person; a first candidate rejected) has nothing to predict with: the stage
        # ends, its summary saying so, instead of failing at predict.
        predicting = f.call_if(
            f.apply(_has_champion, deployment),
            predict,
            f.const(stage_run(settings.model_name, "predict")),
        )
        f.call_some(c.tracker.end_run, f.apply(_finished_predicting, predicting))
        predicted = predicting

    def report(
        processed: ProcessedData | None,
        trained: TrainedModel[_K] | None,
        deployment: Deployment | None,
        predicted: Predicted | None,
    ) -> WorkflowReport[_K]:
        runs = tuple(r.run for r in (processed, predicted) if r is not None)
        return WorkflowReport(
            stage, processed, trained, deployment, predicted, runs, scorer=scorer_of(c.metrics)
        )

    return f.build(f.apply(report, processed, trained, deployment, predicted))


def _has_champion(deployment: Deployment | None) -> bool:
    """Whether a deploy left a champion to predict with (None: no deploy ran, as in the
    predict stage, which refuses to go on without one)."""
    return deployment is None or deployment.promoted or deployment.previous_champion is not None


def _finished_predicting(predicted: Predicted | None) -> tuple[RunRef, RunStatus] | None:
    return None if predicted is None else finished(_predicted_run(predicted))


def classification_runner(
    components: SupervisedComponents[Classification],
    settings: SupervisedSettings,
    stage: Stage = "build_all",
    *,
    approval: ApprovalRule[Classification] | None = None,
) -> Step[None, WorkflowReport[Classification]]:
    """The classification runner's program for `stage`: components of classifiers only."""
    return supervised_runner(components, settings, stage, approval=approval)


def regression_runner(
    components: SupervisedComponents[Regression],
    settings: SupervisedSettings,
    stage: Stage = "build_all",
    *,
    approval: ApprovalRule[Regression] | None = None,
) -> Step[None, WorkflowReport[Regression]]:
    """The regression runner's program for `stage`: components of regressors only."""
    return supervised_runner(components, settings, stage, approval=approval)
