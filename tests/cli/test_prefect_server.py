"""`lolpop run` on Prefect when the server PREFECT_API_URL names takes no connection:
one paragraph and exit 2 before anything runs (Prefect's client retried it, and the run
ended with "unexpected error" and Prefect's own words)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from tests.cli._regression import regression_folder, run_as_user

WORKFLOW = """\
runner: regression
settings: {{model_name: m, target: y, index: id}}
{backend}components:
  data: {{type: csv, path: data.csv}}
  trainer: {{type: sklearn_model, estimator: "sklearn.linear_model:Ridge"}}
  repository: {{type: local_registry}}
"""


def _closed_port() -> int:
    """A port on this machine that nothing listens on (bound, then let go)."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return int(free.getsockname()[1])


@pytest.mark.parametrize(
    ("backend", "args", "instead"),
    [
        ("", ("--backend", "prefect"), "unset it to run on a temporary local server"),
        (
            "backend: {type: prefect}\n",
            (),
            "unset it to run on a temporary local server",
        ),
        (
            "backend: {type: prefect, task_runner: dask, dask_workers: 1}\n",
            (),
            "run with `--backend prefect` and PREFECT_API_URL unset",
        ),
    ],
)
def test_a_prefect_server_that_takes_no_connection_is_said_before_anything_runs(
    tmp_path: Path, backend: str, args: tuple[str, ...], instead: str
) -> None:
    if "dask" in backend:
        pytest.importorskip("prefect_dask", reason='the `dask` extra is not installed (".[dask]")')
    regression_folder(tmp_path, WORKFLOW.format(backend=backend), rows=40)
    url = f"http://lolpop:s3cret-pass@127.0.0.1:{_closed_port()}/api"
    started = time.monotonic()
    done = run_as_user(tmp_path, url, *args)
    took = time.monotonic() - started
    assert done.returncode == 2, done.stdout + done.stderr
    said = done.stderr
    assert "lolpop run: the Prefect server at http://***@127.0.0.1:" in said
    assert "takes no connection" in said
    assert "nothing ran" in said
    assert "prefect server start" in said
    assert instead in said
    assert "s3cret-pass" not in done.stdout + done.stderr
    assert "unexpected error" not in said
    assert "Traceback" not in said
    assert len(said.strip().splitlines()) == 1, said
    assert took < 60, took  # not Prefect's minutes of retries
    assert not (tmp_path / "mlflow.db").exists()  # nothing ran: no MLflow store made
    assert not (tmp_path / ".lolpop").exists()
