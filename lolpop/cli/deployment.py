"""`lolpop deployment build|run|stop|list`: a workflow config as a Prefect deployment.

The work is in `lolpop.backends.prefect_deployment` (how runs are executed: a Prefect
process worker per deployment, started in the background; see its notes); this module
reads the arguments, checks the config and the server, and prints what happened. Prefect
is imported inside the commands only, so `lolpop --help` stays fast.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from lolpop.cli import _PROFILE, _at_config, _built, _echo, _example, collect_from_here

if TYPE_CHECKING:
    from lolpop.backends.prefect_deployment import Cron, Interval, Worker

_HOW = (
    "How runs are executed: every lolpop deployment goes to the Prefect work pool `lolpop` "
    "(type process), in a work queue named after it, and `build` starts a Prefect worker "
    "for that queue in the background (its pid file and log: the config's work folder, "
    "`.lolpop/deployments/NAME.pid` and `.log`). The worker starts each run, scheduled or "
    "asked for, as a process in the config's folder. `run` starts the worker again when it "
    "is gone (after a reboot, or `stop`); `stop` stops it. The server is the one "
    "PREFECT_API_URL names (start one with `prefect server start`)."
)

deployment_app = typer.Typer(
    help="Deploy workflow configs to a Prefect server: build, run, stop and list them.\n\n" + _HOW,
    no_args_is_help=True,
    rich_markup_mode=None,
    epilog=_example(
        "lolpop deployment build examples/churn/workflow.yaml --cron '0 6 * * *'",
        "lolpop deployment run churn",
        "lolpop deployment list",
        "lolpop deployment stop churn",
    ),
)

#: A deployment's name: it names a work queue and the worker's pid file too.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _fail(command: str, message: object, code: int = 2) -> NoReturn:
    _echo(f"lolpop deployment {command}: {message}", err=True)
    raise typer.Exit(code=code)


def _server(command: str) -> str:
    """The configured Prefect server's API URL, or a paragraph on how to start one and
    exit 2."""
    from lolpop.backends.prefect_deployment import ServerUnavailable, check_server  # noqa: PLC0415

    try:
        return check_server()
    except ServerUnavailable as error:
        _fail(command, error)


def _schedule(command: str, cron: str | None, interval: float | None) -> Cron | Interval | None:
    from lolpop.backends.prefect_deployment import Cron, Interval  # noqa: PLC0415

    if cron is not None and interval is not None:
        _fail(command, "give --cron or --interval, not both.")
    if interval is not None:
        return Interval(interval)
    if cron is None:
        return None
    from prefect.client.schemas.schedules import CronSchedule  # noqa: PLC0415

    try:
        CronSchedule(cron=cron)
    except ValueError:
        _fail(command, f"--cron {cron!r} is not a cron expression (e.g. '0 6 * * *': 06:00 daily).")
    return Cron(cron)


def _check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        _fail(
            "build",
            f"{name!r} cannot name a deployment: use letters, digits, '.', '_' and '-' (--name).",
        )
    return name


def _worker_line(worker: Worker, why: str) -> str:
    if worker.started:
        return f"started a Prefect worker (pid {worker.pid}) {why}; its log: {worker.log}"
    return f"its Prefect worker is running (pid {worker.pid}); its log: {worker.log}"


@deployment_app.command(
    "build",
    epilog=_example(
        "lolpop deployment build examples/churn/workflow.yaml",
        "lolpop deployment build examples/churn/workflow.yaml --profile prod --cron '0 6 * * *'",
        "lolpop deployment build examples/churn/workflow.yaml --stage predict --interval 3600",
    ),
)
def build_command(
    config: str = typer.Argument(
        ..., metavar="CONFIG", help="The workflow config (YAML or TOML) to deploy."
    ),
    *,
    profile: str | None = _PROFILE,
    stage: str | None = typer.Option(
        None, "--stage", "-s", help="The runner's stage to run (default: its first, build_all)."
    ),
    name: str | None = typer.Option(
        None,
        "--name",
        "-n",
        help="The deployment's name (default: the model's name, then the profile and stage).",
    ),
    cron: str | None = typer.Option(
        None, "--cron", metavar="EXPR", help="Run on this cron schedule (UTC), e.g. '0 6 * * *'."
    ),
    interval: float | None = typer.Option(
        None,
        "--interval",
        min=1,
        metavar="SECONDS",
        help="Run every this many seconds.",
        show_default=False,
    ),
) -> None:
    """Register a Prefect deployment of a workflow config (built again: updated) on the
    configured server, and start the worker that runs its runs.

    The config must pass `lolpop check`'s build; it is read again when each run starts,
    in its own folder. Building again with the same name updates the deployment and
    resumes it after `stop`.

    How runs are executed: the deployment goes to the Prefect work pool `lolpop` (type
    process), in a work queue of its name, and a Prefect worker for that queue is started
    in the background (pid file and log: the config's work folder, `deployments/`)."""
    from lolpop.backends.prefect_deployment import (  # noqa: PLC0415
        DeploymentError,
        DeploymentSpec,
        build_deployment,
    )

    schedule = _schedule("build", cron, interval)
    if name is not None:
        _check_name(name)
    # The profile is fixed now: a run must not depend on the worker's LOLPOP_PROFILE.
    profile = profile or os.environ.get("LOLPOP_PROFILE") or None
    path = Path(config).resolve()
    with _at_config(config) as (source, _):  # its relative paths are against its folder
        workflow, _ = _built("deployment build", source, profile, stage)
    parts = (workflow.settings.model_name, profile, stage)
    chosen = name or _check_name("-".join(part for part in parts if part))
    url = _server("build")
    spec = DeploymentSpec(chosen, str(path), profile, stage, schedule)
    try:
        built = build_deployment(spec, url)
    except DeploymentError as error:
        _fail("build", error, code=1)
    _echo(f"deployment {built.name} built: {built.full_name} (id {built.deployment_id}) on {url}")
    chosen_parts = [
        f"{what} {value}" for what, value in (("profile", profile), ("stage", stage)) if value
    ]
    _echo(f"  config: {path}" + (f" ({', '.join(chosen_parts)})" if chosen_parts else ""))
    _echo(f"  schedule: {schedule}" if schedule else "  schedule: none (it runs when asked)")
    _echo(f"  {_worker_line(built.worker, 'to run its runs')}")
    _echo(f"  run it now: lolpop deployment run {built.name}")


@deployment_app.command(
    "run",
    epilog=_example(
        "lolpop deployment run churn",
        "lolpop deployment run churn --timeout 600",
        "lolpop deployment run churn --no-wait",
    ),
)
def run_command(
    name: str = typer.Argument(
        ..., metavar="NAME", help="The deployment (`lolpop deployment list`)."
    ),
    *,
    wait: bool = typer.Option(
        True, "--wait/--no-wait", help="Wait for the run to end and report its state."
    ),
    timeout: float | None = typer.Option(
        None,
        "--timeout",
        min=0,
        metavar="SECONDS",
        help="Stop waiting after this many seconds.",
        show_default=False,
    ),
) -> None:
    """Start a run of a deployment now; with --wait (the default), report its final state:
    exit 0 when it completed, 1 when it failed, crashed or was cancelled (or is still
    going after --timeout: it goes on).

    The deployment's Prefect worker is started again if it is gone (after a reboot, or
    `lolpop deployment stop`)."""
    from lolpop.backends.prefect_deployment import (  # noqa: PLC0415
        UnknownDeployment,
        start_run,
        wait_run,
    )

    url = _server("run")
    try:
        started = start_run(name, url)
    except UnknownDeployment as error:
        _fail("run", error)
    _echo(f"flow run {started.flow_run_name} ({started.flow_run_id}) of {name} started")
    if started.worker is not None and started.worker.started:
        _echo(f"  {_worker_line(started.worker, 'to run it')}")
    logs = f"prefect flow-run logs {started.flow_run_id}"
    if not wait:
        _echo(f"  follow it: lolpop deployment list, or {logs}")
        return
    collect_from_here()  # waiting may be long
    ended = wait_run(started.flow_run_id, timeout, started.worker)
    detail = f": {ended.message}" if ended.message else ""
    if ended.is_completed:
        _echo(f"flow run {started.flow_run_name}: {ended.state_name}")
        _echo(f"  its logs: {logs}")
        return
    if not ended.is_final:
        _fail(
            "run",
            f"flow run {started.flow_run_name} is still {ended.state_name}{detail} (it goes "
            f"on; follow it with `lolpop deployment list` or `{logs}`).",
            code=1,
        )
    _fail("run", f"flow run {started.flow_run_name}: {ended.state_name}{detail} ({logs})", code=1)


@deployment_app.command("stop", epilog=_example("lolpop deployment stop churn"))
def stop_command(
    name: str = typer.Argument(
        ..., metavar="NAME", help="The deployment (`lolpop deployment list`)."
    ),
) -> None:
    """Stop a deployment: pause it (its schedule makes no more runs), cancel its runs
    (those not started at once; the running ones through its worker), then stop the
    Prefect worker lolpop started for it. Says what it did.

    `lolpop deployment build` again resumes it; `lolpop deployment run` still runs it
    (and starts its worker again)."""
    from lolpop.backends.prefect_deployment import UnknownDeployment, stop_deployment  # noqa: PLC0415

    _server("stop")
    try:
        stopped = stop_deployment(name)
    except UnknownDeployment as error:
        _fail("stop", error)
    _echo(f"deployment {name.rpartition('/')[2]} stopped:")
    for line in stopped.done:
        _echo(f"  {line}")


@deployment_app.command("list", epilog=_example("lolpop deployment list"))
def list_command() -> None:
    """List lolpop's deployments on the configured server: name, config (profile, stage),
    schedule, whether paused, last run's state, and the worker lolpop started for it."""
    from lolpop.backends.prefect_deployment import list_deployments  # noqa: PLC0415

    url = _server("list")
    found = list_deployments()
    if not found:
        _echo(f"no lolpop deployments on {url} yet: lolpop deployment build CONFIG makes one")
        return
    rows = [("name", "config", "stage", "schedule", "status", "last run", "worker")]
    for each in found:
        config = each.config + (f" ({each.profile})" if each.profile else "")
        status = "paused" if each.paused else "active"
        worker = f"pid {each.worker}" if each.worker else "-"
        rows.append(
            (each.name, config, each.stage or "-", each.schedule, status, each.last_run, worker)
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        _echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


def register(app: typer.Typer) -> None:
    """Add `lolpop deployment` to the `lolpop` command."""
    app.add_typer(deployment_app, name="deployment")
