"""lolpop: a typed, functional pipeline DSL for machine-learning workflows.

Importing lolpop is light: it loads none of pandas, scikit-learn, MLflow or Prefect;
the modules that use them import them when they are used. The public names below are
loaded on first use (PEP 562), so that `import lolpop` (and the `lolpop` command's
start) costs almost nothing; to mypy they are plain imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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

#: Each public name and the module it comes from.
_HOMES = {
    "run": "lolpop.backends.run",
    "both": "lolpop.core.combinators",
    "branch": "lolpop.core.combinators",
    "fanout": "lolpop.core.combinators",
    "identity": "lolpop.core.combinators",
    "map_each": "lolpop.core.combinators",
    "on_failure": "lolpop.core.combinators",
    "retry": "lolpop.core.combinators",
    "then": "lolpop.core.combinators",
    "make_step": "lolpop.core.decorator",
    "step": "lolpop.core.decorator",
    "RunFailure": "lolpop.core.failure",
    "Backoff": "lolpop.core.step",
    "Step": "lolpop.core.step",
    "DefinitionError": "lolpop.errors",
    "LolpopError": "lolpop.errors",
    "StepFailure": "lolpop.errors",
    "WiringError": "lolpop.errors",
}

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


def __getattr__(name: str) -> object:
    """A public name, imported from its module on first use (then kept here)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'lolpop' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
