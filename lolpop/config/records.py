"""The typed records a workflow config decodes into (and that Python workflows build).

A config names the runner, the backend it runs on, its global settings and its
components, each chosen by a `type:` tag whose registered kind fixes the record of its
settings. The same records can be written directly in Python, where mypy checks them.
"""

from __future__ import annotations

from collections.abc import Mapping

from attrs import Factory, frozen


@frozen
class Settings:
    """Settings every part of a workflow shares."""

    model_name: str = "model"
    target: str | None = None
    index: str | None = None
    data_dir: str = "data"
    #: Where MLflow records runs: by default a SQLite file, no server to start.
    tracking_uri: str = "sqlite:///mlflow.db"


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
    """`type: prefect`: run as a Prefect flow."""

    flow_name: str | None = None


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
class WorkflowConfig:
    """A whole workflow: runner, backend, settings and components."""

    runner: str
    settings: Settings = Settings()
    backend: BackendConfig = LocalBackendConfig()
    components: Mapping[str, ComponentConfig] = Factory(dict)
    #: Module prefixes that `module:attribute` references in this config may name.
    allow_imports: tuple[str, ...] = ()
