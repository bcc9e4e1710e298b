"""lolpop's testing kit: property-test components (lolpop's and your own) with hypothesis.

The kit has three parts, each a module imported on its own (this package imports none
of them, so `import lolpop.testing` stays light):

- `lolpop.testing.strategies`: hypothesis strategies for what components take and for
  lolpop's own records. `frames_of(Schema(...))` draws frames of declared `Column`s
  (number, integer, boolean, category, text, datetime; nullable, bounded, unique,
  sorted), shrinking a failing law to the few rows it needs, of simple values;
  `classification_data` (binary or multiclass, imbalanced, every class present) and
  `regression_data` draw features with a target (`Labelled`), `frames_with_target`
  the same as one frame (what a splitter takes), `splits` the train, valid and test
  parts; `steps` draws small pure `Step[int, int]` programs made with the combinators,
  and `configs` valid workflow configs that `lolpop.config` loads.
- `lolpop.testing.laws`: laws as data. A `Law` is what every component of a type must
  do; a `Kit` gathers a component type's laws with how to exercise a component and the
  examples to draw. `check_laws(component)` makes one pytest test per law (marked
  `lolpop_law`), `run_laws(component)` runs them at once; both take your own laws too.
  `lolpop test CONFIG` runs a config's components against their kits, on samples of
  the config's own data.
- `lolpop.testing.profiles`: hypothesis profiles, `ci` (the default: 60 examples a
  test, derandomised) and `thorough` (2,000, random), chosen with `HYPOTHESIS_PROFILE`;
  lolpop's pytest plugin loads the chosen one. A test that should draw fewer examples
  asks for a share of the profile's, `settings(max_examples=scaled(0.25))`.

>>> from hypothesis import given
>>> from lolpop.testing.strategies import Column, Schema, frames_of
>>> @given(frames_of(Schema((Column("age", "integer", min=0, max=120),))))
... def ages_are_bounded(frame):
...     assert frame["age"].between(0, 120).all()
>>> ages_are_bounded()
"""
