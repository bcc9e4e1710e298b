"""A new MLflow sqlite database is created and migrated once, under a lock beside it.

Without the lock, two processes opening a new database at once race in MLflow's alembic
migrations (`duplicate column name`, `table ... already exists`); with it, the second
waits and finds the tables made.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from mlflow import MlflowClient

from lolpop.components._mlflow import ClientHolder, TrackingError, database_lock

ROOT = Path(__file__).parents[2]

# Each process waits for the file `go` so that both open the database at the same moment
# (after their ~2 s of imports), then opens it, creates an experiment and prints its id.
_OPEN = """
import os, sys, time
from lolpop.components._mlflow import ClientHolder
holder = ClientHolder(sys.argv[1], None)
import mlflow  # imported before the start line, as a run would have
while not os.path.exists(sys.argv[2]):
    time.sleep(0.005)
holder.client()
print(holder.experiment_id("shared", None))
"""


def test_two_processes_opening_a_new_database_at_once_both_succeed(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for round_ in range(2):
        folder = tmp_path / f"round-{round_}"
        folder.mkdir()
        uri, go = f"sqlite:///{folder / 'mlflow.db'}", folder / "go"
        opening = [
            subprocess.Popen(
                [sys.executable, "-c", _OPEN, uri, str(go)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        time.sleep(0.5)
        go.touch()
        results = [process.communicate(timeout=300) for process in opening]
        for process, (_, err) in zip(opening, results, strict=True):
            assert process.returncode == 0, err[-3000:]
        # One experiment, found by both (the second process found the first's).
        assert len({out.strip() for out, _ in results}) == 1
        assert (folder / "mlflow.db.lock").is_file()
        client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        assert client.get_experiment_by_name("shared") is not None
        assert client.search_registered_models() == []


def test_threads_opening_a_new_database_at_once_all_succeed(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    start = threading.Barrier(4)

    def open_store(_: int) -> str:
        holder = ClientHolder(uri, None)
        start.wait()
        holder.client()
        return holder.experiment_id("threads", None)

    with ThreadPoolExecutor(4) as pool:
        found = set(pool.map(open_store, range(4)))
    assert len(found) == 1


def test_a_process_waits_for_the_lock_before_opening_the_database(tmp_path: Path) -> None:
    database = str(tmp_path / "mlflow.db")
    holder = ClientHolder(f"sqlite:///{database}", None)
    opened = threading.Event()

    def open_store() -> None:
        holder.client()
        opened.set()

    with database_lock(database):
        opener = threading.Thread(target=open_store)
        opener.start()
        # Another holder of the lock (here, this test) keeps it from opening the database.
        assert not opened.wait(1.0)
        assert not os.path.exists(database)
    assert opened.wait(60)
    opener.join()
    assert os.path.exists(database)


def test_a_missing_folder_is_made_and_a_file_in_its_place_refused(tmp_path: Path) -> None:
    # As MLflow does for a new database: its folder is made.
    made = tmp_path / "new" / "mlflow.db"
    ClientHolder(f"sqlite:///{made}", None).client()
    assert made.is_file()
    assert (tmp_path / "new" / "mlflow.db.lock").is_file()
    (tmp_path / "taken").write_text("a file, not a folder")
    database = tmp_path / "taken" / "mlflow.db"
    with pytest.raises(TrackingError, match=r"its lock file .*mlflow\.db\.lock cannot be made"):
        ClientHolder(f"sqlite:///{database}", None).client()


def test_a_server_uri_is_not_locked_or_opened() -> None:
    # No request is made: the client opens a server's store on first use, as before. The
    # holder only checks that the server takes a connection (one that does not is refused
    # at once: MLflow would retry for minutes).
    with socket.create_server(("127.0.0.1", 0)) as server:
        uri = f"http://127.0.0.1:{server.getsockname()[1]}"
        holder = ClientHolder(uri, uri)
        assert holder.client().tracking_uri == uri
    with pytest.raises(TrackingError, match="cannot reach the MLflow tracking server"):
        ClientHolder("http://127.0.0.1:9", None).client()
