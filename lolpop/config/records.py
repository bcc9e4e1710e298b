"""The typed records a workflow config decodes into (and that Python workflows build).

A config names the runner, the backend it runs on, its global settings and its
components, each chosen by a `type:` tag whose registered kind fixes the record of its
settings. The same records can be written directly in Python, where mypy checks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from attrs import Factory, field, frozen, validators

#: attrs field metadata of a setting that names a file or folder lolpop writes to: a
#: config's such paths must stay inside the project folder unless it says
#: `allow_outside: true` (checked by `lolpop check` and every build of a config).
OUTPUT_PATH: Mapping[str, object] = {"lolpop": "output path"}


def is_output_path(metadata: Mapping[object, object]) -> bool:
    """Whether an attrs field's metadata marks it as an output path."""
    return metadata.get("lolpop") == "output path"


@frozen
class Settings:
    """Settings every workflow has, whatever its runner; a runner kind extends them with
    its own (a subclass: the supervised runners' `SupervisedSettings` adds the target,
    the id column, the approval rule...), and a config's `settings:` is decoded into the
    record of the runner it names."""

    #: The model's name: its registered name, its MLflow experiment, and the prefix of its
    #: runs and datasets.
    model_name: str = "model"
    #: Where MLflow records runs: by default a SQLite file, no server to start (a file,
    #: with the artifacts MLflow keeps beside it, is an output path: kept in the project).
    tracking_uri: str = field(default="sqlite:///mlflow.db", metadata=OUTPUT_PATH)
    #: Where lolpop keeps versions, reports and figures (relative to the working folder).
    work_dir: str = field(default=".lolpop", metadata=OUTPUT_PATH)


@frozen
class LocalBackendConfig:
    """`type: local`: run in this process."""

    max_workers: int | None = None
    timeout: float | None = None


@frozen
class DryRunBackendConfig:
    """`type: dry-run`: plan, run nothing."""


@frozen
class PrefectBackendConfig:
    """`type: prefect`: run as a Prefect flow; `task_runner: dask` runs its tasks on a
    Dask cluster (`dask_address`'s, else a temporary one of `dask_workers` processes on
    this machine), whose workers report to the Prefect server PREFECT_API_URL names."""

    flow_name: str | None = None
    #: `threads` (Prefect's thread pool, in this process) or `dask`.
    task_runner: Literal["threads", "dask"] = "threads"
    #: A running Dask scheduler (`tcp://host:8786`); None: a temporary local cluster.
    dask_address: str | None = None
    #: The temporary cluster's worker processes (one thread each).
    dask_workers: int = field(default=2, validator=validators.ge(1))


BackendConfig = LocalBackendConfig | DryRunBackendConfig | PrefectBackendConfig

#: The tag of each backend record in a config.
BACKEND_TAGS: Mapping[str, type[BackendConfig]] = {
    "local": LocalBackendConfig,
    "dry-run": DryRunBackendConfig,
    "prefect": PrefectBackendConfig,
}


@frozen
class ComponentConfig:
    """One component: its kind's tag and that kind's settings record."""

    type: str
    settings: object


@frozen
class HookConfig:
    """One entry of a config's `tests:`: a check on the input or output of one step.

    `step` is a path as plans and run logs show it, or its end (`process/read`), and must
    name exactly one step; `check` is a `module:function` reference (allow-listed like
    every reference) to a function of that value returning None when it is fine, or a
    message saying what is wrong (see `lolpop.testing.hooks`)."""

    step: str
    check: str
    #: Which value of the step the check reads.
    at: Literal["output", "input"] = "output"
    #: The hook's name in plans and failures (default: the check function's name).
    name: str | None = None


@frozen
class WorkflowConfig:
    """A whole workflow: runner, backend, settings and components."""

    runner: str
    settings: Settings = Settings()
    backend: BackendConfig = LocalBackendConfig()
    components: Mapping[str, ComponentConfig] = Factory(dict)
    #: Module prefixes that `module:attribute` references in this config may name.
    allow_imports: tuple[str, ...] = ()
    #: Let output paths (files and folders lolpop writes) point outside the project folder.
    allow_outside: bool = False
    #: Hooks: checks on steps' inputs and outputs, run with the workflow.
    tests: tuple[HookConfig, ...] = ()
