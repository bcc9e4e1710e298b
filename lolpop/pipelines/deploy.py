"""The deploy pipeline: register the model version, approve it by a rule, promote it.

    candidate --> register --> decide (the rule) --> approve --> promote (when approved)

The rule compares the candidate with the champion on the same test data (the train
pipeline measured both): "better than the champion on f1 by at least 0.01" is
`ApprovalRule(metric="f1", min_improvement=0.01)`. With no champion yet, the first
version is approved. A manual rule registers the version and records no decision; a
person approves it later (`lolpop approve`), and nothing is promoted meanwhile.
"""

from __future__ import annotations

import math

from attrs import evolve, frozen

from lolpop.components.metrics import GREATER_IS_BETTER
from lolpop.components.records import (
    Approval,
    Metrics,
    ModelArtifact,
    ModelRepository,
    ModelVersion,
)
from lolpop.core.decorator import make_step
from lolpop.core.step import Step
from lolpop.errors import DefinitionError
from lolpop.pipelines.wiring import Carrier, lift, need


@frozen
class ApprovalRule:
    """When a new version replaces the champion."""

    metric: str = "accuracy"
    #: How much better than the champion (in the metric's direction) it must be.
    min_improvement: float = 0.0
    #: Leave the decision to a person: register only.
    manual: bool = False


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


@frozen
class _State:
    candidate: Candidate
    version: ModelVersion | None = None
    approval: Approval | None = None
    promoted: bool = False


def check_rule(rule: ApprovalRule) -> ApprovalRule:
    """`rule`, if its metric is one lolpop knows the direction of."""
    if rule.metric not in GREATER_IS_BETTER:
        known = ", ".join(sorted(GREATER_IS_BETTER))
        raise DefinitionError(f"the approval rule's metric {rule.metric!r} is unknown ({known}).")
    if rule.min_improvement < 0:
        raise DefinitionError(
            f"the approval rule's min_improvement must not be negative, got {rule.min_improvement}."
        )
    return rule


def decide(rule: ApprovalRule, candidate: Candidate) -> Approval | None:
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


def deploy_pipeline(repository: ModelRepository, rule: ApprovalRule) -> Step[Candidate, Deployment]:
    """register -> decide -> approve -> promote (when approved)."""
    check_rule(rule)

    def start(candidate: Candidate) -> _State:
        return _State(candidate)

    def registered(state: _State) -> ModelVersion:
        return need(state.version, "registering the model")

    def is_decided(state: _State) -> bool:
        return state.approval is not None

    def is_approved(state: _State) -> bool:
        return state.approval is not None and state.approval.approved

    def finish(state: _State) -> Deployment:
        return Deployment(
            registered(state), state.approval, state.promoted, state.candidate.champion
        )

    def decision(state: _State) -> _State:
        return evolve(state, approval=decide(rule, state.candidate))

    def approval_of(state: _State) -> tuple[ModelVersion, Approval]:
        return registered(state), need(state.approval, "deciding")

    on = Carrier(_State)
    register = on.through(
        repository.register,
        lambda s: s.candidate.artifact,
        lambda s, version: evolve(s, version=version),
    )
    approve = on.through(repository.approve, approval_of, lambda s, v: evolve(s, version=v))
    promote = on.through(
        repository.promote, registered, lambda s, v: evolve(s, version=v, promoted=True)
    )
    return (
        make_step(start, name="candidate")
        >> register
        >> lift(decision, "decide", "apply the approval rule", internal=False)
        >> on.when(is_decided, approve, "decided")
        >> on.when(is_approved, promote, "approved")
        >> make_step(finish, name="deployment")
    ).named("deploy")
