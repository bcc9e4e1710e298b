"""A small regression workflow's folder for the command-line tests (generated data), and
`lolpop run` in a process of its own, as a user runs it."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path


def regression_folder(folder: Path, workflow: str, rows: int) -> Path:
    """`folder` holding `workflow.yaml` (`workflow`) and `data.csv`: `rows` rows of `id`,
    `x1`, `x2` and a target `y` that is nearly linear in them (seeded: the same each
    time). Returns the config's path."""
    draws = random.Random(0)
    lines = ["id,x1,x2,y"]
    for number in range(rows):
        a, b = draws.random(), draws.random()
        lines.append(f"{number},{a:.4f},{b:.4f},{2 * a - b + draws.random() / 10:.4f}")
    (folder / "data.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = folder / "workflow.yaml"
    config.write_text(workflow, encoding="utf-8")
    return config


def lolpop_script() -> str:
    """The `lolpop` console script installed beside the Python running the tests."""
    found = shutil.which("lolpop", path=str(Path(sys.executable).parent))
    assert found is not None, "the `lolpop` console script is not installed"
    return found


def run_as_user(folder: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`lolpop run workflow.yaml ARGS` in `folder`, in a new process, against the Prefect
    server at `url`, with Prefect's and MLflow's settings as a user has them (unset):
    Prefect configures its loggers when it is imported, after lolpop set their levels."""
    env = {**os.environ, "PREFECT_API_URL": url, "COLUMNS": "100"}
    for name in (
        "MLFLOW_TRACKING_URI",
        "PREFECT_LOGGING_LEVEL",
        "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL",
    ):
        env.pop(name, None)
    return subprocess.run(
        [lolpop_script(), "run", "workflow.yaml", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
