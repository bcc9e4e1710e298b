"""Every built-in of the model and quality families keeps the laws of its kind.

One `check_laws` call per built-in, each making one test per law under the active
hypothesis profile: scikit-learn trainers as a config makes them (`sklearn_model`: a
logistic regression, a decision tree, a ridge regression), both metrics evaluators, the
drift comparer, the rules checker and the profiler.

The row-order law is declared where it holds: the tree (exactly) and ridge (within
rounding). Not for the logistic regression: its lbfgs fit stops within a tolerance, at
a point that depends on the order it sums the rows in (on unscaled features near 1e6
its probabilities moved by 3e-4 with the order of the rows; the kit's examples, scaled,
happen not to show it).

The kits' default examples are small (a trainer's: 6 to 30 rows), since a fit is what
each example costs, and they run on one BLAS thread: a fit of thirty rows gains nothing
from more, and on a busy machine the threads' hand-offs made the logistic regression's
fits ten to fifty times slower.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]  # ships no types

from lolpop.components.data_checker import CheckerSettings, Rule, rules_checker
from lolpop.components.drift import DriftSettings, drift_comparer
from lolpop.components.metrics import classification_metrics, regression_metrics
from lolpop.components.profiler import ProfilerSettings, pandas_profiler
from lolpop.components.sklearn_trainer import TrainerSettings, sklearn_model
from lolpop.testing.laws import check_laws
from lolpop.testing.laws.model import row_order_law


@pytest.fixture(autouse=True)
def _one_blas_thread() -> Iterator[None]:
    with threadpool_limits(limits=1, user_api="blas"):
        yield


check_laws(
    sklearn_model(TrainerSettings("sklearn.linear_model:LogisticRegression")),
    name="logistic regression",
)
check_laws(
    sklearn_model(TrainerSettings("sklearn.tree:DecisionTreeClassifier", {"max_depth": 4})),
    laws=(row_order_law(),),
    name="decision tree",
)
check_laws(
    sklearn_model(TrainerSettings("sklearn.linear_model:Ridge")),
    laws=(row_order_law(),),
    name="ridge",
)
check_laws(classification_metrics(), name="classification metrics")
check_laws(regression_metrics(), name="regression metrics")
check_laws(drift_comparer(DriftSettings()), name="drift")
check_laws(
    rules_checker(CheckerSettings((Rule("not_null", columns=("num_0",)),))),
    name="rules checker",
)
check_laws(pandas_profiler(ProfilerSettings()), name="profiler")
