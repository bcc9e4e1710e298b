"""Test-session setup shared by tests/ and property_tests/.

Prefect and MLflow are isolated for the whole session before either is imported:
a temporary PREFECT_HOME and MLflow tracking store, no telemetry, quiet logs.
"""

from __future__ import annotations

import os
import sys
import tempfile

# The type tests (pytest-mypy-plugins) look `mypy` up on PATH: make it the one installed
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
    }
)
os.environ.pop("PREFECT_API_URL", None)
