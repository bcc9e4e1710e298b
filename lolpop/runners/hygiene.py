"""Cleaning up after runs that died: what `lolpop run` does before it starts, and what
`lolpop runs` does before it lists.

A run that died (SIGKILL, a power cut) cannot clean up after itself. Once its process
is gone (`lolpop._process`: same host, no such pid), the next `lolpop run` or
`lolpop runs`:

- ends its run log with "killed" (a resume still picks it: `--resume last`);
- marks the MLflow runs it left RUNNING as KILLED, tagged `lolpop.swept`, so that the
  UI stops showing them as running (a resume takes them over and reopens them);
- removes the temporary files it left beside the files it was writing
  (`.NAME.<pid>-<random>.tmp`, under the work folder and beside each output path).

Nothing of a process that may still be running is touched. A run interrupted by Ctrl-C
marks its own MLflow runs KILLED before it exits (`end_interrupted`), as a sweep would.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from attrs import frozen

from lolpop._process import HOST, gone, pid_gone, this_process
from lolpop.backends.cache import RunLog, runs

_TEMPORARY = re.compile(r"^\..+\.(\d+)-[0-9a-f]+\.tmp$")


@frozen
class Swept:
    """What a sweep cleaned up."""

    #: Run logs ended as killed (run ids).
    runs: tuple[str, ...] = ()
    #: MLflow runs marked KILLED (MLflow run ids).
    tracked: tuple[str, ...] = ()
    #: Temporary files removed.
    files: tuple[str, ...] = ()

    def to_text(self) -> str:
        """One line per kind of thing cleaned up ("" when nothing was)."""
        lines = []
        if self.runs:
            lines.append(f"marked {len(self.runs)} dead run(s) killed: {', '.join(self.runs)}")
        if self.tracked:
            lines.append(
                f"marked {len(self.tracked)} MLflow run(s) of dead runs KILLED: "
                + ", ".join(self.tracked)
            )
        if self.files:
            lines.append(f"removed {len(self.files)} temporary file(s) of dead runs")
        return "\n".join(lines)


def sweep_logs(folder: Path) -> tuple[str, ...]:
    """End the log of every run in `folder` whose process is gone as "killed"."""
    dead = [info.run_id for info in runs(folder) if info.gone]
    for run_id in dead:
        RunLog(folder, run_id).end("killed")
    return tuple(dead)


def sweep_files(trees: Iterable[Path], folders: Iterable[Path] = ()) -> tuple[str, ...]:
    """Remove the temporary files that processes now gone left in `trees` (searched to
    any depth) and in `folders` (not their subfolders)."""
    found = [path for tree in trees if tree.is_dir() for path in tree.rglob(".*.tmp")]
    found += [path for folder in folders if folder.is_dir() for path in folder.glob(".*.tmp")]
    removed = []
    for path in sorted(set(found)):
        match = _TEMPORARY.match(path.name)
        if match is not None and pid_gone(int(match.group(1))) and path.is_file():
            path.unlink(missing_ok=True)
            removed.append(str(path))
    return tuple(removed)


def sweep_tracking(tracking_uri: str) -> tuple[str, ...]:
    """Mark KILLED the MLflow runs at `tracking_uri` still RUNNING for a process of this
    host that is gone (a SQLite file that does not exist is not created)."""
    return _kill_running(tracking_uri, f"{HOST}:%", gone)


def end_interrupted(tracking_uris: Iterable[str]) -> tuple[str, ...]:
    """Mark KILLED the MLflow runs that this process left RUNNING at `tracking_uris` (a
    run interrupted by Ctrl-C): as a sweep would once the process is gone, so that a
    resume reopens them and the UI stops showing them as running."""
    own = this_process()
    return tuple(
        run
        for uri in sorted(set(tracking_uris))
        for run in _kill_running(uri, own, lambda owner: owner == own)
    )


def _kill_running(tracking_uri: str, like: str, whose: Callable[[str], bool]) -> tuple[str, ...]:
    """Mark KILLED (tagged swept) the runs at `tracking_uri` still RUNNING whose process
    tag is LIKE `like` and `whose` says are to end."""
    from lolpop.components.mlflow_tracker import PROCESS_TAG, SWEPT_TAG  # noqa: PLC0415

    if (
        tracking_uri.startswith("sqlite:///")
        and not Path(tracking_uri.removeprefix("sqlite:///")).exists()
    ):
        return ()
    from lolpop.components._mlflow import TrackingError, check_reachable  # noqa: PLC0415

    try:
        check_reachable(tracking_uri)
    except TrackingError:
        return ()  # nothing to sweep there: the run's first tracked step says why
    from mlflow import MlflowClient  # noqa: PLC0415 (heavy: imported on use)

    client = MlflowClient(tracking_uri)
    experiments = [experiment.experiment_id for experiment in client.search_experiments()]
    if not experiments:
        return ()
    running = client.search_runs(
        experiments,
        filter_string=f"attributes.status = 'RUNNING' and tags.`{PROCESS_TAG}` LIKE '{like}'",
        max_results=1000,
    )
    killed = []
    for run in running:
        if whose(run.data.tags.get(PROCESS_TAG, "")):
            client.set_tag(run.info.run_id, SWEPT_TAG, "true")
            client.set_terminated(run.info.run_id, "KILLED")
            killed.append(run.info.run_id)
    return tuple(killed)


def sweep(
    cache_dir: Path,
    trees: Iterable[Path] = (),
    folders: Iterable[Path] = (),
    tracking_uris: Iterable[str] = (),
) -> Swept:
    """Clean up after every dead run: its log in `cache_dir`, its temporary files in
    `trees` (to any depth) and `folders`, its MLflow runs at `tracking_uris`."""
    tracked = [run for uri in sorted(set(tracking_uris)) for run in sweep_tracking(uri)]
    return Swept(sweep_logs(cache_dir / "runs"), tuple(tracked), sweep_files(trees, folders))
