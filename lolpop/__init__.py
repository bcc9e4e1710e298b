"""lolpop: a typed, functional pipeline DSL for machine-learning workflows.

Importing lolpop is light: it loads none of pandas, scikit-learn, MLflow or Prefect;
the modules that use them import them when they are used.
"""

from lolpop.backends.run import run as run
from lolpop.core.combinators import both as both
from lolpop.core.combinators import branch as branch
from lolpop.core.combinators import fanout as fanout
from lolpop.core.combinators import identity as identity
from lolpop.core.combinators import map_each as map_each
from lolpop.core.combinators import on_failure as on_failure
from lolpop.core.combinators import retry as retry
from lolpop.core.combinators import then as then
from lolpop.core.decorator import make_step as make_step
from lolpop.core.decorator import step as step
from lolpop.core.failure import RunFailure as RunFailure
from lolpop.core.step import Backoff as Backoff
from lolpop.core.step import Step as Step
from lolpop.errors import DefinitionError as DefinitionError
from lolpop.errors import LolpopError as LolpopError
from lolpop.errors import StepFailure as StepFailure
from lolpop.errors import WiringError as WiringError

__version__ = "0.1.0"

__all__ = [
    "Backoff",
    "DefinitionError",
    "LolpopError",
    "RunFailure",
    "Step",
    "StepFailure",
    "WiringError",
    "__version__",
    "both",
    "branch",
    "fanout",
    "identity",
    "make_step",
    "map_each",
    "on_failure",
    "retry",
    "run",
    "step",
    "then",
]
