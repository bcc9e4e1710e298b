"""Hypothesis property tests: the laws of lolpop's combinators and its failure reports.

Run them from the repository root with `pytest property_tests -p no:cacheprovider`;
`HYPOTHESIS_PROFILE=thorough` runs many more examples (see `conftest.py`).

- `strategies`: a small tree language of `int -> int` programs over every combinator,
  its lolpop build, and the hypothesis strategies that generate trees, steps and chains;
- `model`: a plain-Python interpreter of the same trees (paths, calls, outputs,
  failures, plans), the reference the programs are held to;
- `test_laws`: associativity and unit of `>>`, fanout projection, `map_each` and `both`
  distributing over `>>`, `branch` with equal arms;
- `test_failures`: a failure names exactly the failing step, in chains of 1 to 40 steps
  with unique or repeated names and named stages; retries count their attempts;
- `test_model`: random programs against the model, including run records and dry runs;
- `test_backends`: concurrent and time-limited runs agree with sequential ones.
"""
