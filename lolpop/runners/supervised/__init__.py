"""The supervised runners: classification and regression (see `program` for the stages).

- `settings`: `SupervisedSettings` (the target, the id column, the approval rule...),
  `Stage` and `STAGES`;
- `components`: `SupervisedComponents[K]`, every component, all of the task `K`;
- `defaults`: the components used where none is given (`with_defaults`);
- `program`: `supervised_runner`, `classification_runner`, `regression_runner` and the
  `WorkflowReport` they give;
- `kind`: the runner kinds a config names (`runner: classification`).
"""

from lolpop.runners._stages import STAGE_TAG as STAGE_TAG
from lolpop.runners.supervised.components import SupervisedComponents as SupervisedComponents
from lolpop.runners.supervised.defaults import PREDICTION_COLUMN as PREDICTION_COLUMN
from lolpop.runners.supervised.defaults import default_components as default_components
from lolpop.runners.supervised.defaults import with_defaults as with_defaults
from lolpop.runners.supervised.program import WorkflowReport as WorkflowReport
from lolpop.runners.supervised.program import classification_runner as classification_runner
from lolpop.runners.supervised.program import regression_runner as regression_runner
from lolpop.runners.supervised.program import supervised_runner as supervised_runner
from lolpop.runners.supervised.settings import STAGES as STAGES
from lolpop.runners.supervised.settings import ApprovalSettings as ApprovalSettings
from lolpop.runners.supervised.settings import Stage as Stage
from lolpop.runners.supervised.settings import SupervisedSettings as SupervisedSettings

__all__ = [
    "PREDICTION_COLUMN",
    "STAGES",
    "STAGE_TAG",
    "ApprovalSettings",
    "Stage",
    "SupervisedComponents",
    "SupervisedSettings",
    "WorkflowReport",
    "classification_runner",
    "default_components",
    "regression_runner",
    "supervised_runner",
    "with_defaults",
]
