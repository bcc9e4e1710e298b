"""`lolpop runs`: the run ledger (`lolpop runs [CONFIG]`), the tracked runs (`lolpop runs
list`), one MLflow run (`lolpop runs show RUN_ID`); and the check every read-only command
makes first.

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
- `runs list` lists the stage runs (tagged `lolpop.kind = run`; a tuning trial is
  nested in one, and `runs show` counts them) of every experiment in the store, since a
  tracker may name its own experiment. A model's runs are those named `<model>-<stage>`
  (`lolpop.runners._stages.stage_run`): MLflow's filter cannot say that, so runs are
  read newest first a page at a time and filtered here until `--limit` are found.
"""

from __future__ import annotations

import datetime
import difflib
import logging
import os
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from attrs import frozen
from typer.core import TyperGroup

from lolpop.cli import _PROFILE, _at_config, _decoded, _echo, _example, runs_command

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mlflow import MlflowClient
    from mlflow.entities import Run

    # typer 0.29 vendors click: its groups take the vendored `Context`, not click's.
    from typer._click import Context

    from lolpop.config.records import WorkflowConfig

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
    help="The runs: the run ledger of a work folder (`ledger`, the default), the tracked "
    "runs (`list`), or one MLflow run (`show`).",
    epilog=_example(
        "lolpop runs",
        "lolpop runs examples/churn/workflow.yaml",
        "lolpop runs list --model churn",
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


#: How many stores below the current folder a missing store's message names.
_STORES_SHOWN = 3


def _stores_below() -> str:
    """The SQLite stores in the folders below the current one (two levels down), as the
    `--tracking-uri` options that name them: a run keeps `mlflow.db` beside its config,
    which is seldom the current folder."""
    found = sorted(
        path
        for pattern in ("*/mlflow.db", "*/*/mlflow.db")
        for path in Path().glob(pattern)
        if path.is_file()
    )
    if not found:
        return ""
    shown = ", ".join(
        f"--tracking-uri sqlite:///{path.as_posix()}" for path in found[:_STORES_SHOWN]
    )
    more = f" and {len(found) - _STORES_SHOWN} more" if len(found) > _STORES_SHOWN else ""
    return f"; a config's store is beside it; the stores below this folder: {shown}{more}"


def check_store(command: str, tracking_uri: str | None) -> str:
    """The resolved tracking URI of a read-only command, after checking its store exists
    (a server: that it answers): if not, one line on stderr and exit 2, nothing created."""
    from lolpop.components._mlflow import resolve_tracking_uri  # noqa: PLC0415
    from lolpop.config.paths import store_problem  # noqa: PLC0415

    uri = resolve_tracking_uri(tracking_uri)
    problem = store_problem(uri)
    if problem is not None:
        _echo(f"lolpop {command}: {problem}.", err=True)
        raise typer.Exit(code=2)
    path = store_path(uri)
    if path is not None and not os.path.exists(path):
        hint = _stores_below() if tracking_uri is None else ""
        _echo(
            f"lolpop {command}: no MLflow store at {path} "
            f"(run a workflow first, or pass --tracking-uri){hint}",
            err=True,
        )
        raise typer.Exit(code=2)
    from lolpop.components._mlflow import TrackingError, check_reachable  # noqa: PLC0415

    try:
        check_reachable(uri)
    except TrackingError as error:
        _echo(f"lolpop {command}: {error}", err=True)
        raise typer.Exit(code=2) from None
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


#: The metrics a row of `lolpop runs list` shows first, of those a run logged: the task
#: metrics, as the train stage logs them on its test split (`test_`), the evaluate stage
#: on live labels (`live_`) and a forecaster's backtest (bare).
_MAIN_METRICS = tuple(
    f"{prefix}{name}"
    for name in ("f1", "roc_auc", "accuracy", "r2", "rmse", "mae", "mase", "smape")
    for prefix in ("test_", "live_", "")
)
#: How many main metrics a row shows (`lolpop runs show` shows them all).
_SHOWN_METRICS = 2
_PAGE = 200


@frozen
class RunRow:
    """One row of `lolpop runs list`: a stage's tracked run."""

    run_id: str
    stage: str
    status: str
    started: float | None
    ended: float | None
    metrics: tuple[tuple[str, float], ...]
    model_version: str


def main_metrics(metrics: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    """The run's main metrics, in `_MAIN_METRICS`' order, at most `_SHOWN_METRICS`.

    >>> main_metrics({"test_log_loss": 0.3, "test_roc_auc": 0.9, "test_f1": 0.6, "mase": 1.2})
    (('test_f1', 0.6), ('test_roc_auc', 0.9))
    """
    found = tuple((name, metrics[name]) for name in _MAIN_METRICS if name in metrics)
    return found[:_SHOWN_METRICS]


def is_stage_run(run: Run, model: str | None, stage: str | None) -> bool:
    """Whether `run` is a stage's tracked run (of `model`'s workflow, at `stage`, when
    given): lolpop names it `<model>-<stage>` (`lolpop.runners._stages.stage_run`)."""
    from lolpop.pipelines.train import KIND_TAG  # noqa: PLC0415 (pandas)
    from lolpop.runners._stages import STAGE_TAG  # noqa: PLC0415

    tags = run.data.tags
    ran = tags.get(STAGE_TAG, "")
    return (
        tags.get(KIND_TAG) == "run"
        and (stage is None or ran == stage)
        and (model is None or run.info.run_name == f"{model}-{ran}")
    )


def list_runs(
    client: MlflowClient, *, model: str | None, stage: str | None, limit: int
) -> tuple[RunRow, ...]:
    """The newest `limit` stage runs in the store (of `model`, at `stage`), newest first,
    from every experiment (a tracker may name its own)."""
    from mlflow.entities import ViewType  # noqa: PLC0415 (heavy: imported on use)

    from lolpop.pipelines.predict import MODEL_VERSION_TAG  # noqa: PLC0415 (pandas)
    from lolpop.pipelines.train import KIND_TAG  # noqa: PLC0415
    from lolpop.runners._stages import STAGE_TAG  # noqa: PLC0415

    experiments: list[str] = []
    token: str | None = None
    while True:
        page = client.search_experiments(ViewType.ACTIVE_ONLY, _PAGE, page_token=token)
        experiments += [experiment.experiment_id for experiment in page]
        token = page.token
        if not token:
            break
    rows: list[RunRow] = []
    token = None
    while experiments and len(rows) < limit:
        runs = client.search_runs(
            experiments,
            f"tags.`{KIND_TAG}` = 'run'",
            max_results=_PAGE,
            order_by=["attributes.start_time DESC"],
            page_token=token,
        )
        rows += [
            RunRow(
                run_id=run.info.run_id,
                stage=run.data.tags.get(STAGE_TAG, ""),
                status=run.info.status,
                started=_seconds(run.info.start_time),
                ended=_seconds(run.info.end_time),
                metrics=main_metrics(run.data.metrics),
                model_version=run.data.tags.get(MODEL_VERSION_TAG, ""),
            )
            for run in runs
            if is_stage_run(run, model, stage)
        ]
        token = runs.token
        if not token:
            break
    return tuple(rows[:limit])


def runs_table(rows: tuple[RunRow, ...]) -> str:
    """The rows as a table, a header first; the columns as wide as their cells.

    >>> row = RunRow("9977d319", "train", "FINISHED", 0.0, 7.0, (("test_f1", 0.62),), "churn:1")
    >>> print(runs_table((row,)).replace(_started(0.0), "1970-01-01 00:00"))
    run       stage  status    started           duration  metrics         model version
    9977d319  train  FINISHED  1970-01-01 00:00  7s        test_f1 0.6200  churn:1
    """
    table = [("run", "stage", "status", "started", "duration", "metrics", "model version")]
    table += [
        (
            row.run_id,
            row.stage or "-",
            row.status,
            _started(row.started),
            _duration(row.started, row.ended),
            ", ".join(f"{name} {value:.4f}" for name, value in row.metrics) or "-",
            row.model_version or "-",
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    )


def _started(seconds: float | None) -> str:
    """A start time to the minute, local (`-` when unknown)."""
    if seconds is None:
        return "-"
    return datetime.datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M")


def tracker_uri(workflow: WorkflowConfig) -> str | None:
    """The tracking URI a workflow's runs go to, as the config gives it: its tracker's
    (None: MLflow's default, as the tracker takes it), else its settings'."""
    tracker = workflow.components.get("tracker")
    if tracker is not None and hasattr(tracker.settings, "tracking_uri"):
        given = tracker.settings.tracking_uri
        return given if isinstance(given, str) else None
    return workflow.settings.tracking_uri


def list_command(
    config: str | None = typer.Argument(
        None,
        metavar="CONFIG",
        help="A workflow config: its tracking store, and its model unless --model.",
        show_default=False,
    ),
    *,
    profile: str | None = _PROFILE,
    model: str | None = typer.Option(
        None,
        "--model",
        "-m",
        help="Only this model's runs (default: every model's).",
        show_default=False,
    ),
    stage: str | None = typer.Option(
        None,
        "--stage",
        "-s",
        help="Only this stage's runs (train, predict...).",
        show_default=False,
    ),
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="At most this many runs."),
    tracking_uri: str | None = typer.Option(None, "--tracking-uri", help=_TRACKING_URI_HELP),
) -> None:
    """List lolpop's tracked runs, newest first: one per stage run, with its status, start,
    duration, main metrics and model version (`lolpop runs show RUN_ID` shows one whole).

    The store is `--tracking-uri`, else the config's tracker's, else MLFLOW_TRACKING_URI,
    else mlflow.db in the current folder."""
    configured = None
    if config is not None:
        from lolpop.components._mlflow import resolve_tracking_uri  # noqa: PLC0415

        with _at_config(config) as (source, _):
            workflow = _decoded("runs list", source, profile)
            # Resolved in the config's folder: a relative sqlite path is written against it.
            configured = resolve_tracking_uri(tracker_uri(workflow))
        model = model or workflow.settings.model_name
    uri = check_store("runs list", tracking_uri or configured)
    from mlflow import MlflowClient  # noqa: PLC0415 (heavy: imported on use)

    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    rows = list_runs(client, model=model, stage=stage, limit=limit)
    if not rows:
        which = [f"{what} {name}" for what, name in (("model", model), ("stage", stage)) if name]
        _echo(f"no lolpop runs{' of ' + ', '.join(which) if which else ''} in {uri}")
        return
    _echo(runs_table(rows))


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
    runs_app.command(
        "list",
        epilog=_example(
            "lolpop runs list",
            "lolpop runs list --model churn --stage train --limit 5",
            "lolpop runs list examples/churn/workflow.yaml",
        ),
    )(list_command)
    app.add_typer(runs_app, name="runs")
