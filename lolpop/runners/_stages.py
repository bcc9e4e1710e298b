"""What every runner's program does the same way between its pipelines: ending a run,
handing processed data to training, tagging the training run with its deployment, and
refusing a stage whose needs are not given (`StageNeedsError`, each at its path)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TypeVar

from lolpop.components.records import MetricsEvaluator, RunRef, RunSpec, RunStatus, TaskKind
from lolpop.errors import ConfigError, ConfigProblem, DefinitionError, SettingError
from lolpop.pipelines.deploy import ApprovalRule, Deployment, check_rule_metric, make_approval_rule
from lolpop.pipelines.evaluate import LiveMetrics
from lolpop.pipelines.predict import MODEL_VERSION_TAG
from lolpop.pipelines.process import ProcessedData
from lolpop.pipelines.train import KIND_TAG, TrainingData
from lolpop.runners.build import StageNeedsError

if TYPE_CHECKING:  # (the supervised runner's package imports this module)
    from lolpop.config.records import Settings
    from lolpop.runners.supervised.settings import ApprovalSettings

_K = TypeVar("_K", bound=TaskKind)

#: The tag naming the stage a tracked run belongs to.
STAGE_TAG = "lolpop.stage"


def stage_run(model_name: str, stage: str) -> RunSpec:
    """The tracked run of one stage of a workflow (`churn-train`, tagged with its stage)."""
    return RunSpec(f"{model_name}-{stage}", {KIND_TAG: "run", STAGE_TAG: stage})


def settings_rule(
    kind: type[_K], given: ApprovalSettings, metrics: MetricsEvaluator[_K] | None = None
) -> ApprovalRule[_K]:
    """The settings' approval rule for the task `kind` (a refusal names the setting),
    by a metric that `metrics` computes when the rule compares that component's numbers
    (None: it compares numbers of the runner's own, e.g. a forecaster's backtest)."""
    try:
        rule = make_approval_rule(
            kind, given.metric, given.min_improvement, given.manual, given.register
        )
        if metrics is not None:
            check_rule_metric(rule, metrics)
    except SettingError as error:
        raise SettingError(f"$.settings.approval.{error.field}", str(error)) from error
    return rule


def check_runner_settings(
    task: type[_K],
    settings: Settings,
    approval: ApprovalSettings,
    own: Iterable[SettingError] = (),
) -> None:
    """Refuse a runner's settings, every problem at once, each at its path: the model's
    name, the approval rule's metric for `task`, and the runner's `own` problems (found
    before any component is built from the settings)."""
    from lolpop.components.mlflow_repository import check_model_name  # noqa: PLC0415

    found: list[SettingError] = []
    try:
        check_model_name(settings.model_name)
    except DefinitionError as error:
        found.append(SettingError("$.settings.model_name", str(error)))
    found.extend(own)
    try:
        settings_rule(task, approval)
    except SettingError as error:
        found.append(error)
    refuse_all(found)


def refuse_all(found: Sequence[SettingError]) -> None:
    """Refuse every problem `found` at once, each at its path (none: nothing)."""
    if len(found) == 1:
        raise found[0]
    if found:
        raise ConfigError(tuple(ConfigProblem(str(each), each.field) for each in found))


def finished(run: RunRef) -> tuple[RunRef, RunStatus]:
    """`run`, to be ended as FINISHED."""
    return run, "FINISHED"


def training_data(processed: ProcessedData) -> TrainingData:
    """The processed data as the train pipeline's input, with its version."""
    return TrainingData(processed.run, processed.frame, (processed.version,))


def deployed_tags(deployment: Deployment) -> dict[str, str]:
    """The training run's tags of what its deployment did (lineage)."""
    version = deployment.version
    tags = {"lolpop.promoted": str(deployment.promoted).lower()}
    if version is not None:
        tags[MODEL_VERSION_TAG] = f"{version.name}:{version.version}"
    if deployment.approval is not None:
        tags["lolpop.approval"] = deployment.approval.reason[:500]
    return tags


def deployment_text(deployment: Deployment) -> str:
    """What a deployment did, for a run's summary: the version and the decision, why."""
    reason = deployment.approval.reason if deployment.approval else "manual approval"
    version = deployment.version
    if version is None:
        return f"the candidate was not registered ({reason}); it stays a logged model in its run"
    if deployment.approval is None and not deployment.promoted:
        named = f"{version.name}:{version.version}"
        return (
            f"{version.name} version {version.version} registered; it awaits a person's "
            f"approval (`lolpop approve {named} --promote`)"
        )
    verdict = "promoted to champion" if deployment.promoted else "not promoted"
    return f"{version.name} version {version.version} {verdict} ({reason})"


def live_run(live: LiveMetrics) -> RunRef:
    """The run the evaluate pipeline recorded its live metrics in."""
    return live.run


def stage_needs(
    stage: str,
    doing: str,
    needs: tuple[tuple[object | None, str, str], ...],
    *,
    configured: bool,
) -> StageNeedsError:
    """The refusal of a stage whose needs (a value, its config path, what it is) are not
    all given, each missing one at its path. `configured`: a part only this stage uses
    is given, so the workflow means to run it."""
    missing = tuple(
        ConfigProblem(f"{doing} needs {what}", path) for value, path, what in needs if value is None
    )
    return StageNeedsError(stage, missing, configured=configured)
