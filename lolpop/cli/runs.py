"""`lolpop runs`: the run ledger (`lolpop runs [CONFIG]`) and one MLflow run
(`lolpop runs show RUN_ID`); and the check every read-only command makes first.

Design notes:

- Read-only commands never create a store. MLflow makes an empty database (and its
  folder) for a `sqlite:///` URI it is pointed at, and logs INFO lines while it does, so
  a read-only command checks the store exists before MLflow is imported
  (`check_store`): a missing one is a one-line message and exit 2, and nothing is
  written. MLflow's INFO logging is turned down for these commands.
- `runs` is a group whose default is `ledger`: `lolpop runs [CONFIG]` keeps working
  (it is `lolpop runs ledger [CONFIG]`), and `lolpop runs show RUN_ID` sits beside it.
  A first word that is not a subcommand (a config's path, an option) goes to `ledger`
  (`_LedgerByDefault`); click cannot have an optional positional before subcommands.
- A run is shown through `MlflowClient` alone (no lolpop component is built), and
  opened without the lock `make_client` takes, which would leave a lock file beside a
  database it only reads.
"""

from __future__ import annotations

import datetime
import difflib
import logging
import os
import urllib.parse
from typing import TYPE_CHECKING

import typer
from attrs import frozen
from typer.core import TyperGroup

from lolpop.cli import _echo, _example, runs_command

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities import Run

    # typer 0.29 vendors click: its groups take the vendored `Context`, not click's.
    from typer._click import Context

#: The subcommand `lolpop runs` runs when its first word is none of its subcommands.
_DEFAULT = "ledger"
_TRACKING_URI_HELP = (
    "MLflow's tracking URI (default: MLFLOW_TRACKING_URI, else sqlite:///mlflow.db)."
)


class _LedgerByDefault(TyperGroup):
    """A group that runs `ledger` when the first word is not one of its subcommands."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        if not args or not self._is_subcommand(ctx, args[0]):
            args = [_DEFAULT, *args]
        return super().parse_args(ctx, args)

    def _is_subcommand(self, ctx: Context, word: str) -> bool:
        """Whether `word` is a subcommand, `--help`, or a misspelt subcommand (`sho`, not
        a file), which click then refuses with the name it meant."""
        if word in self.commands or word in self.get_help_option_names(ctx):
            return True
        return not os.path.exists(word) and bool(
            difflib.get_close_matches(word, list(self.commands), cutoff=0.75)
        )


runs_app = typer.Typer(
    cls=_LedgerByDefault,
    help="The runs: the run ledger of a work folder (`ledger`, the default), or one "
    "MLflow run (`show`).",
    epilog=_example(
        "lolpop runs",
        "lolpop runs examples/churn/workflow.yaml",
        "lolpop runs show 3f2a9c0d5e6b4a1f8c7d2e9b0a1c3d4e",
    ),
    rich_markup_mode=None,
)


def store_path(tracking_uri: str) -> str | None:
    """The file or folder a local store lives in (None: a server's, or in memory).

    >>> store_path("sqlite:////data/mlflow.db")
    '/data/mlflow.db'
    >>> store_path("file:///data/mlruns")
    '/data/mlruns'
    >>> store_path("http://localhost:5000") is None
    True
    """
    from lolpop.components._mlflow import sqlite_path  # noqa: PLC0415 (numpy: not at startup)

    database = sqlite_path(tracking_uri)
    if database is not None:
        return database
    if tracking_uri.startswith("file:"):
        return os.path.abspath(urllib.parse.unquote(urllib.parse.urlparse(tracking_uri).path))
    if ":" not in tracking_uri:  # a bare path is a file store
        return os.path.abspath(tracking_uri)
    return None


def quiet_mlflow() -> None:
    """Turn MLflow's INFO lines down to warnings (before or after it is imported)."""
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)


def check_store(command: str, tracking_uri: str | None) -> str:
    """The resolved tracking URI of a read-only command, after checking its store exists:
    if not, one line on stderr and exit 2, with nothing created."""
    from lolpop.components._mlflow import resolve_tracking_uri  # noqa: PLC0415

    uri = resolve_tracking_uri(tracking_uri)
    path = store_path(uri)
    if path is not None and not os.path.exists(path):
        _echo(
            f"lolpop {command}: no MLflow store at {path} "
            "(run a workflow first, or pass --tracking-uri)",
            err=True,
        )
        raise typer.Exit(code=2)
    quiet_mlflow()
    return uri


@frozen
class RunSummary:
    """What `lolpop runs show` prints of one MLflow run."""

    run_id: str
    name: str
    experiment: str
    stage: str
    status: str
    started: float | None
    ended: float | None
    metrics: tuple[tuple[str, float], ...]
    params: int
    model_version: str
    registered: tuple[str, ...]
    datasets: tuple[str, ...]
    parent: str
    nested: int

    def to_text(self) -> str:
        """The run, a line per field.

        >>> print(RunSummary("ab12", "train", "churn", "train", "FINISHED", 0.0, 83.0, (),
        ...     0, "", (), (), "", 0).to_text().splitlines()[4])
          duration: 1m 23s
        """
        started = (
            datetime.datetime.fromtimestamp(self.started).strftime("%Y-%m-%d %H:%M:%S")
            if self.started is not None
            else "-"
        )
        lines = [
            f"run {self.run_id}" + (f" ({self.name})" if self.name else ""),
            f"  experiment: {self.experiment}",
            f"  stage: {self.stage or '-'}",
            f"  status: {self.status}",
            f"  duration: {_duration(self.started, self.ended)}",
            f"  started: {started}",
            "  metrics: " + (", ".join(f"{key} {value:.4f}" for key, value in self.metrics) or "-"),
            f"  params: {self.params}",
            f"  model version: {self.model_version or '-'}",
            f"  registered: {', '.join(self.registered) or '-'}",
        ]
        lines += [f"  dataset: {dataset}" for dataset in self.datasets]
        lines += [f"  parent run: {self.parent or '-'}", f"  nested runs: {self.nested}"]
        return "\n".join(lines)


def _duration(started: float | None, ended: float | None) -> str:
    """`1h 2m 3s`, `2m 3s` or `3s`; `-` without a start, `running` without an end."""
    if started is None:
        return "-"
    if ended is None:
        return "running"
    seconds = max(0, round(ended - started))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{hours}h"] if hours else []
    parts += [f"{minutes}m"] if hours or minutes else []
    return " ".join([*parts, f"{seconds}s"])


def _seconds(milliseconds: int | None) -> float | None:
    return None if milliseconds is None else milliseconds / 1000


def summarise_run(client: MlflowClient, run: Run) -> RunSummary:
    """A run's summary: its tags read as lolpop writes them, its registered versions and
    its nested runs looked up."""
    from lolpop.components._mlflow import DATASET_TAG_PREFIX, PARENT_TAG  # noqa: PLC0415
    from lolpop.pipelines.predict import MODEL_VERSION_TAG  # noqa: PLC0415 (pandas)
    from lolpop.runners._stages import STAGE_TAG  # noqa: PLC0415

    info, tags = run.info, run.data.tags
    registered = client.search_model_versions(f"run_id = '{info.run_id}'")
    nested = client.search_runs(
        [info.experiment_id], f"tags.`{PARENT_TAG}` = '{info.run_id}'", max_results=1000
    )
    return RunSummary(
        run_id=info.run_id,
        name=info.run_name or "",
        experiment=client.get_experiment(info.experiment_id).name,
        stage=tags.get(STAGE_TAG, ""),
        status=info.status,
        started=_seconds(info.start_time),
        ended=_seconds(info.end_time),
        metrics=tuple(sorted(run.data.metrics.items())),
        params=len(run.data.params),
        model_version=tags.get(MODEL_VERSION_TAG, ""),
        registered=tuple(
            f"{version.name}:{version.version}"
            for version in sorted(registered, key=lambda v: (v.name, int(v.version)))
        ),
        datasets=tuple(
            value for key, value in sorted(tags.items()) if key.startswith(DATASET_TAG_PREFIX)
        ),
        parent=tags.get(PARENT_TAG, ""),
        nested=len(nested),
    )


def show_command(
    run_id: str = typer.Argument(
        ..., metavar="RUN_ID", help="An MLflow run's id (e.g. from the run summary)."
    ),
    tracking_uri: str | None = typer.Option(None, "--tracking-uri", help=_TRACKING_URI_HELP),
) -> None:
    """Show one MLflow run: stage, status, start, duration, metrics, params, model version,
    datasets, parent and nested runs."""
    uri = check_store("runs show", tracking_uri)
    from mlflow import MlflowClient  # noqa: PLC0415 (heavy: imported on use)
    from mlflow.exceptions import MlflowException  # noqa: PLC0415

    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    try:
        summary = summarise_run(client, client.get_run(run_id))
    except MlflowException as error:
        reason = error.message.splitlines()[0] if error.message else type(error).__name__
        _echo(f"lolpop runs show: there is no run {run_id!r} in {uri} ({reason}).", err=True)
        raise typer.Exit(code=2) from None
    _echo(summary.to_text())


def register(app: typer.Typer) -> None:
    """Add `lolpop runs` (the ledger by default, and `show`) to `app`."""
    runs_app.command(_DEFAULT, epilog=_example("lolpop runs ledger examples/churn/workflow.yaml"))(
        runs_command
    )
    runs_app.command(
        "show",
        epilog=_example(
            "lolpop runs show 3f2a9c0d5e6b4a1f8c7d2e9b0a1c3d4e --tracking-uri sqlite:///mlflow.db"
        ),
    )(show_command)
    app.add_typer(runs_app, name="runs")
