"""The supervised runners' settings, and their stages.

`SupervisedSettings` extends the `Settings` every workflow has with what the
classification and regression runners need: the target column, the id column, what to
do with rows missing the target, what to do on a failed data check, the approval rule,
the refit. A config whose `runner:` is one of them decodes its `settings:` into this
record.
"""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Literal, TypeAlias

from attrs import frozen

from lolpop.config.records import Settings

#: A runner's stage: what one run of it does (see `lolpop.runners.supervised`).
Stage: TypeAlias = Literal["build_all", "process", "train", "deploy", "predict", "evaluate"]
#: Every stage, the default first.
STAGES: tuple[Stage, ...] = typing.get_args(Stage)

# The metric of an approval rule: the supervised runners and the forecasting runner share
# `ApprovalSettings`, so mypy refuses a name that is no task's metric, and the rule refuses
# one of another task than the runner's when it is built (`settings_rule`). A config's is
# decoded as text, so that this refusal, which names the runner's task and its metrics, is
# the one a config gets too (a refused `Literal` could only list every task's metrics).
if TYPE_CHECKING:
    from lolpop.components.records import ClassificationMetric, ForecastingMetric, RegressionMetric

    _ApprovalMetric: TypeAlias = ClassificationMetric | RegressionMetric | ForecastingMetric
else:
    _ApprovalMetric = str


@frozen
class ApprovalSettings:
    """When a newly trained model version replaces the champion (a config's form of an
    `ApprovalRule`: the metric is checked against the runner's task when it is built)."""

    #: The metric compared on the same test data (None: the task's, f1 or rmse).
    metric: _ApprovalMetric | None = None
    #: How much better than the champion it must be, in the metric's direction.
    min_improvement: float = 0.0
    #: Register only; a person approves and promotes later.
    manual: bool = False
    #: Which candidates are registered: `approved` (the rule's, or every one for a
    #: manual rule; a rejected one stays a logged model in its run) or `always`.
    register: Literal["approved", "always"] = "approved"


@frozen
class SupervisedSettings(Settings):
    """Settings of the classification and regression runners."""

    #: The column to predict (required: a runner without one is refused when built).
    target: str | None = None
    #: An id column: kept in prediction files, never a feature (dropped from the features
    #: after the split, whatever the splitter).
    index: str | None = None
    #: Rows whose target is missing: `error` refuses the data before the split, naming the
    #: column, the count and some rows; `drop` trains on the other rows, the count logged
    #: as the training run's metric `rows_dropped_missing_target` and shown in the report.
    missing_target: Literal["error", "drop"] = "error"
    #: Stop the workflow when a data check says ERROR.
    stop_on_error: bool = True
    approval: ApprovalSettings = ApprovalSettings()
    #: Register the winner refitted on all the data (its metrics stay the held-out ones).
    refit_on_all_data: bool = False
