"""`lolpop check` imports only what checking needs; it still refuses a bad reference.

Checking a config decodes it and builds every component and stage: nothing is tracked,
drawn, run on Prefect or property-tested, so MLflow, matplotlib, Prefect, Hypothesis,
SQLAlchemy, DuckDB and skops (which imports pytest) stay out of the process. pandas and
scikit-learn do not: the steps' declared types are pandas types, and an `estimator:`
class is checked (its parameters' names and values, its task) by scikit-learn's own
validation (benchmarks/cli_startup.py says what that costs).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lolpop.cli import app

CHURN = Path(__file__).resolve().parent.parent / "examples" / "churn" / "workflow.yaml"
#: Libraries that checking a config must not import.
NOT_FOR_CHECKING = (
    "mlflow",
    "matplotlib",
    "prefect",
    "hypothesis",
    "statsmodels",
    "sqlalchemy",
    "duckdb",
    "skops",
    "pytest",
    "prefect_dask",
)

_CHECK_IN_A_FRESH_PROCESS = """
import contextlib, io, sys
import lolpop.cli
unwanted = set(sys.argv[-1].split(","))
sys.argv = ["lolpop", "check", *sys.argv[1:-1]]
code = 0
with contextlib.redirect_stdout(io.StringIO()):
    try:
        lolpop.cli.main()
    except SystemExit as done:
        code = done.code or 0
heavy = sorted({m.split(".")[0] for m in sys.modules} & unwanted)
print(f"EXIT:{code}")
print("HEAVY:" + ",".join(heavy))
"""


def test_checking_an_example_imports_no_tracking_drawing_or_orchestration() -> None:
    # Not offline: looking at the files the workflow reads and writes is the most it does.
    arguments = [str(CHURN), ",".join(NOT_FOR_CHECKING)]
    done = subprocess.run(
        [sys.executable, "-c", _CHECK_IN_A_FRESH_PROCESS, *arguments],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert "EXIT:0" in lines, done.stderr
    assert "HEAVY:" in lines, f"checking imported {lines[-1].removeprefix('HEAVY:')}"


@pytest.mark.parametrize(
    ("reference", "why"),
    [
        ("sklearn.no_such_module:LogisticRegression", "No module named 'sklearn.no_such_module'"),
        ("sklearn.linear_model:NoSuchModel", "sklearn.linear_model.NoSuchModel does not exist"),
    ],
    ids=["module", "attribute"],
)
def test_check_refuses_an_estimator_that_does_not_resolve_with_its_path(
    tmp_path: Path, reference: str, why: str
) -> None:
    text = CHURN.read_text(encoding="utf-8")
    named = "estimator: sklearn.linear_model:LogisticRegression"
    assert named in text
    config = tmp_path / "workflow.yaml"
    config.write_text(text.replace(named, f"estimator: {reference}", 1), encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(config), "--offline"])
    assert result.exit_code == 2
    assert f"'{reference}' does not resolve: {why}" in result.output
    assert "@ $.components.trainer.estimator" in result.output
