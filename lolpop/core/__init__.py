"""The typed core: steps, combinators, paths and failures."""

from lolpop.core.combinators import both as both
from lolpop.core.combinators import branch as branch
from lolpop.core.combinators import fanout as fanout
from lolpop.core.combinators import identity as identity
from lolpop.core.combinators import map_each as map_each
from lolpop.core.combinators import retry as retry
from lolpop.core.combinators import then as then
from lolpop.core.decorator import make_step as make_step
from lolpop.core.decorator import step as step
from lolpop.core.failure import RunFailure as RunFailure
from lolpop.core.paths import leaves as leaves
from lolpop.core.step import Backoff as Backoff
from lolpop.core.step import Step as Step
from lolpop.core.step import StepMeta as StepMeta

__all__ = [
    "Backoff",
    "RunFailure",
    "Step",
    "StepMeta",
    "both",
    "branch",
    "fanout",
    "identity",
    "leaves",
    "make_step",
    "map_each",
    "retry",
    "step",
    "then",
]
