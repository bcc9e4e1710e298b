"""`lolpop check` imports only what checking needs; it still refuses a bad reference.

Checking a config decodes it and builds every component and stage: nothing is tracked,
drawn, run on Prefect or property-tested, so MLflow, matplotlib, Prefect, Hypothesis,
SQLAlchemy, DuckDB and skops (which imports pytest) stay out of the process. So do
pandas, NumPy and pyarrow: the steps' declared types name pandas' classes, and a check
compares them through stand-ins (`lolpop._lazy`) unless a user's module imports pandas,
whose classes then compare as the stand-ins do. An `estimator:` is checked against the
table of scikit-learn's estimators lolpop ships (benchmarks/cli_startup.py says what a
check costs).
"""

from __future__ import annotations

import subprocess
import sys
import typing
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
    "pandas",
    "numpy",
    "pyarrow",
    "sklearn",
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


@pytest.mark.parametrize("example", ["churn", "forecasting"])
def test_checking_an_example_imports_no_tracking_drawing_orchestration_or_pandas(
    example: str,
) -> None:
    # Not offline: looking at the files the workflow reads and writes is the most it does.
    # churn reads a CSV file's header; forecasting a packaged dataset's, and a frequency.
    config = CHURN.parent.parent / example / "workflow.yaml"
    arguments = [str(config), ",".join(NOT_FOR_CHECKING)]
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


def test_a_user_module_that_imports_pandas_mid_check_compares_as_the_stand_ins() -> None:
    # The testing example's transformer and hooks are the user's, typed with pandas'
    # own classes: its module is imported after some steps were built with stand-ins.
    config = CHURN.parent.parent / "testing" / "workflow.yaml"
    done = subprocess.run(
        [sys.executable, "-c", _CHECK_IN_A_FRESH_PROCESS, str(config), "pandas"],
        capture_output=True,
        text=True,
        check=True,
        cwd=CHURN.parent.parent.parent,
    )
    lines = done.stdout.splitlines()
    assert "EXIT:0" in lines, done.stderr
    assert "HEAVY:pandas" in lines  # the user's module imported it


_STAND_INS = """
import sys
import typing
from lolpop._lazy import declaring, pd
from lolpop.core._hints import fits

with declaring():
    frame, series = pd.DataFrame, pd.Series
assert "pandas" not in sys.modules, "a stand-in imported pandas"
assert isinstance(frame, type) and frame.__qualname__ == "DataFrame"
assert fits(frame, frame) and not fits(frame, series) and not fits(series, frame)
import pandas
assert frame is not pandas.DataFrame
assert fits(frame, pandas.DataFrame) and fits(pandas.DataFrame, frame)
assert fits(tuple[int, frame], tuple[int, pandas.DataFrame])
assert fits(typing.Optional[pandas.DataFrame], typing.Optional[frame])
assert not fits(pandas.Series, frame) and not fits(frame, pandas.Series)
with declaring():
    assert pd.DataFrame is pandas.DataFrame, "a stand-in once pandas is imported"
print("OK")
"""


def test_a_stand_in_fits_where_pandas_class_does_and_nowhere_else() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _STAND_INS], capture_output=True, text=True, check=False
    )
    assert done.stdout.strip() == "OK", done.stderr


def test_outside_a_check_pandas_classes_are_pandas_own() -> None:
    import pandas  # noqa: PLC0415

    from lolpop._lazy import pd  # noqa: PLC0415

    assert pd.DataFrame is pandas.DataFrame
    assert pd.api.types.is_numeric_dtype is pandas.api.types.is_numeric_dtype


def test_a_function_that_reads_pandas_through_lolpop_pickles_by_value() -> None:
    # A step made inside a function is sent to a Dask worker by value, with the globals
    # it reads: `pd` goes as the library, not as lolpop's stand-in for it.
    import copy  # noqa: PLC0415
    import pickle  # noqa: PLC0415

    import cloudpickle  # type: ignore[import-untyped]  # noqa: PLC0415 (Dask's; ships no types)
    import pandas  # noqa: PLC0415

    from lolpop._lazy import pd  # noqa: PLC0415

    def make() -> typing.Callable[[int], object]:
        def frame_of(x: int) -> object:
            return pd.DataFrame({"x": [x]})

        return frame_of

    sent = pickle.loads(cloudpickle.dumps(make()))
    assert isinstance(sent(1), pandas.DataFrame)
    assert pickle.loads(pickle.dumps(pd)) is pandas
    assert copy.deepcopy(pd) is pd
    assert copy.copy(pd) is pd
