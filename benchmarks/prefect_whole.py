"""The Prefect backend against the local backend, whole process: `lolpop run` of the
breast-cancer example (issue 16: Prefect at most 1.5x Local, server start excluded).

One Prefect server is started first (`prefect server start` on a free localhost port, a
temporary PREFECT_HOME and database) and its start is timed on its own: reported, not
counted. Then, alternating, each repeat in a fresh temporary copy of
`examples/breast_cancer/` (so a fresh MLflow SQLite database, `.lolpop/` folder and
step cache every time), one whole process each, timed from spawn to exit:

- local: `lolpop run workflow.yaml` (the config's default backend: Local);
- prefect: `lolpop run workflow.yaml --backend prefect`, PREFECT_API_URL pointing at the
  server: the run becomes one flow run, each leaf step one task run (glue leaves
  included; a flow's glue functions run in the flow's thread, not as tasks).

With `--ephemeral`, a third side: the same prefect command with no PREFECT_API_URL, so
that Prefect starts its temporary server inside each run (what a user without a server
gets; its own PREFECT_HOME, whose database the uncounted first run creates).

Every side does the same declared work (load, check, profile, split, encode, a 2-point
grid, fit, metrics, importance, baseline, figures, MLflow tracking, registry, deploy).
A round of both runs first, uncounted (file cache, bytecode; the flow's first
registration on the new server). Ratio: prefect / local of the medians; its noise: the
lowest and highest ratio of the alternating pairs.

Breakdown (one more instrumented process per side, `python prefect_whole.py --child`,
which calls the same `lolpop.cli.main`): the seconds in `import prefect`, in the
backend's `run` (the flow with its tasks, against `Local.run`), before and after it
(decoding, building, summary) and at shutdown (the main function's return to the
process's exit: Prefect drains its event and log workers there); the tasks submitted
(component steps and glue), the task-run state events emitted, and the HTTP requests
sent to the server by endpoint.

Run: `python benchmarks/prefect_whole.py [--repeats 5] [--ephemeral] [--write PATH]`.
`--quick` runs local and prefect once each (the server starts during the local run),
writes nothing, and skips the prefect side, saying so, if no server starts.
"""
# ruff: noqa: E402 (the imports follow the path set-up above them)

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from attrs import frozen
from step_overhead import _replace_section

EXAMPLE = ROOT / "examples" / "breast_cancer"
SIDES = ("local", "prefect")
#: The Prefect sides' labels: on the running server, and (`--ephemeral`) with no
#: PREFECT_API_URL, Prefect's temporary server started inside each run (its own
#: PREFECT_HOME, whose database the uncounted first run creates).
LABELS = {"prefect": "prefect (server running)", "ephemeral": "prefect (temporary server)"}
#: Issue 16's target: the Prefect backend's whole run at most this times Local's.
TARGET_RATIO = 1.5
#: How long a server may take to answer its health check.
SERVER_TIMEOUT = 90.0


def _script(name: str) -> Path | None:
    """A console script beside this Python, if installed."""
    found = Path(sys.executable).parent / name
    return found if found.exists() else None


def _lolpop(*arguments: str) -> list[str]:
    script = _script("lolpop")
    if script is not None:
        return [str(script), *arguments]
    return [sys.executable, "-c", "from lolpop.cli import main; main()", *arguments]


def _environment(home: Path, url: str | None) -> dict[str, str]:
    """Both sides' environment: MLflow and Prefect isolated, telemetry off."""
    drop = ("PREFECT_API_URL", "MLFLOW_TRACKING_URI", "LOLPOP_PROFILE", "PYTHONDONTWRITEBYTECODE")
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env |= {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
    }
    if url is not None:
        env["PREFECT_API_URL"] = url
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=1) as answer:
            return int(answer.status) == 200
    except OSError:
        return False


@frozen
class Server:
    """A Prefect server being started."""

    #: Waits for it: (its API URL, seconds from spawn to its first healthy answer), or
    #: None if it did not start.
    wait: Callable[[], tuple[str, float] | None]
    #: The CPU seconds it has used so far (0 where /proc is missing).
    cpu: Callable[[], float]


@contextmanager
def prefect_server(home: Path) -> Iterator[Server]:
    """Start `prefect server start` on a free port, in a session of its own; stopped on
    leaving."""
    port = _free_port()
    script = _script("prefect")
    command = [str(script)] if script else [sys.executable, "-m", "prefect"]
    command += ["server", "start", "--host", "127.0.0.1", "--port", str(port)]
    env = _environment(home, None) | {"PREFECT_SERVER_LOGGING_LEVEL": "WARNING"}
    log = (home / "server.log").open("w")
    started = time.perf_counter()
    server = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}/api"

    def wait() -> tuple[str, float] | None:
        while time.perf_counter() - started < SERVER_TIMEOUT and server.poll() is None:
            if _healthy(url):
                return url, time.perf_counter() - started
            time.sleep(0.1)
        return None

    def cpu() -> float:
        try:
            stat = Path(f"/proc/{server.pid}/stat").read_text(encoding="utf-8")
        except OSError:
            return 0.0
        # After the command's closing parenthesis: utime and stime are fields 14 and 15.
        fields = stat.rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    try:
        yield Server(wait, cpu)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)  # its own session: the server and its workers
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        log.close()


def _fresh_copy() -> Path:
    """A fresh copy of the example; its workflow file."""
    folder = Path(tempfile.mkdtemp(prefix="lolpop-bench-prefect-whole-")) / "breast_cancer"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("__pycache__", ".lolpop"))
    return folder / "workflow.yaml"


def _side_arguments(side: str, workflow: Path) -> list[str]:
    return ["run", str(workflow), *(["--backend", "prefect"] if side != "local" else [])]


def _cpu_of_children() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


#: One run's seconds: wall, CPU (user and system, all its threads; less noisy than wall
#: on a busy machine), and the server's CPU meanwhile.
Sample = tuple[float, float, float]


def run_once(side: str, env: Mapping[str, str], server_cpu: Callable[[], float]) -> Sample:
    """One whole `lolpop run` process of `side`, in a fresh copy."""
    workflow = _fresh_copy()
    command = _lolpop(*_side_arguments(side, workflow))
    try:
        started, cpu, served = time.perf_counter(), _cpu_of_children(), server_cpu()
        done = subprocess.run(
            command, env=dict(env), cwd=workflow.parent, capture_output=True, text=True, check=False
        )
        took, cpu = time.perf_counter() - started, _cpu_of_children() - cpu
        served = server_cpu() - served
    finally:
        shutil.rmtree(workflow.parent.parent, ignore_errors=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return took, cpu, served


def measure(
    envs: Mapping[str, Mapping[str, str]],
    repeats: int,
    server_cpu: Callable[[], float],
    *,
    warm: bool,
) -> dict[str, list[Sample]]:
    """Each side's samples (`envs`: the sides and their environments), alternating,
    after an uncounted round if `warm`."""
    sides = tuple(envs)
    if warm:
        for side in sides:
            took = run_once(side, envs[side], server_cpu)[0]
            print(f"warm-up {side}: {took:.2f} s", flush=True)
    times: dict[str, list[Sample]] = {side: [] for side in sides}
    for repeat in range(repeats):
        for side in sides if repeat % 2 == 0 else tuple(reversed(sides)):
            times[side].append(run_once(side, envs[side], server_cpu))
        shown = (
            f"{side} {each[-1][0]:.2f} s ({each[-1][1]:.2f} s CPU)" for side, each in times.items()
        )
        print(", ".join(shown), flush=True)
    return times


# The breakdown: one instrumented process per side.

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _child(side: str, workflow: str, out: str) -> None:
    """Run `lolpop run` in this process as the console script does, noting where the
    time goes; the notes are written as JSON to `out` before the interpreter shuts down."""
    notes: dict[str, object] = {"main_start": time.time(), "cpu_at_start": time.process_time()}
    requests: dict[str, list[float]] = {}
    tasks: list[str] = []
    events: list[int] = []
    glue: list[frozenset[str]] = []
    if side == "prefect":
        clock, cpu = time.perf_counter(), time.process_time()
        import httpx  # noqa: PLC0415 (measured: imported by prefect anyway)
        import prefect  # noqa: F401, PLC0415
        import prefect.task_engine as engine  # noqa: PLC0415

        from lolpop.backends import prefect_backend  # noqa: PLC0415

        notes["import_prefect"] = time.perf_counter() - clock
        notes["import_prefect_cpu"] = time.process_time() - cpu
        _note_requests(httpx, requests)
        _noting(engine, "emit_task_run_state_change_event", lambda _, __: events.append(1))
        # `submit(self, task, value, effect)`: the task's name is its step's path.
        _noting(
            prefect_backend._FlowRun,
            "submit",
            lambda args, _: tasks.append(str(getattr(args[1], "name", ""))),
        )
        _noting(prefect_backend, "_glue_paths", lambda _, paths: glue.append(paths))  # type: ignore[arg-type]  # a frozenset of paths
        backend: type = prefect_backend.Prefect
    else:
        from lolpop.backends.local_backend import Local  # noqa: PLC0415

        backend = Local
    _time_method(backend, notes)
    sys.argv = ["lolpop", *_side_arguments(side, Path(workflow)), "--quiet"]
    from lolpop.cli import main  # noqa: PLC0415

    try:
        main()
    except SystemExit as leaving:
        notes["exit"] = leaving.code
    notes["main_end"], notes["cpu_at_end"] = time.time(), time.process_time()
    notes["requests"] = {key: [len(each), sum(each)] for key, each in requests.items()}
    notes["tasks"] = len(tasks)
    notes["glue_tasks"] = sum(name in glue[-1] for name in tasks) if glue else 0
    notes["state_events"] = len(events)
    Path(out).write_text(json.dumps(notes), encoding="utf-8")


def _time_method(backend: type, notes: dict[str, object]) -> None:
    """Note the seconds of `backend.run` (the class is frozen, not its attributes)."""
    original = backend.run  # type: ignore[attr-defined]  # Local.run or Prefect.run

    def timed(self: object, *args: object) -> object:
        clock, cpu = time.perf_counter(), time.process_time()
        try:
            return original(self, *args)
        finally:
            notes["backend_run"] = time.perf_counter() - clock
            notes["backend_run_cpu"] = time.process_time() - cpu

    backend.run = timed  # type: ignore[attr-defined]  # the benchmark's own instrument


def _noting(owner: object, name: str, note: Callable[[tuple[object, ...], object], None]) -> None:
    """Make `owner.name` call `note(its arguments, its result)` after each call."""
    original = getattr(owner, name)

    def noted(*args: object, **kwargs: object) -> object:
        result = original(*args, **kwargs)
        note(args, result)
        return result

    setattr(owner, name, noted)


def _note_requests(httpx: object, requests: dict[str, list[float]]) -> None:
    """Count and time each HTTP request Prefect's clients send, by method and path."""

    def key(request: object) -> str:
        path = _UUID.sub("{id}", str(getattr(request, "url", "").path))  # type: ignore[union-attr]  # an httpx.URL
        return f"{getattr(request, 'method', '?')} {path}"

    sync_client, async_client = httpx.Client, httpx.AsyncClient  # type: ignore[attr-defined]  # the httpx module
    sync_send, async_send = sync_client.send, async_client.send

    def send(self: object, request: object, *args: object, **kwargs: object) -> object:
        clock = time.perf_counter()
        try:
            return sync_send(self, request, *args, **kwargs)
        finally:
            requests.setdefault(key(request), []).append(time.perf_counter() - clock)

    async def send_async(self: object, request: object, *args: object, **kwargs: object) -> object:
        clock = time.perf_counter()
        try:
            return await async_send(self, request, *args, **kwargs)
        finally:
            requests.setdefault(key(request), []).append(time.perf_counter() - clock)

    sync_client.send, async_client.send = send, send_async


def breakdown(side: str, env: Mapping[str, str]) -> dict[str, object]:
    """The notes of one instrumented run of `side`, with the process's whole seconds
    (wall and CPU) and each part's."""
    workflow = _fresh_copy()
    out = workflow.parent / "notes.json"
    command = [sys.executable, __file__, "--child", side, str(workflow), str(out)]
    try:
        spawned, cpu = time.time(), _cpu_of_children()
        done = subprocess.run(
            command, env=dict(env), cwd=workflow.parent, capture_output=True, text=True, check=False
        )
        ended, cpu = time.time(), _cpu_of_children() - cpu
        if done.returncode != 0 or not out.exists():
            sys.exit(f"the {side} breakdown run failed:\n{done.stderr[-3000:]}")
        notes: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(workflow.parent.parent, ignore_errors=True)
    start, end = _number(notes, "main_start"), _number(notes, "main_end")
    cpu_start, cpu_end = _number(notes, "cpu_at_start"), _number(notes, "cpu_at_end")
    inside = _number(notes, "backend_run") + _number(notes, "import_prefect")
    inside_cpu = _number(notes, "backend_run_cpu") + _number(notes, "import_prefect_cpu")
    return notes | {
        "whole": ended - spawned,
        "whole_cpu": cpu,
        "startup": start - spawned,
        "startup_cpu": cpu_start,
        "outside_backend": end - start - inside,
        "outside_backend_cpu": cpu_end - cpu_start - inside_cpu,
        "shutdown": ended - end,
        "shutdown_cpu": cpu - cpu_end,
    }


def _number(notes: Mapping[str, object], key: str) -> float:
    """A number of the notes (0 if absent)."""
    value = notes.get(key)
    return float(value) if isinstance(value, int | float) else 0.0


def _breakdown_table(notes: Mapping[str, Mapping[str, object]]) -> str:
    def cells(side: str, key: str) -> str:
        found = notes.get(side, {})
        if key not in found:
            return "- | -"
        return f"{_number(found, key):.2f} | {_number(found, key + '_cpu'):.2f}"

    rows = [
        ("whole process", "whole"),
        ("interpreter start to `main`", "startup"),
        ("`import prefect` (httpx included)", "import_prefect"),
        ("`main` outside the backend's `run` (decode, build, summary)", "outside_backend"),
        ("the backend's `run` (the flow and its tasks)", "backend_run"),
        ("shutdown (`main`'s return to exit)", "shutdown"),
    ]
    lines = [
        "| seconds, one instrumented run | local wall | local CPU | prefect wall | prefect CPU |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [f"| {label} | {cells('local', k)} | {cells('prefect', k)} |" for label, k in rows]
    prefect = notes.get("prefect", {})
    requests = prefect.get("requests", {})
    assert isinstance(requests, dict)
    shown = sorted(requests.items(), key=lambda item: -int(item[1][0]))
    calls = ", ".join(f"`{key}` {count}x ({total:.2f} s)" for key, (count, total) in shown)
    total = sum(int(count) for count, _ in requests.values())
    lines += [
        "",
        f"Prefect side: {prefect.get('tasks')} tasks submitted ({prefect.get('glue_tasks')} of "
        f"them glue), {prefect.get('state_events')} task-run state events (sent over the "
        f"events websocket, not HTTP), {total} HTTP requests to the server: {calls}.",
    ]
    return "\n".join(lines)


def table(times: Mapping[str, list[Sample]], server: float | None, repeats: int) -> str:
    """The medians (wall and CPU), the ratios with their spread, the target, the
    server's start."""
    wall = {side: statistics.median(w for w, _, _ in each) for side, each in times.items()}
    cpu = {side: statistics.median(c for _, c, _ in each) for side, each in times.items()}
    served = {side: statistics.median(s for _, _, s in each) for side, each in times.items()}
    lines = [
        f"breast cancer, `lolpop run`, whole process, {date.today()}, "
        f"median of {repeats} alternating runs, a fresh copy of the example each",
        "",
        "| run | wall s | ratio to local (pairs' range) | CPU s | CPU ratio | server CPU s "
        "| target |",
        "|---|---:|---:|---:|---:|---:|---|",
        f"| local | {wall['local']:.2f} | 1.00x | {cpu['local']:.2f} | 1.00x "
        f"| {served['local']:.2f} | |",
    ]
    for side, label in LABELS.items():
        if side not in times:
            continue
        ratio = wall[side] / wall["local"]
        pairs = [p[0] / q[0] for p, q in zip(times[side], times["local"], strict=True)]
        verdict = "met" if ratio <= TARGET_RATIO else "not met"
        lines.append(
            f"| {label} | {wall[side]:.2f} | {ratio:.2f}x "
            f"({min(pairs):.2f}-{max(pairs):.2f}) | {cpu[side]:.2f} "
            f"| {cpu[side] / cpu['local']:.2f}x | {served[side]:.2f} "
            f"| {f'{verdict} (<= {TARGET_RATIO}x wall)' if side == 'prefect' else ''} |"
        )
    started = f"{server:.1f} s" if server is not None else "no server started"
    lines += ["", f"Server start (`prefect server start`, a new database), not counted: {started}."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Start the server, measure both sides, print (and write) the tables."""
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["--child"]:
        _child(*arguments[1:4])
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one run each, writes nothing")
    parser.add_argument("--write", metavar="PATH", help="replace the section in this file")
    parser.add_argument(
        "--ephemeral", action="store_true", help="also time Prefect's temporary server per run"
    )
    args = parser.parse_args(arguments)
    repeats = 1 if args.quick else args.repeats
    home = Path(tempfile.mkdtemp(prefix="lolpop-bench-prefect-home-"))
    try:
        with prefect_server(home) as server:
            local: dict[str, list[Sample]] = {}
            if args.quick:  # the server starts meanwhile (the figures mean nothing)
                local = measure({"local": _environment(home, None)}, 1, server.cpu, warm=False)
            started = server.wait()
            if started is None:
                print("no Prefect server started: the prefect side is skipped", flush=True)
                if not args.quick:
                    sys.exit("a Prefect server is needed for the full run")
                return
            url, start = started
            print(f"server up in {start:.1f} s at {url}", flush=True)
            env = _environment(home, url)
            envs = {side: env for side in SIDES}
            if args.ephemeral:
                envs["ephemeral"] = _environment(home / "ephemeral", None) | {
                    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90"
                }
            if args.quick:
                times = local | measure({"prefect": env}, 1, server.cpu, warm=False)
            else:
                times = measure(envs, repeats, server.cpu, warm=True)
            body = table(times, start, repeats)
            print(body, flush=True)
            if args.quick:
                return
            notes = {side: breakdown(side, env) for side in SIDES}
            body += "\n\n" + _breakdown_table(notes)
            print(_breakdown_table(notes))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if args.write:
        _replace_section(args.write, "prefect-whole", body)


if __name__ == "__main__":
    main()
