"""The flow every lolpop deployment runs: `lolpop_workflow(config, profile, stage)`.

A Prefect deployment names its flow by an entrypoint that the process running it imports
(here a flow-run process that a Prefect worker starts), so the flow is a function defined
at import, named by its module path (`ENTRYPOINT`), not a flow made on the fly as the
`Prefect` backend makes one. It reads the config when it runs (an edited config applies
to the next run, as with `lolpop run`), builds the runner's stage and runs it on the
`Prefect` backend: the workflow is a child flow run named after it (its `flow_name`, or
the runner's name), each component step a task of it, as `lolpop run --backend prefect`
shows it. Step outputs are kept in the work folder's cache, as `lolpop run` keeps them, so
`lolpop runs CONFIG` lists the deployment's runs too.

The worker starts the run in the config's folder (the deployment's `working_dir`), so a
config's relative paths are read against its folder. A config that no longer loads or
builds, or a step that fails, fails the flow run with lolpop's one-paragraph message.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger

from lolpop.errors import ConfigError, StepFailure

#: The flow's name on the Prefect server: every lolpop deployment is one of this flow.
FLOW_NAME = "lolpop-workflow"
#: Where a worker finds the flow (a module path: nothing is copied or pulled).
ENTRYPOINT = "lolpop.backends.prefect_deployed_flow.lolpop_workflow"


@flow(name=FLOW_NAME, persist_result=False)
def lolpop_workflow(config: str, profile: str | None = None, stage: str | None = None) -> None:
    """Run the stage `stage` (default: the runner's first) of the workflow config `config`
    (with `profile` overlaid) on the Prefect backend, as a child flow run."""
    from returns.result import Failure, Success  # noqa: PLC0415

    from lolpop.backends.prefect_backend import Prefect  # noqa: PLC0415
    from lolpop.backends.run import run  # noqa: PLC0415
    from lolpop.config import load  # noqa: PLC0415
    from lolpop.config.records import PrefectBackendConfig  # noqa: PLC0415
    from lolpop.runners.build import build_workflow  # noqa: PLC0415 (the catalogue)

    loaded = load(config, profile)
    mistakes: ConfigError | None = loaded.swap().value_or(None)
    if mistakes is not None:
        raise mistakes
    workflow = loaded.unwrap()
    program = build_workflow(workflow, source=config, stage=stage)
    mistakes = program.swap().value_or(None)
    if mistakes is not None:
        raise mistakes
    settings = workflow.backend if isinstance(workflow.backend, PrefectBackendConfig) else None
    backend = Prefect(
        flow_name=settings.flow_name if settings else None,
        cache_dir=Path(workflow.settings.work_dir) / "cache",
    )
    match run(program.unwrap(), None, backend=backend):
        case Success(report):
            get_run_logger().info("%s", report.to_text())
        case Failure(failure):
            raise StepFailure(failure)
