"""The deploy pipeline: register the model version, approve it by a rule, promote it.

    candidate --> register --> decide (the rule) --> approve --> promote (when approved)

The rule compares the candidate with the champion on the same test data (the train
pipeline measured both): "better than the champion on f1 by at least 0.01" is
`classification_rule("f1", min_improvement=0.01)`, an `ApprovalRule[Classification]`.
It compares the numbers the workflow's metrics component computed (`Candidate.metrics`,
`champion_metrics`: its `average`, its `pos_label`), never scores of its own, so the
approval is by the same kind of f1 as the summary; `check_rule_metric` refuses, when
the workflow is built, a rule by a metric that component does not compute.
With no champion yet, the first version is approved. A classifier whose class labels
differ from the champion's (a relabelled target) is not approved, whatever its scores:
the champion scores 0 on labels it never predicts, so the comparison means nothing.
A manual rule registers the version
and records no decision; a person approves it later (`lolpop approve`), and nothing is
promoted meanwhile.

Only a candidate the rule approves is registered (`register="approved"`, the default): a
rejected one stays a logged model in its training run, and the registry holds the
versions that were ever fit to serve. `register="always"` registers every candidate,
rejected ones with their rejection recorded.

Promotion is a compare-and-set against the champion the candidate was compared with
(`Promotion(version, candidate.champion)`): if another run or a person moved the champion
alias after the train pipeline read it, the repository refuses (`StaleComparisonError`)
and the deployment says so rather than fails: the version stays registered and approved,
`promoted` is False, `stale` holds the refusal, and the approval's reason ends with it.
Re-comparing would need the new champion's metrics on the candidate's test data, which
only the train pipeline has: a re-run compares with the new champion.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Generic, Literal, TypeVar, overload

from attrs import evolve, frozen
from returns.result import Failure, Result, Success

from lolpop.components.metrics import GREATER_IS_BETTER, scorer_of
from lolpop.components.records import (
    Approval,
    Classification,
    ClassificationMetric,
    Forecasting,
    ForecastingMetric,
    Metrics,
    MetricsEvaluator,
    ModelArtifact,
    ModelRepository,
    ModelVersion,
    Promotion,
    Regression,
    RegressionMetric,
    StaleComparisonError,
    TaskKind,
)
from lolpop.core.decorator import make_step
from lolpop.core.flow import Flow
from lolpop.core.step import Step
from lolpop.errors import SettingError, StepFailure

_K = TypeVar("_K", bound=TaskKind)

#: Which candidates the deploy pipeline registers: those the rule approves (and, with a
#: manual rule, every one, for a person to review), or every one.
Registration = Literal["approved", "always"]


@frozen
class ApprovalRule(Generic[_K]):
    """When a new version of a task's model replaces the champion: its metric is one of
    the task's (`classification_rule`, `regression_rule`, `approval_rule`)."""

    task: type[_K]
    metric: str
    #: How much better than the champion (in the metric's direction) it must be.
    min_improvement: float = 0.0
    #: Leave the decision to a person: register only.
    manual: bool = False
    #: Register only approved candidates (a rejected one stays a logged model in its run),
    #: or every one.
    register: Registration = "approved"

    def __attrs_post_init__(self) -> None:
        """Refuse a metric of another task (mypy cannot: `metric` is any text here;
        `approval_rule` has it check) and a negative improvement, however it was made."""
        if self.metric not in self.task.metrics:
            raise SettingError(
                "metric",
                f"the approval rule compares {self.task.name} models, so its metric is one "
                f"of {', '.join(self.task.metrics)}; got {self.metric!r}.",
            )
        if self.min_improvement < 0:
            raise SettingError(
                "min_improvement",
                "the approval rule's min_improvement must not be negative, got "
                f"{self.min_improvement}.",
            )


@overload
def approval_rule(
    task: type[Classification],
    metric: ClassificationMetric | None = None,
    min_improvement: float = 0.0,
    manual: bool = False,
    register: Registration = "approved",
) -> ApprovalRule[Classification]: ...
@overload
def approval_rule(
    task: type[Regression],
    metric: RegressionMetric | None = None,
    min_improvement: float = 0.0,
    manual: bool = False,
    register: Registration = "approved",
) -> ApprovalRule[Regression]: ...
@overload
def approval_rule(
    task: type[Forecasting],
    metric: ForecastingMetric | None = None,
    min_improvement: float = 0.0,
    manual: bool = False,
    register: Registration = "approved",
) -> ApprovalRule[Forecasting]: ...
@overload
def approval_rule(
    task: type[_K],
    metric: None = None,
    min_improvement: float = 0.0,
    manual: bool = False,
    register: Registration = "approved",
) -> ApprovalRule[_K]: ...
def approval_rule(
    task: type[_K],
    metric: str | None = None,
    min_improvement: float = 0.0,
    manual: bool = False,
    register: Registration = "approved",
) -> ApprovalRule[_K]:
    """A checked rule for `task` by one of its metrics (its default metric when `metric`
    is None): mypy refuses a metric of another task (`approval_rule(Classification,
    "rmse")`). Code generic over the task names no metric (the task's default);
    `make_approval_rule` takes one known only at run time.

    >>> approval_rule(Regression, "mae").metric, approval_rule(Classification).metric
    ('mae', 'f1')
    """
    return make_approval_rule(task, metric, min_improvement, manual, register)


def make_approval_rule(
    task: type[_K],
    metric: str | None = None,
    min_improvement: float = 0.0,
    manual: bool = False,
    register: Registration = "approved",
) -> ApprovalRule[_K]:
    """A rule for `task` by `metric` checked when it is made (`SettingError`), for a task
    or a metric known only then (a config's approval settings, a runner's task); in
    Python, `approval_rule` has mypy check it."""
    chosen = metric or task.default_metric
    return ApprovalRule(task, chosen, min_improvement, manual, register)


def classification_rule(
    metric: ClassificationMetric = "f1",
    *,
    min_improvement: float = 0.0,
    manual: bool = False,
    register: Registration = "approved",
) -> ApprovalRule[Classification]:
    """Promote a classifier that beats the champion by `metric` (mypy knows the metric)."""
    return approval_rule(Classification, metric, min_improvement, manual, register)


def regression_rule(
    metric: RegressionMetric = "rmse",
    *,
    min_improvement: float = 0.0,
    manual: bool = False,
    register: Registration = "approved",
) -> ApprovalRule[Regression]:
    """Promote a regressor that beats the champion by `metric` (mypy knows the metric)."""
    return approval_rule(Regression, metric, min_improvement, manual, register)


def forecasting_rule(
    metric: ForecastingMetric = "mase",
    *,
    min_improvement: float = 0.0,
    manual: bool = False,
    register: Registration = "approved",
) -> ApprovalRule[Forecasting]:
    """Promote a forecaster whose backtest beats the champion's on the same folds by
    `metric` (mypy knows the metric)."""
    return approval_rule(Forecasting, metric, min_improvement, manual, register)


def check_rule_metric(rule: ApprovalRule[_K], metrics: MetricsEvaluator[_K]) -> None:
    """Refuse (`SettingError` on `metric`) a rule by a metric that the workflow's metrics
    component does not compute: the rule compares that component's test metrics, and
    would never find its own (when the component says which it computes)."""
    scorer = scorer_of(metrics)
    if rule.manual or scorer is None or not scorer.metrics or rule.metric in scorer.metrics:
        return
    raise SettingError(
        "metric",
        f"the approval rule compares {rule.metric!r}, but the metrics component computes "
        f"only {', '.join(scorer.metrics)}: add {rule.metric!r} to its `metrics:`, or "
        "approve by one of those.",
    )


@frozen
class Candidate:
    """A trained model and its test metrics, beside the champion's on the same data."""

    artifact: ModelArtifact
    metrics: Metrics
    champion: ModelVersion | None = None
    champion_metrics: Metrics | None = None
    #: A classifier's class labels, as text (empty for a regressor).
    classes: tuple[str, ...] = ()
    #: The champion's class labels, as text (empty: no champion, or a regressor).
    champion_classes: tuple[str, ...] = ()


@frozen
class Deployment:
    """What the deploy pipeline did."""

    #: The registered version; None when the rule rejected the candidate and only
    #: approved ones are registered (it stays a logged model in its training run).
    version: ModelVersion | None
    #: None when the rule is manual (no decision yet). When the champion moved before
    #: promotion, its reason ends with that (`stale`).
    approval: Approval | None
    promoted: bool
    previous_champion: ModelVersion | None
    #: Why an approved version was not promoted: the champion alias moved after the
    #: comparison (the repository's refusal); None otherwise.
    stale: str | None = None


def decide(rule: ApprovalRule[_K], candidate: Candidate) -> Approval | None:
    """The rule's decision on `candidate` (None: manual, left to a person); a classifier
    whose class labels differ from the champion's is not approved (its scores do not
    compare)."""
    if rule.manual:
        return None
    name = rule.metric
    score = candidate.metrics.get(name)
    if score is None or math.isnan(score):
        return Approval(False, f"the candidate has no {name} to compare", by="rule")
    champion = candidate.champion
    if champion is None:
        return Approval(True, f"no champion yet; {name} = {score:.4f}", by="rule")
    changed = _changed_classes(candidate, champion)
    if changed is not None:
        return Approval(False, changed, by="rule")
    theirs = (candidate.champion_metrics or {}).get(name)
    if theirs is None or math.isnan(theirs):
        return Approval(True, f"the champion (v{champion.version}) has no {name}", by="rule")
    gain = score - theirs if GREATER_IS_BETTER[name] else theirs - score
    verdict = gain > 0 and gain >= rule.min_improvement
    comparison = (
        f"{name} {score:.4f} vs champion v{champion.version} {theirs:.4f} "
        f"(improvement {gain:+.4f}, needed > 0 and >= {rule.min_improvement})"
    )
    return Approval(verdict, comparison, by="rule")


def _changed_classes(candidate: Candidate, champion: ModelVersion) -> str | None:
    """Why the candidate cannot be compared with the champion, when their class labels
    differ (None when they are the same, or unknown): a target relabelled (`0`/`1` to
    `no`/`yes`) scores the champion at 0 on labels it never predicts, and any newcomer
    would look better."""
    ours, theirs = set(candidate.classes), set(candidate.champion_classes)
    if not ours or not theirs or ours == theirs:
        return None
    only_ours, only_theirs = sorted(ours - theirs), sorted(theirs - ours)
    return (
        f"not compared: the candidate predicts the classes {', '.join(sorted(ours))} and the "
        f"champion v{champion.version} {', '.join(sorted(theirs))} (new: "
        f"{', '.join(only_ours) or 'none'}; gone: {', '.join(only_theirs) or 'none'}), so "
        "their scores on the same test data do not measure the same thing. Was the target "
        "relabelled? If the new labels are meant, approve and promote this version by hand "
        "(`lolpop approve MODEL:VERSION --reason ... --promote`)."
    )


def _registered(
    register: Registration,
) -> Callable[[Approval | None, Candidate], ModelArtifact | None]:
    """What the deploy pipeline registers under the policy `register`."""

    def to_register(approval: Approval | None, candidate: Candidate) -> ModelArtifact | None:
        rejected = approval is not None and not approval.approved
        return None if rejected and register == "approved" else candidate.artifact

    return to_register


def _promotion(
    version: ModelVersion | None, approval: Approval | None, candidate: Candidate
) -> Promotion | None:
    """Promote an approved version over the champion it was compared with."""
    if version is None or approval is None or not approval.approved:
        return None
    return Promotion(version, candidate.champion)


def promote_unless_stale(
    promote: Step[Promotion, ModelVersion],
) -> Step[Promotion, Result[ModelVersion, StaleComparisonError]]:
    """`promote`, a refusal because the champion moved (`StaleComparisonError`) returned
    as a `Failure`; any other failure fails the step as before."""

    def promote_or_stale(promotion: Promotion) -> Result[ModelVersion, StaleComparisonError]:
        try:
            return Success(promote(promotion))
        except StepFailure as failure:
            cause = failure.failure.cause
            if isinstance(cause, StaleComparisonError):
                return Failure(cause)
            raise cause from None

    return make_step(
        promote_or_stale,
        name=promote.name or "promote",
        effect=True,
        description=promote.meta.description
        or "Move the champion alias to the version, unless the champion moved.",
    )


def _deployment(
    registered: ModelVersion | None,
    approved: ModelVersion | None,
    promoted: Result[ModelVersion, StaleComparisonError] | None,
    approval: Approval | None,
    candidate: Candidate,
) -> Deployment:
    champion = candidate.champion
    match promoted:
        case Success(version):
            return Deployment(version, approval, True, champion)
        case Failure(stale):
            said = approval and evolve(approval, reason=f"{approval.reason}, but {stale}")
            return Deployment(approved or registered, said, False, champion, str(stale))
        case _:
            return Deployment(approved or registered, approval, False, champion)


def deploy_pipeline(
    repository: ModelRepository, rule: ApprovalRule[_K]
) -> Step[Candidate, Deployment]:
    """decide -> register (by the rule's policy) -> approve -> promote (when approved)."""

    def rule_decision(candidate: Candidate) -> Approval | None:
        """Apply the approval rule."""
        return decide(rule, candidate)

    f = Flow(Candidate, "deploy")
    approval = f.decide("decide", rule_decision, f.input)
    registered = f.call_some(
        repository.register, f.apply(_registered(rule.register), approval, f.input)
    )
    approved = f.call_some(repository.approve, registered, approval)
    promotion = f.apply(_promotion, approved, approval, f.input)
    promoted = f.call_some(promote_unless_stale(repository.promote), promotion)
    return f.build(f.apply(_deployment, registered, approved, promoted, approval, f.input))
