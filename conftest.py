"""Test-session setup shared by tests/ and property_tests/.

Prefect and MLflow are isolated for the whole session before either is imported:
a temporary PREFECT_HOME and MLflow tracking store, no telemetry, quiet logs.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator

import pytest

# Tests that run `mypy` or `lolpop` look them up on PATH: make them the ones installed
# beside the Python running the tests, so `.venv/bin/python -m pytest` works unactivated.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")

_SESSION_DIR = tempfile.mkdtemp(prefix="lolpop-tests-")
os.environ.update(
    {
        "PREFECT_HOME": os.path.join(_SESSION_DIR, "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "DO_NOT_TRACK": "1",
        "MLFLOW_TRACKING_URI": "sqlite:///" + os.path.join(_SESSION_DIR, "mlflow.db"),
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "MLFLOW_LOGGING_LEVEL": "WARNING",
        # Kept checks (`lolpop.components._facts`) stay in the session, not in ~/.cache.
        "LOLPOP_CACHE_DIR": os.path.join(_SESSION_DIR, "cache"),
    }
)
os.environ.pop("PREFECT_API_URL", None)


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[str]:
    """One temporary Prefect server and database for the session (starting one costs
    10-20 s); yields its API URL."""
    from prefect.settings import PREFECT_API_URL  # noqa: PLC0415 (prefect is heavy: on use)
    from prefect.testing.utilities import prefect_test_harness  # noqa: PLC0415

    with prefect_test_harness(server_startup_timeout=90):
        url = str(PREFECT_API_URL.value())
        # Dask workers in other processes find the same server through the environment.
        os.environ["PREFECT_API_URL"] = url
        try:
            yield url
        finally:
            os.environ.pop("PREFECT_API_URL", None)


@pytest.fixture(autouse=True)
def _garbage_collector_restored() -> Iterator[None]:
    """A test that calls `lolpop.cli.main` in process leaves the collector as a command
    leaves it (off, everything frozen: the process is meant to end); the next test gets
    it back as Python starts it."""
    import gc  # noqa: PLC0415

    yield
    if gc.get_freeze_count():
        gc.unfreeze()
    if not gc.isenabled():
        gc.enable()


#: Modules whose background threads, once a test has started them, draw from the global
#: `random`: the keepalive ping of Prefect's events websocket, Dask's IO loop (gathering
#: results, sizing messages). Hypothesis compares the global state around each draw and
#: takes such a draw for a strategy's ("Do not use the `random` module inside
#: strategies"), in whichever property test runs at that moment.
_DRAW_IN_THE_BACKGROUND = ("websockets.asyncio.connection", "distributed.utils_comm", "dask.sizeof")


@pytest.fixture(autouse=True)
def _background_draws_apart() -> None:
    """Each of those modules, once imported, draws from a `random.Random` of its own."""
    import random  # noqa: PLC0415

    for name in _DRAW_IN_THE_BACKGROUND:
        module = sys.modules.get(name)
        if module is not None and vars(module).get("random") is random:
            vars(module)["random"] = random.Random()


#: The test files that take longest (seconds of work each, measured on 2 cores),
#: longest first. They are handed to the workers before every other file: with
#: pytest-xdist's default order (files with the most tests first) the long files of few
#: tests came last, and a run ended waiting a minute for one of them on one worker.
_LONG_FILES = (
    "tests/cli/test_deployment.py",
    "tests/cli/test_scaffold.py",
    "property_tests/test_builtin_laws_model.py",
    "property_tests/test_builtin_laws_data.py",
    "tests/runners/test_kill_and_resume.py",
    "tests/examples/test_examples.py",
    "tests/testing/test_laws_data.py",
    "tests/config/test_loading.py",
    "tests/test_user_project.py",
    "tests/runners/test_soak.py",
    "tests/testing/test_cli_test.py",
    "tests/typesafety/test_workflows.yml",
    "tests/runners/test_forecasting_runner.py",
    "tests/backends/test_prefect.py",
    "property_tests/test_builtin_laws_insight.py",
    "tests/runners/test_concurrent_runs.py",
    "tests/cli/test_prefect_output.py",
    "property_tests/test_config_fuzz.py",
    "property_tests/test_agreement.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long files' tests first, longest file first; the rest in collection order
    (`--no-loadscope-reorder` in pyproject.toml makes pytest-xdist keep this order)."""
    rank = {path: place for place, path in enumerate(_LONG_FILES)}

    def order(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return rank.get(path, len(_LONG_FILES))

    items.sort(key=order)  # stable: within a file, and among the rest, nothing moves
