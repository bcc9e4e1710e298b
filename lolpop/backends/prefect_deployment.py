"""Prefect deployments of workflow configs: build, run, stop and list them.

Design notes:

- A deployment is a Prefect deployment of one flow, `lolpop-workflow`
  (`lolpop.backends.prefect_deployed_flow`), with the config's absolute path, its profile
  and its stage as parameters; the config is read when a run starts. Its name is the
  user's (`--name`), by default the model's name with the profile and the stage:
  `churn`, `churn-prod`, `churn-prod-predict`.
- What runs the flow runs: a Prefect process worker. Every lolpop deployment goes to the
  `process` work pool `lolpop` (made on first use), in a work queue of its own name; the
  worker lolpop starts for a deployment polls that queue only, and starts each run
  (scheduled, or asked for by `run`) as a process in the config's folder (the
  deployment's `working_dir`), so relative paths mean what they mean to `lolpop run`.
  The worker runs in the background, detached from the command; its pid file and log
  are under the config's work folder (`<work_dir>/deployments/NAME.pid`, `.log`).
  `build` starts it (a schedule needs it), `run` starts it again when it is gone (after a
  reboot, or `stop`), and `stop` stops it. A worker the user starts themselves
  (`prefect worker start --pool lolpop --work-queue NAME`) works as well.
- `stop` pauses the deployment (its schedule makes no more runs), cancels its runs that
  have not started, asks the running ones to cancel and then stops the worker. A run
  inside a step cannot be interrupted (a step runs in a thread): one still going after
  the grace period is ended with the worker lolpop started (its process, a child of the
  worker), and marked cancelled. `build` again resumes it.
- A server must be configured (PREFECT_API_URL, or a Prefect profile's) and answer:
  unlike `lolpop run --backend prefect`, nothing here starts a temporary one, since a
  deployment outlives the command.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from attrs import frozen

from lolpop._process import pid_gone
from lolpop.errors import BackendError

if TYPE_CHECKING:
    from uuid import UUID

    from prefect.client.orchestration import SyncPrefectClient
    from prefect.client.schemas.objects import FlowRun
    from prefect.client.schemas.responses import DeploymentResponse

#: The work pool (of type `process`) that every lolpop deployment goes to.
POOL = "lolpop"
#: Flow run states that have ended.
_FINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")
#: Seconds between two looks at a flow run's state.
_POLL = 0.5


class DeploymentError(BackendError):
    """A deployment cannot be built, found, run or stopped."""


class ServerUnavailable(DeploymentError):
    """No Prefect server is configured, or the configured one does not answer."""

    def __init__(self, url: str | None, cause: str = "") -> None:
        where = (
            f"The Prefect server at {url} does not answer ({cause})."
            if url
            else "No Prefect server is configured (PREFECT_API_URL is not set)."
        )
        super().__init__(
            f"{where} A deployment lives on a Prefect server: start one with "
            "`prefect server start` (it serves http://127.0.0.1:4200), then point lolpop at "
            "it with `export PREFECT_API_URL=http://127.0.0.1:4200/api` (or `prefect config "
            "set PREFECT_API_URL=...`), and run the command again."
        )
        self.url = url


class UnknownDeployment(DeploymentError):
    """No lolpop deployment has the name asked for."""

    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        listed = f"the deployments are: {', '.join(known)}" if known else "there is none yet"
        super().__init__(
            f"no lolpop deployment is called {name!r} ({listed}); `lolpop deployment build "
            "CONFIG` makes one, `lolpop deployment list` lists them."
        )
        self.name = name
        self.known = known


@frozen
class Cron:
    """A schedule: a cron expression (`0 6 * * *`: every day at 06:00, UTC)."""

    expression: str

    def __str__(self) -> str:
        return f"cron {self.expression}"


@frozen
class Interval:
    """A schedule: a run every `seconds`."""

    seconds: float

    def __str__(self) -> str:
        return f"every {self.seconds:g} s"


@frozen
class DeploymentSpec:
    """What to deploy: a config (absolute path), its profile and stage, a schedule."""

    name: str
    config: str
    profile: str | None = None
    stage: str | None = None
    schedule: Cron | Interval | None = None


@frozen
class Worker:
    """A Prefect worker that lolpop started in the background for one deployment."""

    pid: int
    log: Path
    #: Whether this command started it (False: it was already running).
    started: bool


@frozen
class Built:
    """A deployment registered on the server, and the worker that runs its runs."""

    name: str
    deployment_id: str
    full_name: str
    worker: Worker


@frozen
class RunStarted:
    """A flow run of a deployment, asked for."""

    flow_run_id: str
    flow_run_name: str
    #: The worker that will run it; None when lolpop runs none (the user's own does).
    worker: Worker | None


@frozen
class RunEnded:
    """Where a flow run stands: its state's type (`COMPLETED`...), name and message."""

    state_type: str
    state_name: str
    message: str

    @property
    def is_final(self) -> bool:
        return self.state_type in _FINAL

    @property
    def is_completed(self) -> bool:
        return self.state_type == "COMPLETED"


@frozen
class Stopped:
    """What `stop` did: each thing it did, as a line for a person."""

    done: tuple[str, ...]


@frozen
class Listed:
    """One lolpop deployment as `list` shows it."""

    name: str
    config: str
    profile: str | None
    stage: str | None
    schedule: str
    paused: bool
    last_run: str
    #: The pid of the worker lolpop started for it, if it is running.
    worker: int | None


# --- the server ---------------------------------------------------------------------


def check_server() -> str:
    """The configured Prefect server's API URL, once it answers; `ServerUnavailable`
    otherwise (never a temporary server: a deployment outlives this process)."""
    from prefect.settings import PREFECT_API_URL  # noqa: PLC0415 (prefect is imported on use)

    url = str(PREFECT_API_URL.value() or "")
    if not url:
        raise ServerUnavailable(None)
    with _client() as client:
        error = client.api_healthcheck()
    if error is not None:
        raise ServerUnavailable(url, str(error) or type(error).__name__)
    return url


@contextlib.contextmanager
def _client() -> Iterator[SyncPrefectClient]:
    from prefect.client.orchestration import get_client  # noqa: PLC0415

    with get_client(sync_client=True) as client:
        yield client


def _deployment(client: SyncPrefectClient, name: str) -> DeploymentResponse:
    """The lolpop deployment called `name` (or `lolpop-workflow/name`)."""
    from prefect.exceptions import ObjectNotFound  # noqa: PLC0415

    from lolpop.backends.prefect_deployed_flow import FLOW_NAME  # noqa: PLC0415

    short = name.removeprefix(f"{FLOW_NAME}/")
    try:
        return client.read_deployment_by_name(f"{FLOW_NAME}/{short}")
    except ObjectNotFound:
        known = tuple(each.name for each in _deployments(client))
        raise UnknownDeployment(short, known) from None


def _deployments(client: SyncPrefectClient) -> list[DeploymentResponse]:
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName  # noqa: PLC0415

    from lolpop.backends.prefect_deployed_flow import FLOW_NAME  # noqa: PLC0415

    named = FlowFilter(name=FlowFilterName(any_=[FLOW_NAME]))
    return sorted(client.read_deployments(flow_filter=named), key=lambda each: each.name)


# --- the worker ---------------------------------------------------------------------


def work_folder(config: str, profile: str | None) -> Path:
    """The config's work folder (its `work_dir`, against the config's folder); the
    default `.lolpop` there when the config no longer loads."""
    from lolpop.config import load  # noqa: PLC0415

    folder = Path(config).parent
    loaded = load(config, profile)
    work_dir = loaded.map(lambda workflow: workflow.settings.work_dir).value_or(".lolpop")
    return folder / work_dir


def _worker_files(folder: Path, name: str) -> tuple[Path, Path]:
    """The pid file and log of the worker of deployment `name` in work folder `folder`."""
    below = folder / "deployments"
    return below / f"{name}.pid", below / f"{name}.log"


def running_worker(folder: Path, name: str) -> Worker | None:
    """The worker lolpop started for deployment `name`, if it still runs."""
    pid_file, log = _worker_files(folder, name)
    try:
        pid = int(json.loads(pid_file.read_text())["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if pid_gone(pid) or not _is_worker(pid):
        return None
    return Worker(pid, log, started=False)


def _is_worker(pid: int) -> bool:
    """Whether process `pid` is a Prefect worker (not a later process given its pid);
    True where this cannot be seen (no /proc, or a process still starting: its command
    line is empty until it has started)."""
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except FileNotFoundError:
        return not Path("/proc/self").exists()
    except OSError:
        return True
    return words == [b""] or (b"worker" in words and b"prefect" in words)


def start_worker(folder: Path, name: str, url: str, cwd: Path) -> Worker:
    """The worker of deployment `name`: the running one, or a new one started in the
    background (its own session: it outlives this command), polling the deployment's
    queue of the `lolpop` pool on the server at `url`."""
    found = running_worker(folder, name)
    if found is not None:
        return found
    pid_file, log = _worker_files(folder, name)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL]
    command += ["--work-queue", name, "--type", "process", "--install-policy", "never"]
    command += ["--name", f"lolpop {name} {os.getpid()}"]
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env={**os.environ, "PREFECT_API_URL": url},
            start_new_session=True,
        )
    pid_file.write_text(json.dumps({"pid": process.pid, "url": url, "queue": name}))
    return Worker(process.pid, log, started=True)


def stop_worker(folder: Path, name: str, grace: float = 10.0) -> Worker | None:
    """Stop the worker lolpop started for `name` (SIGTERM, then SIGKILL after `grace`
    seconds); the worker stopped, or None if none was running."""
    found = running_worker(folder, name)
    pid_file, _ = _worker_files(folder, name)
    if found is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(found.pid, signal.SIGTERM)
        if not _until(lambda: _ended(found.pid), grace):
            with contextlib.suppress(ProcessLookupError):
                os.kill(found.pid, signal.SIGKILL)
            _until(lambda: _ended(found.pid), grace)
    pid_file.unlink(missing_ok=True)
    return found


def _ended(pid: int) -> bool:
    """Whether process `pid` has ended (reaped here if it is this process's child)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    return pid_gone(pid)


def _until(done: Callable[[], bool], seconds: float) -> bool:
    """Wait until `done()` (looking every 0.1 s) for at most `seconds`; whether it was."""
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


# --- the commands -------------------------------------------------------------------


def build_deployment(spec: DeploymentSpec, url: str) -> Built:
    """Register (or update) the deployment `spec` on the server at `url`, in the
    `lolpop` work pool (made if missing), and start its worker."""
    from uuid import UUID  # noqa: PLC0415

    from prefect.client.schemas.actions import DeploymentUpdate, WorkPoolCreate  # noqa: PLC0415
    from prefect.deployments.runner import (  # noqa: PLC0415
        DeploymentApplyError,
        RunnerDeployment,
    )
    from prefect.exceptions import ObjectNotFound  # noqa: PLC0415
    from prefect.types.entrypoint import EntrypointType  # noqa: PLC0415
    from prefect.workers.process import ProcessWorker  # noqa: PLC0415

    from lolpop.backends.prefect_deployed_flow import FLOW_NAME, lolpop_workflow  # noqa: PLC0415

    folder = Path(spec.config).parent
    with _client() as client:
        try:
            client.read_work_pool(POOL)
        except ObjectNotFound:
            template = ProcessWorker.get_default_base_job_template()
            client.create_work_pool(
                WorkPoolCreate(name=POOL, type="process", base_job_template=template)
            )
    schedule = spec.schedule
    deployment = RunnerDeployment.from_flow(
        lolpop_workflow,
        name=spec.name,
        parameters={"config": spec.config, "profile": spec.profile, "stage": spec.stage},
        cron=schedule.expression if isinstance(schedule, Cron) else None,
        interval=schedule.seconds if isinstance(schedule, Interval) else None,
        paused=False,
        work_pool_name=POOL,
        work_queue_name=spec.name,
        job_variables={"working_dir": str(folder)},
        entrypoint_type=EntrypointType.MODULE_PATH,
        tags=["lolpop"],
        description=f"lolpop workflow {spec.config}"
        + (f", profile {spec.profile}" if spec.profile else "")
        + (f", stage {spec.stage}" if spec.stage else ""),
    )
    try:
        deployment_id = deployment.apply()
    except DeploymentApplyError as error:
        raise DeploymentError(f"the server refused deployment {spec.name!r}: {error}") from error
    if not isinstance(deployment_id, UUID):  # a coroutine only when called in async code
        raise TypeError(f"RunnerDeployment.apply gave {deployment_id!r}, not an id")
    with _client() as client:
        # A pull step, so that a worker never copies its own folder into the config's
        # (what Prefect does for a deployment with no pull steps and no storage).
        into = {"prefect.deployments.steps.set_working_directory": {"directory": str(folder)}}
        client.update_deployment(deployment_id, DeploymentUpdate(pull_steps=[into]))
        # An update keeps the schedules a deployment had: a rebuild without one drops them.
        for old in client.read_deployment(deployment_id).schedules:
            if schedule is None or not _same(old.schedule, schedule):
                client.delete_deployment_schedule(deployment_id, old.id)
        client.resume_deployment(deployment_id)  # a rebuild after `stop` resumes it
    worker = start_worker(work_folder(spec.config, spec.profile), spec.name, url, folder)
    return Built(spec.name, str(deployment_id), f"{FLOW_NAME}/{spec.name}", worker)


def _same(schedule: object, wanted: Cron | Interval) -> bool:
    return _schedule_text(schedule) == str(wanted)


def _schedule_text(schedule: object) -> str:
    from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule  # noqa: PLC0415

    if isinstance(schedule, CronSchedule):
        return str(Cron(schedule.cron))
    if isinstance(schedule, IntervalSchedule):
        return str(Interval(schedule.interval.total_seconds()))
    return type(schedule).__name__


def start_run(name: str, url: str) -> RunStarted:
    """Ask for a run of deployment `name` now, starting its worker if it is gone (unless
    the deployment is not lolpop's to serve: its config's folder is gone)."""
    with _client() as client:
        deployment = _deployment(client, name)
        flow_run = client.create_flow_run_from_deployment(deployment.id)
    config, profile = _parameters(deployment)
    worker = None
    if Path(config).parent.is_dir():
        folder = work_folder(config, profile)
        worker = start_worker(folder, deployment.name, url, Path(config).parent)
    return RunStarted(str(flow_run.id), flow_run.name, worker)


def run_state(flow_run_id: str) -> RunEnded:
    """Where the flow run `flow_run_id` stands now."""
    with _client() as client:
        return _state_of(client.read_flow_run(_uuid(flow_run_id)))


def _state_of(flow_run: FlowRun) -> RunEnded:
    state = flow_run.state
    if state is None:
        return RunEnded("SCHEDULED", "Scheduled", "")
    return RunEnded(state.type.value, state.name or state.type.value, state.message or "")


def wait_run(flow_run_id: str, timeout: float | None, worker: Worker | None = None) -> RunEnded:
    """The flow run's state once it has ended, or after `timeout` seconds (None: no
    limit); stops waiting, with its state, when `worker` died before the run started."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        state = run_state(flow_run_id)
        if state.is_final:
            return state
        if (
            worker is not None
            and state.state_type in ("SCHEDULED", "PENDING")
            and pid_gone(worker.pid)
        ):
            return RunEnded(
                state.state_type,
                state.state_name,
                f"the worker (pid {worker.pid}) stopped before the run started: see {worker.log}",
            )
        if deadline is not None and time.monotonic() >= deadline:
            return state
        time.sleep(_POLL)


def stop_deployment(name: str, grace: float = 10.0) -> Stopped:
    """Pause deployment `name`, cancel its runs (those that have not started at once,
    the running ones through the worker, waiting up to `grace` seconds) and stop the
    worker lolpop started for it."""
    from prefect.client.schemas.filters import (  # noqa: PLC0415
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType  # noqa: PLC0415
    from prefect.states import Cancelled, Cancelling  # noqa: PLC0415

    done: list[str] = []
    with _client() as client:
        deployment = _deployment(client, name)
        schedules = ", ".join(_schedule_text(each.schedule) for each in deployment.schedules)
        if deployment.paused:
            done.append("it was already paused")
        else:
            client.pause_deployment(deployment.id)
            done.append(f"paused it (schedule: {schedules})" if schedules else "paused it")
        active = FlowRunFilter(
            state=FlowRunFilterState(
                type=FlowRunFilterStateType(
                    any_=[
                        StateType.SCHEDULED,
                        StateType.PENDING,
                        StateType.RUNNING,
                        StateType.PAUSED,
                        StateType.CANCELLING,
                    ]
                )
            )
        )
        ours = DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id]))
        runs = client.read_flow_runs(flow_run_filter=active, deployment_filter=ours)
        asked: list[UUID] = []
        # The process of each running run, by the pid its worker recorded.
        processes: dict[UUID, int] = {}
        for flow_run in runs:
            state = _state_of(flow_run)
            if state.state_type in ("SCHEDULED", "PAUSED"):
                client.set_flow_run_state(
                    flow_run.id, Cancelled(message="lolpop deployment stop"), force=True
                )
                done.append(f"cancelled flow run {flow_run.name} ({state.state_name}, not started)")
            else:
                client.set_flow_run_state(
                    flow_run.id, Cancelling(message="lolpop deployment stop"), force=True
                )
                asked.append(flow_run.id)
                pid = str(flow_run.infrastructure_pid or "")
                if pid.isdigit():
                    processes[flow_run.id] = int(pid)
    config, profile = _parameters(deployment)
    folder = work_folder(config, profile) if Path(config).parent.is_dir() else None
    worker = running_worker(folder, deployment.name) if folder is not None else None
    if asked and worker is not None:
        _until(lambda: all(run_state(str(each)).is_final for each in asked), grace)
    # A run still going after `grace` is inside a step Prefect cannot interrupt (a step
    # runs in a thread). Its process is a child of the worker lolpop started, which ends
    # it with the worker: then it is cancelled, and said so.
    ours_to_end = {
        run: pid
        for run, pid in processes.items()
        if worker is not None and _parent_of(pid) == worker.pid
    }
    pending = [each for each in asked if not run_state(str(each)).is_final]
    stopped = stop_worker(folder, deployment.name, grace) if folder is not None else None
    for each in asked:
        if each not in pending:
            done.append(f"cancelled flow run {each} (it was running)")
        elif each in ours_to_end and _ended_with(ours_to_end[each], grace):
            with _client() as client:
                client.set_flow_run_state(
                    each,
                    Cancelled(message="lolpop deployment stop: its process was ended"),
                    force=True,
                )
            done.append(
                f"cancelled flow run {each} (it was running, and still inside a step "
                f"{grace:.0f} s later: its process was ended with the worker)"
            )
        else:
            state = run_state(str(each))
            done.append(
                f"asked flow run {each} to cancel; it is {state.state_name} (a worker ends its "
                "process when it sees that)"
            )
    if stopped is not None:
        done.append(f"stopped the Prefect worker lolpop started for it (pid {stopped.pid})")
    else:
        done.append("no worker that lolpop started for it was running")
    return Stopped(tuple(done))


def _parent_of(pid: int) -> int | None:
    """The parent of process `pid` on this host (Linux's /proc), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return None
    # `pid (command) state ppid ...`: the command may hold spaces and parentheses.
    fields = stat.rpartition(")")[2].split()
    return int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else None


def _ended_with(pid: int, grace: float) -> bool:
    """Whether the run process `pid`, a child of a worker that has been stopped, has
    ended: it ends with the worker; one that outlived it (its own session) is ended
    here, SIGTERM and then SIGKILL after `grace` seconds."""
    if _ended(pid):
        return True
    for each in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, each)
        if _until(lambda: _ended(pid), grace):
            return True
    return False


def list_deployments() -> tuple[Listed, ...]:
    """Every lolpop deployment on the server, by name, with its last run's state."""
    from prefect.client.schemas.filters import (  # noqa: PLC0415
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType  # noqa: PLC0415
    from prefect.client.schemas.sorting import FlowRunSort  # noqa: PLC0415

    started = FlowRunFilter(
        state=FlowRunFilterState(type=FlowRunFilterStateType(not_any_=[StateType.SCHEDULED]))
    )
    found: list[Listed] = []
    with _client() as client:
        for deployment in _deployments(client):
            last = client.read_flow_runs(
                flow_run_filter=started,
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])),
                sort=FlowRunSort.EXPECTED_START_TIME_DESC,
                limit=1,
            )
            config, profile = _parameters(deployment)
            stage = deployment.parameters.get("stage")
            schedules = [_schedule_text(each.schedule) for each in deployment.schedules]
            found.append(
                Listed(
                    name=deployment.name,
                    config=config,
                    profile=profile,
                    stage=stage if isinstance(stage, str) else None,
                    schedule=", ".join(schedules) or "none",
                    paused=deployment.paused,
                    last_run=_last_run(last[0]) if last else "never run",
                    worker=_worker_pid(config, profile, deployment.name),
                )
            )
    return tuple(found)


def _last_run(flow_run: FlowRun) -> str:
    state = _state_of(flow_run)
    when = flow_run.start_time or flow_run.expected_start_time
    at = when.astimezone(datetime.UTC).strftime(" %Y-%m-%d %H:%M UTC") if when else ""
    return f"{state.state_name}{at}"


def _worker_pid(config: str, profile: str | None, name: str) -> int | None:
    if not Path(config).parent.is_dir():
        return None
    found = running_worker(work_folder(config, profile), name)
    return found.pid if found else None


def _parameters(deployment: DeploymentResponse) -> tuple[str, str | None]:
    """The config and profile a deployment runs."""
    config = deployment.parameters.get("config")
    profile = deployment.parameters.get("profile")
    return str(config or ""), profile if isinstance(profile, str) else None


def _uuid(text: str) -> UUID:
    from uuid import UUID  # noqa: PLC0415

    return UUID(text)
