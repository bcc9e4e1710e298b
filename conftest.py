"""Test-session setup shared by tests/ and property_tests/."""

from __future__ import annotations

import os
import sys

# The type tests (pytest-mypy-plugins) look `mypy` up on PATH: make it the one installed
# beside the Python running the tests, so `.venv/bin/python -m pytest` works unactivated.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
