"""`examples/wine/workflow.yaml`'s declared work as a plain script (see `_workflow`).

Run it in a copy of the example's folder: `python benchmarks/plain/wine.py [--no-tracking]`.
"""

from __future__ import annotations

from _workflow import Example, main

EXAMPLE = Example(
    name="wine",
    task="classification",
    dataset="wine",
    estimator="sklearn.ensemble:RandomForestClassifier",
    params={"n_estimators": 50},
    grid={"max_depth": (3, None)},
    metric="f1",
    average="macro",
    min_improvement=0.01,
    trusted=("numpy.dtype", "sklearn.tree._tree.Tree"),
)

if __name__ == "__main__":
    main(EXAMPLE)
