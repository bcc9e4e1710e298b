"""The `classification` and `regression` runner kinds: what a config's `runner:` names."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from lolpop.components.records import Classification, Regression, TaskKind
from lolpop.core.step import Step
from lolpop.errors import SettingError
from lolpop.runners._stages import check_runner_settings
from lolpop.runners.kinds import Report, RunnerKind
from lolpop.runners.supervised.components import SLOT_DESCRIPTIONS, SupervisedComponents
from lolpop.runners.supervised.defaults import DEFAULTED, NO_TARGET, default_components
from lolpop.runners.supervised.program import check_stage, supervised_runner
from lolpop.runners.supervised.settings import STAGES, SupervisedSettings

_K = TypeVar("_K", bound=TaskKind)


def _build(
    components: SupervisedComponents[_K], settings: SupervisedSettings, stage: str
) -> Step[None, Report]:
    return supervised_runner(components, settings, check_stage(stage))


def _check_settings(task: type[_K], settings: SupervisedSettings) -> None:
    """The settings the default components are made from (the model's name, the target;
    the columns are compared by `runners.build.column_problems`), and the approval rule's
    metric for the task (which metrics component computes it is checked when the program
    is built): every problem at once, each at its path."""
    target = settings.target
    blank = target is None or not target.strip()
    own = [SettingError("$.settings.target", NO_TARGET)] if blank else []
    check_runner_settings(task, settings, settings.approval, own)


def _kind(
    task: type[_K], components: type[SupervisedComponents[_K]], description: str
) -> RunnerKind[SupervisedComponents[_K], SupervisedSettings]:
    build: Callable[[SupervisedComponents[_K], SupervisedSettings, str], Step[None, Report]] = (
        _build
    )
    return RunnerKind(
        tag=task.name,
        components=components,
        settings=SupervisedSettings,
        build=build,
        stages=STAGES,
        defaulted=DEFAULTED,
        defaults=lambda settings: default_components(task.name, settings),
        task=task,
        check=lambda settings: _check_settings(task, settings),
        description=description,
        slot_descriptions=SLOT_DESCRIPTIONS,
    )


CLASSIFICATION = _kind(
    Classification,
    SupervisedComponents[Classification],
    "process -> train -> deploy if better -> predict, for classifiers",
)
REGRESSION = _kind(
    Regression,
    SupervisedComponents[Regression],
    "process -> train -> deploy if better -> predict, for regressors",
)

#: This module's runner kinds (`lolpop.runners.catalogue` names it for their tags).
KINDS = (CLASSIFICATION, REGRESSION)
