"""The deploy pipeline: register the model version, approve it by a rule, promote it.

    candidate --> register --> decide (the rule) --> approve --> promote (when approved)

The rule compares the candidate with the champion on the same test data (the train
pipeline measured both): "better than the champion on f1 by at least 0.01" is
`classification_rule("f1", min_improvement=0.01)`, an `ApprovalRule[Classification]`.
With no champion yet, the first version is approved. A manual rule registers the version
and records no decision; a person approves it later (`lolpop approve`), and nothing is
promoted meanwhile.
"""

from __future__ import annotations

import math
from typing import Generic, TypeVar

from attrs import frozen

from lolpop.components.metrics import GREATER_IS_BETTER
from lolpop.components.records import (
    Approval,
    Classification,
    ClassificationMetric,
    Metrics,
    ModelArtifact,
    ModelRepository,
    ModelVersion,
    Regression,
    RegressionMetric,
    TaskKind,
)
from lolpop.core.flow import Flow
from lolpop.core.step import Step
from lolpop.errors import SettingError

_K = TypeVar("_K", bound=TaskKind)


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


def approval_rule(
    task: type[_K], metric: str | None = None, min_improvement: float = 0.0, manual: bool = False
) -> ApprovalRule[_K]:
    """A checked rule for `task` (its default metric when `metric` is None)."""
    chosen = metric or task.default_metric
    if chosen not in task.metrics:
        raise SettingError(
            "metric",
            f"the approval rule compares {task.name} models, so its metric is one of "
            f"{', '.join(task.metrics)}; got {chosen!r}.",
        )
    if min_improvement < 0:
        raise SettingError(
            "min_improvement",
            f"the approval rule's min_improvement must not be negative, got {min_improvement}.",
        )
    return ApprovalRule(task, chosen, min_improvement, manual)


def classification_rule(
    metric: ClassificationMetric = "f1", *, min_improvement: float = 0.0, manual: bool = False
) -> ApprovalRule[Classification]:
    """Promote a classifier that beats the champion by `metric` (mypy knows the metric)."""
    return approval_rule(Classification, metric, min_improvement, manual)


def regression_rule(
    metric: RegressionMetric = "rmse", *, min_improvement: float = 0.0, manual: bool = False
) -> ApprovalRule[Regression]:
    """Promote a regressor that beats the champion by `metric` (mypy knows the metric)."""
    return approval_rule(Regression, metric, min_improvement, manual)


@frozen
class Candidate:
    """A trained model and its test metrics, beside the champion's on the same data."""

    artifact: ModelArtifact
    metrics: Metrics
    champion: ModelVersion | None = None
    champion_metrics: Metrics | None = None


@frozen
class Deployment:
    """What the deploy pipeline did."""

    version: ModelVersion
    #: None when the rule is manual (no decision yet).
    approval: Approval | None
    promoted: bool
    previous_champion: ModelVersion | None


def decide(rule: ApprovalRule[_K], candidate: Candidate) -> Approval | None:
    """The rule's decision on `candidate` (None: manual, left to a person)."""
    if rule.manual:
        return None
    name = rule.metric
    score = candidate.metrics.get(name)
    if score is None or math.isnan(score):
        return Approval(False, f"the candidate has no {name} to compare", by="rule")
    champion = candidate.champion
    if champion is None:
        return Approval(True, f"no champion yet; {name} = {score:.4f}", by="rule")
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


def _artifact(candidate: Candidate) -> ModelArtifact:
    return candidate.artifact


def _if_approved(version: ModelVersion | None, approval: Approval | None) -> ModelVersion | None:
    return version if approval is not None and approval.approved else None


def _deployment(
    registered: ModelVersion,
    approved: ModelVersion | None,
    promoted: ModelVersion | None,
    approval: Approval | None,
    candidate: Candidate,
) -> Deployment:
    latest = promoted or approved or registered
    return Deployment(latest, approval, promoted is not None, candidate.champion)


def deploy_pipeline(
    repository: ModelRepository, rule: ApprovalRule[_K]
) -> Step[Candidate, Deployment]:
    """register -> decide -> approve -> promote (when approved)."""

    def rule_decision(candidate: Candidate) -> Approval | None:
        """Apply the approval rule."""
        return decide(rule, candidate)

    f = Flow(Candidate, "deploy")
    registered = f.call(repository.register, f.apply(_artifact, f.input))
    approval = f.decide("decide", rule_decision, f.input)
    approved = f.call_some(repository.approve, registered, approval)
    promoted = f.call_some(repository.promote, f.apply(_if_approved, approved, approval))
    return f.build(f.apply(_deployment, registered, approved, promoted, approval, f.input))
