"""`examples/breast_cancer/workflow.yaml`'s declared work as a plain script (see `_workflow`).

Run it in a copy of the example's folder: `python benchmarks/plain/breast_cancer.py
[--no-tracking]`.
"""

from __future__ import annotations

from _workflow import Example, main

EXAMPLE = Example(
    name="breast_cancer",
    task="classification",
    dataset="breast_cancer",
    estimator="sklearn.linear_model:LogisticRegression",
    params={"max_iter": 1000},
    grid={"C": (0.1, 1.0)},
    metric="f1",
    required=("mean radius", "mean texture", "target"),
    not_null=("mean radius", "mean texture"),
    allowed={"target": (0, 1)},
    min_rows=100,
    min_improvement=0.005,
)

if __name__ == "__main__":
    main(EXAMPLE)
