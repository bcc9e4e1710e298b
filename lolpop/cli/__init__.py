"""The `lolpop` command.

Startup stays fast: this module imports typer and lolpop's light core only; commands
that need pandas, scikit-learn, MLflow or Prefect import them inside the command. Every
line the command writes goes through `lolpop.secret.scrub`, so a secret a config reads
(a webhook's token, a password in a URL, an environment token) is never printed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from lolpop import __version__
from lolpop.secret import scrub

if TYPE_CHECKING:
    from typing import TextIO

    from returns.result import Result

    from lolpop.cli.progress import Display
    from lolpop.components.records import ModelVersion
    from lolpop.config.records import WorkflowConfig
    from lolpop.core.failure import RunFailure
    from lolpop.core.step import Step
    from lolpop.errors import ConfigError
    from lolpop.runners.kinds import Report

app = typer.Typer(
    name="lolpop",
    help="lolpop: typed, functional pipelines for machine-learning workflows.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    # Plain help (click's): rich's shows `<bool>` after every flag with this typer/click.
    rich_markup_mode=None,
)


def _echo(message: object = "", *, err: bool = False, nl: bool = True) -> None:
    """Write a line of output, every secret lolpop knows of masked (`lolpop.secret`)."""
    typer.echo(scrub(str(message)), err=err, nl=nl)


def _example(*lines: str) -> str:
    """A command's help epilog: its examples, kept as written (`\b` stops rewrapping)."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def _print_version(value: bool) -> None:
    if value:
        _echo(f"lolpop {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version."
    ),
    debug: bool = typer.Option(
        False, "--debug", help="Show the traceback behind an error (for a bug report)."
    ),
) -> None:
    """lolpop: typed, functional pipelines for machine-learning workflows."""


@app.command(epilog=_example("lolpop version"))
def version() -> None:
    """Print the version of lolpop."""
    _echo(f"lolpop {__version__}")


config_app = typer.Typer(help="Work with workflow configs.", no_args_is_help=True)
app.add_typer(config_app, name="config")

_PROFILE = typer.Option(
    None, "--profile", "-p", help="The profile to overlay (default: LOLPOP_PROFILE)."
)
_STAGE = typer.Option(
    None, "--stage", "-s", help="The runner's stage (default: its first, build_all)."
)


_WORK_DIR = typer.Option(
    None,
    "--work-dir",
    "-w",
    help="Keep lolpop's outputs here (default: the config's `work_dir`, .lolpop in the "
    "config's folder).",
    show_default=False,
)


def _work_folder(work_dir: str | None, *, existing: bool = False) -> Path | None:
    """`--work-dir` made absolute, or exit 2 when it names a file (or, `existing`, when it
    is not there: a folder to read from)."""
    if not work_dir:
        return None
    work = Path(work_dir).absolute()
    if (work.exists() or existing) and not work.is_dir():
        _echo(
            f"lolpop: --work-dir {work_dir} is not a folder"
            + (" (there is nothing at that path)" if not work.exists() else ""),
            err=True,
        )
        raise typer.Exit(code=2)
    return work


@contextmanager
def _at_config(config: str, work_dir: str | None = None) -> Iterator[tuple[str, str | None]]:
    """Work in the config file's folder, as its relative paths (data, outputs, a
    `sqlite:///mlflow.db` store) are written against it, wherever the command is run
    from; the working folder is restored after. Yields the config's and `work_dir`'s
    absolute paths (`work_dir` is relative to where the command is run, and may lead
    outside the config's folder: the user named it)."""
    from lolpop.config.paths import also_inside  # noqa: PLC0415

    source = Path(config).absolute()
    work = _work_folder(work_dir)
    before = os.getcwd()
    if source.parent.is_dir():
        os.chdir(source.parent)
    try:
        with also_inside(work) if work else nullcontext():
            yield str(source), str(work) if work else None
    finally:
        os.chdir(before)


def _type_checks(config: str, source: str, profile: str | None) -> bool:
    """Whether mypy passes the config rendered as Python (what it says is shown; exit 2
    when mypy is not installed)."""
    from lolpop.config.export import kept_mypy_cache, mypy_problems  # noqa: PLC0415
    from lolpop.errors import MissingToolError  # noqa: PLC0415

    kept = kept_mypy_cache()
    if kept is None or not kept.is_dir():
        _echo(
            "lolpop check --mypy: mypy reads the types of lolpop, pandas and scikit-learn "
            "a first time (~30 s; later checks reuse its cache)...",
            err=True,
        )
    try:
        found = mypy_problems(_python_of(source, profile))
    except MissingToolError as missing:
        _echo(f"lolpop check: {missing}", err=True)
        raise typer.Exit(code=2) from None
    if found:
        listed = "\n".join(f"- {line}" for line in found)
        _echo(f"lolpop check --mypy: {config} does not type-check:\n{listed}", err=True)
    return not found


def _python_of(config: str, profile: str | None) -> str:
    """The config rendered as a typed Python module (exit 2 if it cannot be read)."""
    from pathlib import Path  # noqa: PLC0415

    from lolpop.config.export import render_python  # noqa: PLC0415
    from lolpop.config.loading import prepare, read_file  # noqa: PLC0415
    from lolpop.errors import ConfigError  # noqa: PLC0415

    try:
        raw = read_file(config)
    except OSError as error:
        _echo(f"lolpop: cannot read {config}: {error.strerror or error}", err=True)
        raise typer.Exit(code=2) from None
    prepared = prepare(raw, profile, config, toml=Path(config).suffix == ".toml")
    problems = prepared.swap().value_or(None)
    if problems is not None:
        _echo(f"lolpop: {problems}", err=True)
        raise typer.Exit(code=2)
    try:
        return render_python(prepared.unwrap()[0], source=config)
    except ConfigError as error:
        _echo(f"lolpop: {error}", err=True)
        raise typer.Exit(code=2) from None


def _decoded(
    command: str,
    config: str,
    profile: str | None,
    loaded: Result[WorkflowConfig, ConfigError] | None = None,
) -> WorkflowConfig:
    """The config decoded (unless `loaded` already is), or every problem on stderr and
    exit 2. Nothing is built: a command that needs only the settings (where runs are
    kept) works for a config whose components' code is not importable here."""
    from lolpop.config import load  # noqa: PLC0415

    if loaded is None:
        loaded = load(config, profile)
    problems = loaded.swap().value_or(None)
    if problems is not None:
        _echo(f"lolpop {command}: {problems}", err=True)
        raise typer.Exit(code=2)
    return loaded.unwrap()


def _built(
    command: str,
    config: str,
    profile: str | None,
    stage: str | None = None,
    loaded: Result[WorkflowConfig, ConfigError] | None = None,
    *,
    work_dir: str | None = None,
) -> tuple[WorkflowConfig, Step[None, Report]]:
    """The config decoded (unless `loaded` already is), its `work_dir` replaced by
    `work_dir` if given, and its runner built (nothing read or run), or every problem on
    stderr and exit 2."""
    import attrs  # noqa: PLC0415

    from lolpop.runners.build import build_workflow  # noqa: PLC0415 (imports the catalogue)

    workflow = _decoded(command, config, profile, loaded)
    if work_dir is not None:
        workflow = attrs.evolve(
            workflow, settings=attrs.evolve(workflow.settings, work_dir=work_dir)
        )
    built = build_workflow(workflow, source=config, stage=stage)
    build_problems = built.swap().value_or(None)
    if build_problems is not None:
        from lolpop.config.loading import with_lines  # noqa: PLC0415

        _echo(f"lolpop {command}: {with_lines(build_problems, profile)}", err=True)
        raise typer.Exit(code=2)
    return workflow, built.unwrap()


@app.command(
    epilog=_example(
        "lolpop check examples/churn/workflow.yaml --profile prod",
        "lolpop check examples/churn/workflow.yaml --stage evaluate --mypy",
        "lolpop check workflow.yaml --offline",
    )
)
def check(
    config: str = typer.Argument(
        ..., metavar="CONFIG", help="The workflow config (YAML) to check."
    ),
    profile: str | None = _PROFILE,
    mypy: bool = typer.Option(
        False, "--mypy", help="Also render the config as Python and type-check it with mypy."
    ),
    stage: str | None = typer.Option(
        None,
        "--stage",
        "-s",
        help="A stage that must be able to run (default: the runner's first, build_all).",
    ),
    offline: bool = typer.Option(
        False,
        "--offline",
        help="Do not look at the files the workflow reads and writes (existence, headers).",
    ),
) -> None:
    """Check a workflow config: every problem at once, with its path and line.

    Unless `--offline`, the files it reads must exist and be readable, with the target,
    id and time columns in their headers, and its outputs must be writable.

    Every stage of the runner is built too. A stage the config sets up (e.g. evaluate,
    when it gives `labels`) that lacks something it needs is a problem; any other stage
    that cannot run is listed with what it needs, after the config."""
    from lolpop._lazy import declaring  # noqa: PLC0415

    # Nothing built here runs: pandas' classes need not be imported to compare types.
    with _at_config(config) as (source, _), declaring():
        from lolpop.config import load, make_converter, mask_secrets  # noqa: PLC0415
        from lolpop.config._yaml import dump_yaml  # noqa: PLC0415 (only this command)
        from lolpop.config.loading import (  # noqa: PLC0415
            located,
            with_lines,
            without_undecodable,
        )
        from lolpop.errors import ConfigError  # noqa: PLC0415
        from lolpop.runners.build import (  # noqa: PLC0415 (the catalogue)
            build_parts,
            check_stages,
            component_problems,
        )

        loaded = load(source, profile)
        problems = loaded.swap().value_or(None)
        failed = problems is not None
        if problems is not None:
            # The components that decoded are built too: their mistakes come in this round.
            rest = without_undecodable(problems, profile)
            if rest is not None:
                more = component_problems(rest[0], source=source)
                problems = located(ConfigError((*problems.problems, *more), source), rest[1])
            _echo(f"lolpop check: {problems}", err=True)
        if mypy and not _type_checks(config, source, profile):
            failed = True
        if failed:
            raise typer.Exit(code=2)
        workflow = loaded.unwrap()
        built = build_parts(workflow, source=source, stage=stage)
        build_problems = built.swap().value_or(None)
        if build_problems is not None:
            _echo(f"lolpop check: {with_lines(build_problems, profile)}", err=True)
            raise typer.Exit(code=2)
        stages = check_stages(built.unwrap(), source=source)
        mistakes = tuple(problem for each in stages if each.configured for problem in each.problems)
        if not offline:
            from lolpop.config.preflight import preflight  # noqa: PLC0415

            mistakes = (*mistakes, *preflight(workflow, stage))
        if mistakes:
            _echo(f"lolpop check: {with_lines(ConfigError(mistakes, source), profile)}", err=True)
            raise typer.Exit(code=2)
        shown = mask_secrets(
            make_converter(allow_imports=workflow.allow_imports).unstructure(workflow)
        )
        chosen = [
            f"{what} {name}" for what, name in (("profile", profile), ("stage", stage)) if name
        ]
        _echo(
            f"{config}: OK"
            + (f" ({', '.join(chosen)})" if chosen else "")
            + (", mypy OK" if mypy else "")
        )
        _echo(dump_yaml(shown, sort_keys=False).rstrip())
        _echo(f"stages that can run: {', '.join(s.stage for s in stages if not s.problems)}")
        for each in stages:
            if each.problems:
                _echo(
                    f"{each.stage} cannot run (the config does not set it up; `--stage "
                    f"{each.stage}` makes this a problem):"
                )
                _echo("\n".join(f"- {problem}" for problem in each.problems))


@config_app.command(
    "export", epilog=_example("lolpop config export examples/churn/workflow.yaml > workflow.py")
)
def export(
    config: str = typer.Argument(
        ..., metavar="CONFIG", help="The workflow config (YAML) to export."
    ),
    profile: str | None = _PROFILE,
    python: bool = typer.Option(True, "--python", help="Export as a typed Python module."),
) -> None:
    """Print a workflow config as a typed Python module (to move from YAML to Python).

    Only a config that `lolpop check` passes is exported. Its secrets are never written
    out: each is masked (`***`), and stderr says how many to fill in."""
    from lolpop.secret import MASK  # noqa: PLC0415

    with _at_config(config) as (source, _):
        _built("config export", source, profile)
        module = scrub(_python_of(source, profile))
    _echo(module, nl=False)
    masked = module.count(MASK)
    if masked:
        _echo(
            f"lolpop config export: {masked} secret{'s are' if masked > 1 else ' is'} written "
            f"masked ({MASK!r}: lolpop never writes a secret out); fill each in before running "
            "the module, e.g. Secret(os.environ['HOOK_URL']).",
            err=True,
        )


_BACKENDS = ("local", "dry-run", "prefect", "dask")


class _Terminated(KeyboardInterrupt):
    """SIGTERM, met as Ctrl-C is: a scheduler's (or `kill`'s) stop ends a run as cleanly."""


@contextmanager
def _terminated_as_interrupted() -> Iterator[None]:
    """While inside, SIGTERM raises `_Terminated` in the main thread (then the handler
    before is put back); elsewhere than the main thread, nothing changes."""
    import signal  # noqa: PLC0415
    import threading  # noqa: PLC0415

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise _Terminated

    before = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def _tracking_uris(workflow: WorkflowConfig) -> set[str]:
    """The MLflow stores the workflow tracks runs in."""
    from lolpop.components._mlflow import resolve_tracking_uri  # noqa: PLC0415

    uris = {resolve_tracking_uri(workflow.settings.tracking_uri)}
    for component in workflow.components.values():
        uri = getattr(component.settings, "tracking_uri", None)
        if isinstance(uri, str):
            uris.add(resolve_tracking_uri(uri))
    return uris


def _sweep(workflow: WorkflowConfig, cache_dir: Path) -> None:
    """Clean up after the workflow's dead runs (`lolpop.runners.hygiene`), saying what."""
    from lolpop.config.paths import output_paths  # noqa: PLC0415
    from lolpop.runners.hygiene import sweep  # noqa: PLC0415

    trees: set[Path] = {Path(workflow.settings.work_dir)}
    folders: set[Path] = set()
    for value, _ in output_paths(workflow):
        if "://" not in value:
            path = Path(value)
            (trees if path.is_dir() else folders).add(path if path.is_dir() else path.parent)
    for line in sweep(cache_dir, trees, folders, _tracking_uris(workflow)).to_text().splitlines():
        _echo(f"lolpop: {line}", err=True)


def _end_interrupted(workflow: WorkflowConfig) -> None:
    """End the MLflow runs an interrupted run left RUNNING as KILLED, saying which (a
    store that cannot be reached is left to the next run's sweep)."""
    if "mlflow" not in sys.modules:
        return  # nothing was tracked in MLflow yet
    from lolpop.runners.hygiene import end_interrupted  # noqa: PLC0415

    try:
        ended = end_interrupted(_tracking_uris(workflow))
    except Exception:  # the clean-up after Ctrl-C must not hide the interruption
        return
    for run_id in ended:
        _echo(f"lolpop: marked the MLflow run {run_id} KILLED (a resume reopens it)", err=True)


def _keeps_nothing(workflow: WorkflowConfig) -> bool:
    """Whether the workflow runs on Dask, where no step output is kept."""
    from lolpop.config.records import PrefectBackendConfig  # noqa: PLC0415

    backend = workflow.backend
    return isinstance(backend, PrefectBackendConfig) and backend.task_runner == "dask"


def _where(workflow: WorkflowConfig, report: Report) -> str:
    """Where a run's records are, and how to look at them: the MLflow runs (and the
    `mlflow ui` line for their store, the training run's figures and model), and the work
    folder's versions, reports and step outputs (none on Dask)."""
    from lolpop.cli.runs import tracker_uri  # noqa: PLC0415
    from lolpop.components._mlflow import resolve_tracking_uri  # noqa: PLC0415
    from lolpop.components.records import RunRef  # noqa: PLC0415

    tracker = workflow.components.get("tracker")
    uri = resolve_tracking_uri(tracker_uri(workflow))
    work = Path(workflow.settings.work_dir).resolve()
    lines = ["where:"]
    runs = [ran for ran in getattr(report, "runs", ()) if isinstance(ran, RunRef) and ran.run_id]
    if runs and (tracker is None or tracker.type == "mlflow"):
        lines.append(f"  MLflow runs {', '.join(ran.run_id for ran in runs)} in {uri}")
        lines.append(f"    look at them with: mlflow ui --backend-store-uri {uri}")
        for ran in runs:
            if ran.name.endswith("-train"):
                lines.append(f"  figures and the model: artifacts of run {ran.run_id}")
    if "store" not in workflow.components:
        lines.append(f"  data and prediction versions: {work / 'store'}")
    kept = "" if _keeps_nothing(workflow) else f"; step outputs (for --resume): {work / 'cache'}"
    lines.append(f"  reports: {work / 'reports'}{kept}")
    return "\n".join(lines)


def _chosen_backend(
    backend: str | None, workflow: WorkflowConfig, dask_address: str | None
) -> tuple[str, WorkflowConfig]:
    """The backend to run on (`--backend`, else the config's): local, dry-run or prefect,
    and the workflow with its Prefect settings for Dask when `--backend dask`,
    `--dask-address` or the config's `task_runner: dask` asks for it; exit 2 for an
    address with another `--backend`."""
    import attrs  # noqa: PLC0415

    from lolpop.config.records import (  # noqa: PLC0415
        DryRunBackendConfig,
        LocalBackendConfig,
        PrefectBackendConfig,
    )

    if dask_address is not None and backend not in (None, "dask"):
        # A dry run (or any other backend) asked with an address ran on Dask for real.
        _echo(
            f"lolpop run: --dask-address runs the workflow on Dask; it does not go with "
            f"--backend {backend}. Leave out one of them (`--backend dask --dask-address "
            "ADDRESS` runs on that cluster).",
            err=True,
        )
        raise typer.Exit(code=2)
    given = workflow.backend
    chosen = (
        backend
        or {
            LocalBackendConfig: "local",
            DryRunBackendConfig: "dry-run",
            PrefectBackendConfig: "prefect",
        }[type(given)]
    )
    on_dask = isinstance(given, PrefectBackendConfig) and given.task_runner == "dask"
    if chosen == "dask" or dask_address is not None or (backend is None and on_dask):
        return "prefect", _on_dask(workflow, dask_address)
    if isinstance(given, PrefectBackendConfig) and on_dask:  # `--backend prefect`: threads
        return chosen, attrs.evolve(workflow, backend=attrs.evolve(given, task_runner="threads"))
    return chosen, workflow


def _check_prefect_server(workflow: WorkflowConfig) -> None:
    """Exit 2, nothing run, when the Prefect server the run would report to takes no
    connection (`server_problem`)."""
    from lolpop.backends.prefect_backend import server_problem  # noqa: PLC0415 (prefect)
    from lolpop.config.records import PrefectBackendConfig  # noqa: PLC0415

    given = workflow.backend
    on_dask = isinstance(given, PrefectBackendConfig) and given.task_runner == "dask"
    problem = server_problem(dask=on_dask)
    if problem is not None:
        _echo(f"lolpop run: {problem}", err=True)
        raise typer.Exit(code=2)


def _on_dask(workflow: WorkflowConfig, address: str | None) -> WorkflowConfig:
    """The workflow on the Prefect backend with a Dask task runner (`--backend dask`), at
    `address` if given, its paths absolute (`with_absolute_paths`); or exit 2 saying what
    a Dask run needs that is missing here."""
    import attrs  # noqa: PLC0415

    from lolpop.backends.dask_runner import dask_problem  # noqa: PLC0415
    from lolpop.config.paths import with_absolute_paths  # noqa: PLC0415
    from lolpop.config.records import PrefectBackendConfig  # noqa: PLC0415

    problem = dask_problem()
    if problem is not None:
        _echo(f"lolpop run: {problem}", err=True)
        raise typer.Exit(code=2)
    given = workflow.backend
    base = given if isinstance(given, PrefectBackendConfig) else PrefectBackendConfig()
    chosen = attrs.evolve(base, task_runner="dask", dask_address=address or base.dask_address)
    # Workers started in another folder read relative paths from it: make them the
    # config folder's (`_at_config` works there) before any step is made.
    workflow = with_absolute_paths(workflow, Path.cwd())
    return attrs.evolve(workflow, backend=chosen)


def collect_from_here() -> None:
    """Collect garbage again (`main` stops it while the command starts): the objects made
    so far, imports and config, are frozen (never swept: they live as long as the
    process), and whatever the work makes from here is collected as usual."""
    import gc  # noqa: PLC0415

    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def _run_on(
    chosen: str,
    workflow: WorkflowConfig,
    program: Step[None, Report],
    cache_dir: str | None,
    resume: str | None,
    *,
    source: str = "",
    display: Display | None = None,
) -> Result[Report, RunFailure]:
    """Run `program` (of the config at `source`) on the chosen backend (local or
    prefect), keeping step outputs in `cache_dir` (None: nothing kept) and resuming
    `resume` (None: a fresh run); `display` shows a local run's steps (a Prefect run's
    are its flow's log lines)."""
    collect_from_here()
    from lolpop.backends import Local  # noqa: PLC0415
    from lolpop.backends.run import run  # noqa: PLC0415
    from lolpop.config.records import LocalBackendConfig, PrefectBackendConfig  # noqa: PLC0415

    if chosen == "prefect":
        from lolpop.backends.prefect_backend import Prefect  # noqa: PLC0415
        from lolpop.cli.progress import prefect_logs_at  # noqa: PLC0415

        if display is not None:
            display.close()
            prefect_logs_at(display.level)
        settings = workflow.backend if isinstance(workflow.backend, PrefectBackendConfig) else None
        if settings is not None and settings.task_runner == "dask":
            from lolpop.backends.dask_runner import dask_task_runner  # noqa: PLC0415

            if cache_dir is not None or resume is not None:
                # A kept run (its step cache and log, with their locks) stays in this
                # process: tasks on Dask's workers keep nothing, so nothing is resumable.
                _echo("lolpop run: on Dask, step outputs are not kept (no --resume).", err=True)
            with dask_task_runner(settings.dask_address, settings.dask_workers) as runner:
                prefect = Prefect(runner, flow_name=settings.flow_name)
                return run(program, None, backend=prefect)
        if not os.environ.get("PREFECT_API_URL"):
            # Prefect's temporary server logs cancelled tasks and pool resets as errors
            # when it stops at exit; the run is over by then, and lolpop reports it.
            os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
        prefect = Prefect(
            flow_name=settings.flow_name if settings else None,
            cache_dir=cache_dir,
            workflow=source,
        )
        return run(program, None, backend=prefect, resume=resume)
    local = workflow.backend if isinstance(workflow.backend, LocalBackendConfig) else None
    if display is not None:
        display.planned(program)
    backend = Local(
        max_workers=local.max_workers if local else None,
        timeout=local.timeout if local else None,
        cache_dir=cache_dir,
        progress=False if display is not None else None,
        observer=display,
        workflow=source,
    )
    try:
        return run(program, None, backend=backend, resume=resume)
    finally:
        if display is not None:
            display.close()  # before the summary


@app.command(
    "run",
    epilog=_example(
        "lolpop run examples/churn/workflow.yaml",
        "lolpop run examples/churn/workflow.yaml --backend dry-run",
        "lolpop run examples/churn/workflow.yaml --resume last",
    ),
)
def run_workflow(
    config: str = typer.Argument(
        ..., metavar="CONFIG", help="The workflow config (YAML or TOML) to run."
    ),
    *,
    profile: str | None = _PROFILE,
    stage: str | None = _STAGE,
    backend: str | None = typer.Option(
        None,
        "--backend",
        "-b",
        help="local, dry-run, prefect, or dask (prefect's tasks on a Dask cluster) "
        "(default: the config's `backend:`, else local).",
    ),
    dask_address: str | None = typer.Option(
        None,
        "--dask-address",
        help="With --backend dask: a running Dask scheduler (default: a temporary local cluster).",
        show_default=False,
    ),
    resume: str | None = typer.Option(
        None,
        "--resume",
        "-r",
        help="Resume a failed or killed run: its id (`lolpop runs`), or `last`.",
        show_default=False,
    ),
    fresh: bool = typer.Option(
        False, "--fresh", help="Keep no step outputs (the run cannot be resumed)."
    ),
    work_dir: str | None = _WORK_DIR,
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Print only the summary and errors (no step lines)."
    ),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Also print each step's types, and libraries' INFO logs."
    ),
) -> None:
    """Run a workflow config on a backend; `--backend dry-run` prints the plan only.

    Every step's output is kept under the work folder (`.lolpop/cache`), so that a run
    that fails or is killed can be resumed with `--resume last`: its finished steps are
    reused, and only the rest runs.

    The config's relative paths (data, outputs, a `sqlite:///mlflow.db` store) are read
    against the config file's folder, wherever the command is run from.

    On a terminal a live display shows the steps (the plan's count, the current step);
    otherwise one line per finished step goes to stderr."""
    from lolpop.cli.progress import level_of, start_display  # noqa: PLC0415

    display = start_display(level_of(quiet=quiet, verbose=verbose), f"loading {config}")
    with _at_config(config, work_dir) as (source, work):
        _run_config(
            config,
            source,
            profile,
            stage=stage,
            backend=backend,
            resume=resume,
            fresh=fresh,
            work_dir=work,
            display=display,
            dask_address=dask_address,
        )


def _dry_run(
    program: Step[None, Report], cache_dir: str | None, resume: str | None, source: str
) -> None:
    """`lolpop run --backend dry-run`: print the plan of the config at `source` (exit 2
    for a run that cannot be resumed, 1 for a program that cannot be planned)."""
    from returns.result import Failure, Success  # noqa: PLC0415

    from lolpop.backends.cache import ResumeError  # noqa: PLC0415
    from lolpop.cli.plan import dry_run_text  # noqa: PLC0415

    try:
        planned = dry_run_text(program, cache_dir, resume, source)
    except ResumeError as error:
        _echo(f"lolpop run: {error}", err=True)
        raise typer.Exit(code=2) from None
    match planned:
        case Success(text):
            _echo(text)
        case Failure(failure):
            _echo(f"lolpop run: {failure.message}", err=True)
            raise typer.Exit(code=1)


def _resume_hint(config: str, work_dir: str | None) -> str:
    """How to resume a run of `config` that failed or was interrupted."""
    again = f" --work-dir {work_dir}" if work_dir else ""
    return f"resume it with: lolpop run {config}{again} --resume last"


def _run_config(
    config: str,
    source: str,
    profile: str | None,
    *,
    stage: str | None,
    backend: str | None,
    resume: str | None,
    fresh: bool,
    work_dir: str | None,
    display: Display | None = None,
    dask_address: str | None = None,
) -> None:
    """`lolpop run`, in the config's folder: `config` as the user wrote it, `source` its
    absolute path."""
    from returns.result import Failure, Success  # noqa: PLC0415

    from lolpop.backends.cache import ResumeError  # noqa: PLC0415
    from lolpop.errors import BackendError  # noqa: PLC0415

    if backend is not None and backend not in _BACKENDS:
        _echo(f"lolpop run: unknown backend {backend!r} ({', '.join(_BACKENDS)})", err=True)
        raise typer.Exit(code=2)
    workflow, program = _built("run", source, profile, stage, work_dir=work_dir)
    if fresh and resume is not None:
        _echo("lolpop run: --fresh keeps nothing, so it cannot --resume.", err=True)
        raise typer.Exit(code=2)
    cache_dir = None if fresh else str(Path(workflow.settings.work_dir) / "cache")
    chosen, workflow = _chosen_backend(backend, workflow, dask_address)
    if chosen == "dry-run":
        if display is not None:
            display.close()
        _dry_run(program, cache_dir, resume, source)
        return
    if chosen == "prefect":
        _check_prefect_server(workflow)
    if cache_dir is not None:
        _sweep(workflow, Path(cache_dir))
    hint = "" if cache_dir is None or _keeps_nothing(workflow) else _resume_hint(config, work_dir)
    try:
        with _terminated_as_interrupted():
            result = _run_on(
                chosen, workflow, program, cache_dir, resume, source=source, display=display
            )
    except KeyboardInterrupt as stopped:  # Ctrl-C or SIGTERM: the steps done so far are kept
        _end_interrupted(workflow)
        how, code = (
            ("terminated", 143) if isinstance(stopped, _Terminated) else ("interrupted", 130)
        )
        _echo(f"lolpop run: {how}{'; ' + hint if hint else ''}", err=True)
        raise typer.Exit(code=code) from None
    except ResumeError as error:
        _echo(f"lolpop run: {error}", err=True)
        raise typer.Exit(code=2) from None
    except BackendError as error:  # the backend could not start (nothing ran)
        _echo(f"lolpop run: {error}", err=True)
        raise typer.Exit(code=1) from None
    match result:
        case Success(report):
            _echo(report.to_text())
            _echo(_where(workflow, report))
        case Failure(failure):
            _echo(f"lolpop run: {failure.message}", err=True)
            if hint:
                _echo(f"lolpop run: {hint}", err=True)
            raise typer.Exit(code=1)


_ONLY = typer.Option(
    None,
    "--only",
    metavar="COMPONENT",
    help="Check this component alone (named as in the table: encoder, trainer, ...; "
    "repeat for more), and run no hook.",
)


@app.command("test", epilog=_example("lolpop test examples/churn/workflow.yaml --examples 20"))
def lolpop_test_command(
    config: str = typer.Argument(
        ..., metavar="CONFIG", help="The workflow config (YAML or TOML) to test."
    ),
    *,
    profile: str | None = _PROFILE,
    examples: int | None = typer.Option(
        None,
        "--examples",
        "-n",
        min=1,
        help="Examples each law draws (default: the hypothesis profile's; built-in "
        "components draw a few, unless --all).",
    ),
    everything: bool = typer.Option(
        False, "--all", help="Check built-in components as fully as the config's own."
    ),
    only: list[str] | None = _ONLY,
) -> None:
    """Check a config's components against their laws, on its own data, then run its
    `tests:` hooks on a small run (in a scratch folder). Exit 1 if anything fails."""
    from lolpop.errors import ConfigError  # noqa: PLC0415
    from lolpop.testing.cli_test import lolpop_test  # noqa: PLC0415 (hypothesis, pandas)

    def progress(text: str, end_of_line: bool) -> None:
        _echo(text, err=True, nl=end_of_line)

    collect_from_here()
    try:
        with _at_config(config) as (source, _):
            code = lolpop_test(
                source,
                profile=profile,
                examples=examples,
                everything=everything,
                say=_echo,
                progress=progress,
                only=tuple(only or ()),
            )
    except ConfigError as error:
        _echo(f"lolpop test: {error}", err=True)
        raise typer.Exit(code=2) from None
    if code:
        raise typer.Exit(code=code)


# `lolpop runs ledger`, the default of `lolpop runs` (lolpop/cli/runs.py registers it).
def runs_command(
    config: str | None = typer.Argument(
        None,
        metavar="CONFIG",
        help="A workflow config: its work folder and MLflow (default: .lolpop, the env).",
    ),
    profile: str | None = _PROFILE,
    work_dir: str | None = _WORK_DIR,
) -> None:
    """List the runs kept in the work folder (newest last), after cleaning up after the
    dead ones: their logs ended as killed, their MLflow runs marked KILLED, their
    temporary files removed. A run made with `--work-dir` is listed with the same one."""
    import datetime  # noqa: PLC0415

    import attrs  # noqa: PLC0415

    from lolpop.backends.cache import runs  # noqa: PLC0415
    from lolpop.cli.runs import quiet_mlflow  # noqa: PLC0415
    from lolpop.components._mlflow import resolve_tracking_uri  # noqa: PLC0415
    from lolpop.runners.hygiene import sweep  # noqa: PLC0415

    quiet_mlflow()

    if config is not None:
        with _at_config(config, work_dir) as (source, work):
            workflow = _decoded("runs", source, profile)
            if work is not None:
                settings = attrs.evolve(workflow.settings, work_dir=work)
                workflow = attrs.evolve(workflow, settings=settings)
            cache_dir = (Path(workflow.settings.work_dir) / "cache").absolute()
            _sweep(workflow, cache_dir)
    else:
        work_tree = _work_folder(work_dir, existing=True) or Path(".lolpop")
        cache_dir = work_tree / "cache"
        swept = sweep(cache_dir, [work_tree], [], [resolve_tracking_uri(None)])
        for line in swept.to_text().splitlines():
            _echo(f"lolpop: {line}", err=True)
    found = runs(cache_dir / "runs")
    if not found:
        _echo(f"no runs kept in {cache_dir} yet")
        return
    rows = [("run", "started", "status", "steps", "resumes", "config")]
    for info in found:
        started = datetime.datetime.fromtimestamp(info.started).strftime("%Y-%m-%d %H:%M:%S")
        config_name = Path(info.workflow).name if info.workflow else "-"
        ended = info.ended or "running"
        rows.append(
            (info.run_id, started, ended, str(info.steps), info.resumes or "-", config_name)
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        _echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


@app.command("lineage", epilog=_example("lolpop lineage churn", "lolpop lineage churn:2"))
def lineage_command(
    model: str = typer.Argument(
        ..., metavar="MODEL", help="MODEL or MODEL:VERSION (default: the champion)."
    ),
    tracking_uri: str | None = typer.Option(
        None,
        "--tracking-uri",
        help="MLflow's tracking URI (default: MLFLOW_TRACKING_URI, else sqlite:///mlflow.db).",
    ),
) -> None:
    """Print a model version's lineage: run, datasets, winning experiment, predictions."""
    from lolpop.cli.runs import check_store  # noqa: PLC0415

    uri = check_store("lineage", tracking_uri)  # before MLflow would make an empty store
    from lolpop.runners.lineage import LineageError, lineage  # noqa: PLC0415

    try:
        _echo(lineage(model, uri).to_text())
    except LineageError as error:
        _echo(f"lolpop lineage: {error}", err=True)
        raise typer.Exit(code=2) from None


@app.command(
    "approve",
    epilog=_example('lolpop approve churn:2 --reason "reviewed" --promote'),
)
def approve_command(
    model: str = typer.Argument(
        ..., metavar="MODEL", help="MODEL:VERSION, a registered model version."
    ),
    *,
    reason: str = typer.Option(..., "--reason", "-r", help="Why: recorded with the decision."),
    reject: bool = typer.Option(False, "--reject", help="Record a rejection instead."),
    promote: bool = typer.Option(
        False, "--promote", help="Also move the champion alias to it (approvals only)."
    ),
    by: str = typer.Option("", "--by", help="Who decides (default: the user's login name)."),
    force: bool = typer.Option(
        False, "--force", help="Promote a version whose run did not finish (it died or failed)."
    ),
    tracking_uri: str | None = typer.Option(
        None,
        "--tracking-uri",
        help="MLflow's tracking URI (default: MLFLOW_TRACKING_URI, else sqlite:///mlflow.db).",
    ),
) -> None:
    """Approve (or reject) a model version by hand, as a manual approval rule leaves it.

    `--promote` moves the champion alias over the champion it points at just before (read
    then, and checked again when the alias is set: if another promotion lands in between,
    nothing is moved and the command says so). A version registered by a run that did not
    finish (killed, failed, or still running) is not promoted without `--force`."""
    import getpass  # noqa: PLC0415

    from lolpop.components._mlflow import UnknownVersionError  # noqa: PLC0415
    from lolpop.components.mlflow_repository import (  # noqa: PLC0415
        MlflowRegistrySettings,
        mlflow_repository,
        unfinished_run,
    )
    from lolpop.components.records import Approval, ModelVersion, Promotion  # noqa: PLC0415
    from lolpop.errors import LolpopError, StepFailure  # noqa: PLC0415

    name, _, number = model.partition(":")
    if not name or not number.isdigit():
        _echo(f"lolpop approve: {model!r} is not MODEL:VERSION (e.g. churn:3).", err=True)
        raise typer.Exit(code=2)
    if reject and promote:
        _echo("lolpop approve: a rejected version cannot be promoted.", err=True)
        raise typer.Exit(code=2)
    if not reason.strip() or any(not part.isprintable() for part in (reason, by)):
        _echo(
            "lolpop approve: a decision is recorded with its reason and who made it: give "
            "--reason a text, and --by (if given) a name, each on one line of printable "
            "characters.",
            err=True,
        )
        raise typer.Exit(code=2)
    from lolpop.cli.runs import check_store  # noqa: PLC0415

    # A version to approve lives in an existing store: never make an empty one.
    settings = MlflowRegistrySettings(name, tracking_uri=check_store("approve", tracking_uri))
    repository = mlflow_repository(settings)
    version = ModelVersion(name, int(number), "")
    decision = Approval(not reject, reason, by=by or getpass.getuser())
    try:
        ended = unfinished_run(settings, version.version) if promote and not force else None
        if ended is not None:
            _echo(
                f"lolpop approve: {name} version {number} was registered by a run that did not "
                f"finish (its status is {ended}: it died, failed or is still going), so its "
                "later steps may never have run. Nothing was recorded. Resume that run "
                "(`lolpop run CONFIG --resume`), or pass --force to promote it anyway.",
                err=True,
            )
            raise typer.Exit(code=1)
        if reject:
            _refuse_rejecting_the_champion(repository.get_alias(settings.champion_alias), version)
        decided = repository.approve((version, decision))
        if promote:
            champion = repository.get_alias(settings.champion_alias)
            decided = repository.promote(Promotion(decided, champion))
    except StepFailure as failure:
        cause = failure.failure.cause
        shown = str(cause) if isinstance(cause, LolpopError) else failure.failure.message
        _echo(f"lolpop approve: {shown}", err=True)
        raise typer.Exit(code=2 if isinstance(cause, UnknownVersionError) else 1) from None
    except LolpopError as error:
        _echo(f"lolpop approve: {error}", err=True)
        raise typer.Exit(code=2 if isinstance(error, UnknownVersionError) else 1) from None
    verdict = "rejected" if reject else "approved"
    aliases = f" (aliases: {', '.join(decided.aliases)})" if decided.aliases else ""
    _echo(f"{name} version {decided.version} {verdict}{aliases}")


def _refuse_rejecting_the_champion(champion: ModelVersion | None, version: ModelVersion) -> None:
    """Exit 2 when `version` is the champion: a rejection would leave it serving, as
    `predict` reads the alias, not the decision."""
    if champion is not None and champion.version == version.version:
        _echo(
            f"lolpop approve: {version.name} version {version.version} is the champion, which "
            "`predict` serves whatever is recorded of it: promote another version first "
            f"(`lolpop approve {version.name}:N --reason ... --promote`), then reject this "
            "one. Nothing was recorded.",
            err=True,
        )
        raise typer.Exit(code=2)


@app.command("components", epilog=_example("lolpop components", "lolpop components csv"))
def components_command(
    name: str | None = typer.Argument(
        None,
        metavar="TYPE-OR-TAG",
        help="A component type (ModelTrainer), a kind's tag (csv) or a runner (classification).",
        show_default=False,
    ),
    markdown: bool = typer.Option(False, "--markdown", help="Print it as markdown."),
) -> None:
    """List the component types, their kinds with every setting (type, default, meaning),
    and the runners with their slots and settings (docs/components.md holds the same)."""
    from lolpop.config.reference import registered_reference  # noqa: PLC0415 (pandas)
    from lolpop.errors import LolpopError  # noqa: PLC0415

    try:
        reference = registered_reference()
    except LolpopError as error:  # an installed package's entry point that is no kind
        _echo(f"lolpop components: {error}", err=True)
        raise typer.Exit(code=2) from None
    if name is not None:
        chosen = reference.select(name)
        if chosen is None:
            close = reference.suggest(name)
            hint = f" (did you mean {' or '.join(close)}?)" if close else ""
            _echo(
                f"lolpop components: no component type, kind or runner is called {name!r}"
                f"{hint}; `lolpop components` lists them all.",
                err=True,
            )
            raise typer.Exit(code=2)
        reference = chosen
    _echo(reference.to_markdown() if markdown else reference.to_text(), nl=False)


# The commands in modules of their own (they import the helpers above).
from lolpop.cli import deployment, plan, runs, scaffold  # noqa: E402

for _module in (runs, plan, scaffold, deployment):
    _module.register(app)


def _say_fit_warnings() -> None:
    """Say a warning raised while a model is fitted as one line naming the model and its
    parameters (`lolpop.components._fitting`); any other warning as Python would."""
    import warnings  # noqa: PLC0415

    from lolpop.components._fitting import fitting_now  # noqa: PLC0415

    python_says = warnings.showwarning

    def say(  # noqa: PLR0917 (the signature of warnings.showwarning)
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        what = fitting_now()
        if what is None:
            python_says(message, category, filename, lineno, file, line)
            return
        text = " ".join(str(message).split())
        _echo(f"[WARNING] {what}: {category.__name__}: {text}", err=True)

    warnings.showwarning = say


def main() -> None:
    """Entry point of the `lolpop` console command: exit 0 on success, 1 when a step
    failed (or lolpop met an error it did not expect: one paragraph, no traceback), 2 on
    a user mistake. `lolpop --debug ...` adds the traceback: of the error behind an exit
    (a command leaves it as the context of its `typer.Exit`), else of where it exited;
    its secrets masked, as in every line lolpop writes."""
    import gc  # noqa: PLC0415
    import itertools  # noqa: PLC0415
    import sys  # noqa: PLC0415
    import traceback  # noqa: PLC0415

    # Read here, not in `_root`: click refuses an unknown command before calling `_root`.
    debug = "--debug" in itertools.takewhile(lambda word: word.startswith("-"), sys.argv[1:])
    # Imports make hundreds of thousands of objects that live as long as the process, and
    # the collector would sweep them again and again as they arrive (~0.2 s of a `check`,
    # issue 16). Short commands end before garbage matters; a long one (`run`, `test`)
    # collects again from when its work starts (`collect_from_here`).
    gc.disable()
    _say_fit_warnings()
    try:
        app()
    except SystemExit as leaving:
        # The process ends here: every object is frozen, so the interpreter's collections
        # as it shuts down skip them (~0.85 s of a run's ~5.5 s, issue 16). What the
        # command wrote is closed already; the streams are flushed at exit as ever.
        gc.freeze()
        if debug and leaving.code not in (0, None):
            shown: BaseException = leaving.__context__ or leaving
            while isinstance(shown, typer.Exit) and shown.__context__ is not None:
                shown = shown.__context__
            _echo("".join(traceback.format_exception(shown)), err=True, nl=False)
        raise
    except Exception as error:  # a bug: lolpop's own errors are caught where they happen
        if debug:  # the traceback, every secret lolpop knows of masked (as `_echo` does)
            _echo("".join(traceback.format_exception(error)), err=True, nl=False)
            sys.exit(1)
        if isinstance(error, PermissionError | IsADirectoryError | NotADirectoryError) and (
            error.filename
        ):  # the machine's folders, not a bug: a read-only project, a file for a folder
            _echo(
                f"lolpop: cannot use {error.filename}: {error.strerror} (check that the "
                "folder exists and that this user may read and write it).",
                err=True,
            )
            sys.exit(2)
        first_line = next(iter(str(error).splitlines()), "")
        _echo(
            f"lolpop: unexpected error: {type(error).__name__}: {first_line}. This may be a bug "
            "in lolpop; `lolpop --debug ...` shows its traceback, for a bug report.",
            err=True,
        )
        sys.exit(1)
