"""Every built-in of the insight family keeps the laws of its kind.

One `check_laws` call per built-in, each making one test per law under the active
hypothesis profile: both tuners (a logistic regression's `C` searched by f1), the
permutation explainer, the classification baseline checker and the bias checker.

Each example of a tuner, an explainer or a model checker fits models (a tuner one per
trial), so these draw a share of the profile's examples (`share=`), with small
settings (two or three trials, one thread, few permutation repeats), on one BLAS
thread, as the model family's tests do.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]  # ships no types

from lolpop.components.bias import BiasSettings, bias_checker
from lolpop.components.explainer import ExplainerSettings, permutation_explainer
from lolpop.components.model_checker import classification_baseline
from lolpop.components.tuner import (
    GridSearchSettings,
    RandomSearchSettings,
    grid_search,
    random_search,
)
from lolpop.testing.laws import check_laws
from lolpop.testing.laws.insight import bias_examples

_LOGISTIC = "sklearn.linear_model:LogisticRegression"


@pytest.fixture(autouse=True)
def _one_blas_thread() -> Iterator[None]:
    with threadpool_limits(limits=1, user_api="blas"):
        yield


check_laws(
    grid_search(GridSearchSettings(_LOGISTIC, "f1", {"C": (0.1, 1.0)}, n_jobs=1)),
    name="grid search",
    share=0.2,
)
check_laws(
    random_search(
        RandomSearchSettings(_LOGISTIC, "log_loss", {"C": (0.01, 0.1, 1.0)}, n_jobs=1, n_trials=2)
    ),
    name="random search",
    share=0.2,
)
check_laws(
    permutation_explainer(ExplainerSettings(n_repeats=2)),
    name="permutation explainer",
    share=0.2,
)
check_laws(classification_baseline(), name="classification baseline", share=0.3)
check_laws(
    bias_checker(BiasSettings("group")),
    bias_examples("group"),
    name="bias checker",
)
