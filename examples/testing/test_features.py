"""A user's tests of their own components with lolpop's laws: `pytest` makes one test per
law (`-m lolpop_law` selects them), each drawing examples with hypothesis.

    pytest examples/testing/test_features.py
"""

from examples.testing.features import add_ratios, two_classes
from lolpop import step
from lolpop.components.function_transformer import make_transformer
from lolpop.testing.laws import check_laws
from lolpop.testing.laws.data import keeps_index_law
from lolpop.testing.strategies import Column, Schema, frames_of

MEASUREMENTS = Schema(
    (
        Column("mean radius", "number", min=0, max=30),
        Column("mean area", "number", min=0, max=2500),
        Column("worst area", "number", min=0, max=4000),
    ),
    max_rows=20,
)

# The laws of a transformer (deterministic, never mutates its input, output survives
# pickling), and one it opts into: it keeps every row and its index.
check_laws(make_transformer(add_ratios), frames_of(MEASUREMENTS), laws=(keeps_index_law(),))

# A hook's check is a plain function; as a step, the laws of every step apply to it.
LABELLED = Schema((Column("target", "integer", min=0, max=1),), max_rows=30)
check_laws(step(two_classes), frames_of(LABELLED))
