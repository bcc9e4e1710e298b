"""The version store (and the step cache, which saves through it) writes and reads a
skops file without importing a test framework: `import skops.io` alone would import
pytest and dask (~1 s), as MLflow's models once did (issue 16)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_SAVE_AND_LOAD = """
import json, sys
from sklearn.linear_model import LogisticRegression
from lolpop.components.version_store import encode_object, _skops_io
model = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
data = encode_object("model", model, ())
back = _skops_io().loads(data, trusted=[])
imported = sorted(name for name in ("pytest", "_pytest", "dask") if name in sys.modules)
print(json.dumps({"imported": imported, "same": back.predict([[2.5]]).tolist()}))
"""


def test_a_skops_file_is_written_and_read_without_pytest_or_dask() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _SAVE_AND_LOAD],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == '{"imported": [], "same": [1]}'
