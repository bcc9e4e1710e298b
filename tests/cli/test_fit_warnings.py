"""A warning scikit-learn raises while a run fits a model (it did not converge...) is
said as lolpop says things: one line naming the model and its parameters, not
scikit-learn's paragraph with its source file and line."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

from lolpop.components._fitting import fitting, fitting_now
from tests.cli._regression import regression_folder

#: A regressor stopped after one pass over the data: it warns that it did not converge.
WORKFLOW = """\
runner: regression
settings: {model_name: m, target: y, index: id}
components:
  data: {type: csv, path: data.csv}
  trainer:
    type: sklearn_model
    estimator: "sklearn.linear_model:SGDRegressor"
    params: {max_iter: 1}
  tracker: {type: memory}
  repository: {type: local_registry}
"""


def test_a_warning_while_fitting_names_the_model_and_its_parameters(tmp_path: Path) -> None:
    config = regression_folder(tmp_path, WORKFLOW, rows=60)
    done = subprocess.run(
        [sys.executable, "-c", "from lolpop.cli import main; main()", "run", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTHONWARNINGS")},
    )
    assert done.returncode == 0, done.stderr
    said = [line for line in done.stderr.splitlines() if "ConvergenceWarning" in line]
    assert said, done.stderr
    assert said[0].startswith(
        "[WARNING] fitting sklearn.linear_model.SGDRegressor with max_iter=1, "
        "random_state=0: ConvergenceWarning: Maximum number of iteration reached"
    ), said[0]
    assert "sklearn/linear_model" not in done.stderr  # no source path, no source line


def test_what_is_being_fitted_is_this_threads_own() -> None:
    assert fitting_now() is None
    with fitting("fitting A"):
        assert fitting_now() == "fitting A"
        with fitting("fitting B"):
            assert fitting_now() == "fitting B"
        assert fitting_now() == "fitting A"
    assert fitting_now() is None
    with warnings.catch_warnings():  # nothing is changed outside a fit
        assert fitting_now() is None
