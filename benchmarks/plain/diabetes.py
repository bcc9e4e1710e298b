"""`examples/diabetes/workflow.yaml`'s declared work as a plain script (see `_workflow`).

Run it in a copy of the example's folder: `python benchmarks/plain/diabetes.py
[--no-tracking]`.
"""

from __future__ import annotations

from _workflow import Example, main

EXAMPLE = Example(
    name="diabetes",
    task="regression",
    dataset="diabetes",
    estimator="sklearn.linear_model:Ridge",
    params={},
    grid={"alpha": (0.1, 1.0, 10.0)},
    metric="rmse",
    min_improvement=0.5,
)

if __name__ == "__main__":
    main(EXAMPLE)
