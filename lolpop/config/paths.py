"""Where a config may write: output paths inside the project folder, unless allowed.

A settings field marked `OUTPUT_PATH` (the work folder, stores, registries, figure
folders, data files, artifact roots) names a file or folder lolpop writes to. A config's
such paths must resolve, symlinks followed, inside the project folder (the working
folder: the `lolpop` command works in the config file's folder), unless the config says
`allow_outside: true`: a config from elsewhere cannot make lolpop write over `~/.ssh` or
`/etc`. A folder the user names on the command line (`--work-dir`) is theirs to write
to, wherever it is (`also_inside`). Nor may the prediction file a workflow writes be a
file it reads, its MLflow store, or inside a folder lolpop keeps (`check_overwrites`).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TypeVar

import attrs

from lolpop.config.records import WorkflowConfig, is_output_path
from lolpop.secret import mask_url

_R = TypeVar("_R")

#: Folders outside the project folder that output paths may lead into (`also_inside`).
_ALSO_INSIDE: ContextVar[tuple[Path, ...]] = ContextVar("lolpop_also_inside", default=())


def project_root() -> Path:
    """The folder a config's relative paths are read against, and that its output paths
    must stay in (the working folder)."""
    return Path.cwd().resolve()


@contextmanager
def also_inside(folder: Path) -> Iterator[None]:
    """While inside, output paths may lead into `folder` too: a work folder the user
    named on the command line, not one a config chose."""
    token = _ALSO_INSIDE.set((*_ALSO_INSIDE.get(), folder.resolve()))
    try:
        yield
    finally:
        _ALSO_INSIDE.reset(token)


def _local(value: str) -> tuple[str, str, str] | None:
    """The local path a config's value names, as (scheme, path, query): a path (no
    scheme), a `file://` or `file:` URI, or the database file of a `sqlite:///` one (its
    query apart); None for another URI (`s3://...`, `http://...`) or an in-memory
    database. Schemes are read in any case, as MLflow and SQLAlchemy read them."""
    lowered = value.lower()
    if lowered.startswith("sqlite:///"):
        scheme = value[: len("sqlite:///")]
        path, _, query = value[len(scheme) :].partition("?")
        if path in ("", ":memory:"):
            return None
        return scheme, path, f"?{query}" if query else ""
    if lowered.startswith("file:"):
        # `file:///abs`, `file://relative` (as lolpop has read it) and `file:/abs`.
        scheme = value[: len("file://")] if lowered.startswith("file://") else value[:5]
        return scheme, value[len(scheme) :], ""
    return None if "://" in value else ("", value, "")


def is_outside(value: str, root: Path) -> bool:
    """Whether a path (or a `file://` URI, or the database file of a `sqlite:///` one: an
    MLflow store, its artifacts beside it) from a config leads outside `root`, symlinks
    followed. Other URIs (`s3://...`, `http://...`) are not local paths: never outside.

    >>> root = Path("/work/project")
    >>> [is_outside(p, root) for p in ("out/x.csv", "a/../b", "../x", "/etc/cron.d", "s3://b/k")]
    [False, False, True, True, False]
    >>> [is_outside(u, root) for u in ("sqlite:///mlflow.db", "sqlite:////tmp/m.db", "sqlite://")]
    [False, True, False]
    """
    local = _local(value)
    if local is None:
        return False
    resolved = (root / local[1]).resolve()
    return resolved != root and root not in resolved.parents


def _output_paths(record: object, path: str) -> Iterator[tuple[str, str]]:
    """Every output path a settings record holds, with its config path."""
    cls = type(record)
    if not attrs.has(cls):
        return
    for attribute in attrs.fields(cls):
        value = getattr(record, attribute.name)
        if is_output_path(attribute.metadata) and isinstance(value, str):
            yield value, f"{path}.{attribute.name}"


def output_paths(config: WorkflowConfig) -> list[tuple[str, str]]:
    """Every output path of a config (settings and components), with its config path."""
    found = list(_output_paths(config.settings, "$.settings"))
    for name, component in config.components.items():
        found += _output_paths(component.settings, f"$.components.{name}")
    return found


def absolute_path(value: str, root: Path) -> str:
    """`value` (a path, or a `file://` or `sqlite:///` URI of one) made absolute against
    `root`; other URIs, and absolute paths, as they are.

    >>> root = Path("/work/project")
    >>> [absolute_path(v, root) for v in ("out/x.csv", "/srv/x", "sqlite:///m.db", "s3://b/k")]
    ['/work/project/out/x.csv', '/srv/x', 'sqlite:////work/project/m.db', 's3://b/k']
    """
    local = _local(value)
    if local is None or Path(local[1]).is_absolute():
        return value
    scheme, path, query = local
    return f"{scheme}{root / path}{query}"


def _absolute_record(record: _R, root: Path) -> _R:
    cls = type(record)
    if not attrs.has(cls):
        return record
    changes = {
        attribute.name: absolute_path(value, root)
        for attribute in attrs.fields(cls)
        if is_output_path(attribute.metadata)
        and isinstance(value := getattr(record, attribute.name), str)
    }
    if not changes:
        return record
    return attrs.evolve(record, **changes)  # type: ignore[misc]  # an attrs record: attrs.has above


def with_absolute_paths(config: WorkflowConfig, root: Path) -> WorkflowConfig:
    """`config` with every output path (settings and components) made absolute against
    `root` (`absolute_path`): for a workflow whose steps run in other processes started
    in other folders (a Dask cluster's workers), which would read a relative path from
    their own folder, not from the config's."""
    components = {
        name: attrs.evolve(component, settings=_absolute_record(component.settings, root))
        for name, component in config.components.items()
    }
    return attrs.evolve(
        config, settings=_absolute_record(config.settings, root), components=components
    )


def _malformed_store(value: str) -> str | None:
    """Why an MLflow store's URI cannot be opened as written (None: it may be): a scheme
    in capitals, a SQLite URI without its three slashes (SQLAlchemy's message for them,
    at run time, named no setting), or a scheme MLflow has no store for (its refusal
    came as "unexpected error").

    >>> [_malformed_store(v) is None for v in ("sqlite:///m.db", "http://h:5000", "sqlite://m.db")]
    [True, True, False]
    """
    scheme, colon, _ = value.partition(":")
    if not colon or "/" in scheme or len(scheme) == 1:
        return None  # a path (`C:/...` too), not a URI
    if scheme != scheme.lower():
        return f"the scheme of {value!r} must be written in lowercase ({scheme.lower()}:)"
    if scheme == "sqlite" and not value.startswith("sqlite:///") and value != "sqlite://":
        return (
            f"{value!r} is not a SQLite URI: write sqlite:///PATH (three slashes, then a path "
            "relative to the config's folder; four for an absolute one)"
        )
    if not _opened_by_mlflow(scheme):
        return (
            f"{mask_url(value)!r}: no MLflow store has the scheme {scheme}: (MLflow opens "
            "sqlite:///PATH, file:PATH, http(s)://HOST, postgresql://, mysql://, mssql:// "
            "and databricks stores, and those of installed MLflow plugins)"
        )
    return None


#: The schemes of the stores MLflow opens itself (tracking and model registry); a
#: database's is its dialect, before any `+driver`.
_MLFLOW_SCHEMES = frozenset({
    "file", "http", "https", "databricks", "databricks-uc", "uc",
    "sqlite", "postgresql", "mysql", "mssql",
})  # fmt: skip


def _opened_by_mlflow(scheme: str) -> bool:
    """Whether MLflow has a store for URIs of `scheme`: its own, or an installed plugin's
    (entry points, read only for a scheme that is not MLflow's own)."""
    if scheme.split("+", maxsplit=1)[0] in _MLFLOW_SCHEMES:
        return True
    from importlib.metadata import entry_points  # noqa: PLC0415 (a rare case)

    groups = ("mlflow.tracking_store", "mlflow.model_registry_store")
    return any(point.name == scheme for group in groups for point in entry_points(group=group))


#: The module of the driver SQLAlchemy uses for a database URI's scheme (`dialect` or
#: `dialect+driver`), and the distribution that installs it: MLflow's database stores.
_DRIVERS: dict[str, tuple[str, str]] = {
    "postgresql": ("psycopg2", "psycopg2-binary"),
    "postgresql+psycopg2": ("psycopg2", "psycopg2-binary"),
    "postgresql+psycopg": ("psycopg", "psycopg"),
    "postgresql+pg8000": ("pg8000", "pg8000"),
    "mysql": ("MySQLdb", "mysqlclient"),
    "mysql+mysqldb": ("MySQLdb", "mysqlclient"),
    "mysql+pymysql": ("pymysql", "pymysql"),
    "mysql+mysqlconnector": ("mysql.connector", "mysql-connector-python"),
    "mssql": ("pyodbc", "pyodbc"),
    "mssql+pyodbc": ("pyodbc", "pyodbc"),
    "mssql+pymssql": ("pymssql", "pymssql"),
}


def _installed(module: str) -> bool:
    """Whether `module` can be imported (found, not imported)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a missing parent package
        return False


def _missing_driver(value: str) -> str | None:
    """Why a database store cannot be opened: its driver is not installed (MLflow failed
    with a bare `ModuleNotFoundError` once the run had started). The URI is shown without
    its password."""
    scheme = value.partition(":")[0]
    if scheme not in _DRIVERS:
        return None
    module, distribution = _DRIVERS[scheme]
    if _installed(module):
        return None
    return (
        f"the store {mask_url(value)} needs the database driver {module!r}, which is not "
        f"installed: pip install {distribution} (or name an installed driver in the "
        f"scheme, as SQLAlchemy reads it: {scheme.partition('+')[0]}+DRIVER://...)"
    )


def store_problem(value: str) -> str | None:
    """Why an MLflow store's URI cannot be opened as written (a malformed URI, or a
    database whose driver is not installed); None: it may be."""
    return _malformed_store(value) or _missing_driver(value)


#: The folders lolpop keeps below its work folder, by what each is called in a message.
_KEPT = {
    "store": "lolpop's store",
    "cache": "lolpop's step cache",
    "registry": "lolpop's registry",
    "reports": "lolpop's reports",
}
#: The settings fields that name a folder (a file written inside one writes into it).
_FOLDERS = ("root", "folder", "artifact_root")
#: The slot a workflow writes its predictions to, and where that setting is.
_WRITTEN = "$.components.predictions.path"


def _resolved(value: str, root: Path) -> Path | None:
    """Where a path (or a local URI) of a config leads; None for a remote URI."""
    local = _local(value)
    if local is None:
        return None
    try:
        return (root / local[1]).resolve()
    except (ValueError, OSError):  # a NUL byte, a loop of links: check_paths says so
        return None


def _named_as(path: str) -> str:
    """What the setting at the config path `path` is, for a message."""
    parts = path.split(".")
    if parts[1] == "components":
        name, field = parts[2], parts[-1]
        return f"the `{name}` component's {'file' if field == 'path' else field}"
    if parts[-1] == "work_dir":
        return "lolpop's work folder"
    return f"the MLflow store of settings.{parts[-1]}"


def _kept(config: WorkflowConfig, root: Path) -> Iterator[tuple[Path, str, bool]]:
    """Every file or folder the workflow reads or keeps, but the prediction file: where
    it is, what it is, and whether a file inside it is inside it (a folder)."""
    for value, path in output_paths(config):
        where = _resolved(value, root)
        if path != _WRITTEN and where is not None:
            yield where, _named_as(path), path.endswith(_FOLDERS)
    work = _resolved(config.settings.work_dir, root)
    if work is not None:
        yield from ((work / name, what, True) for name, what in _KEPT.items())


def check_overwrites(
    config: WorkflowConfig, problem: Callable[[str, str], None], source: str = ""
) -> None:
    """A `problem` when the prediction file is a file the workflow reads (its data, new
    data or labels, its config file `source`), its MLflow store, its work folder, or
    inside a folder lolpop keeps (a store, a registry, the step cache): writing it would
    lose what is there."""
    written = config.components.get("predictions")
    value = getattr(written.settings, "path", None) if written is not None else None
    target = _resolved(value, project_root()) if isinstance(value, str) else None
    over = None if target is None else overwritten(target, config, source)
    if over is not None:
        problem(
            f"the prediction file {value!r} would write over {over}; give the predictions a "
            f"file of their own (e.g. `.lolpop/predictions/{config.settings.model_name}.csv`)",
            _WRITTEN,
        )


def overwritten(target: Path, config: WorkflowConfig, source: str = "") -> str | None:
    """What writing the file `target` (resolved) would write over, of what the workflow
    of `config` (in the file `source`) reads or keeps, but its prediction file; None:
    nothing of it."""
    kept = list(_kept(config, project_root()))
    if source:
        kept.append((Path(source).resolve(), "the config file", False))
    for where, what, folder in kept:
        if target == where or (folder and where in target.parents):
            return f"{what} ({where})"
    return None


def check_paths(
    config: WorkflowConfig, problem: Callable[[str, str], None], source: str = ""
) -> None:
    """A `problem` for each store URI that cannot be opened as written, for a prediction
    file that would write over what the workflow reads or keeps, and for each output
    path of `config` outside the project folder (unless `allow_outside`). A tracking URI
    that is MLflow's own setting in the environment (`MLFLOW_TRACKING_URI`,
    `MLFLOW_REGISTRY_URI`: a prod profile's `${env:...}`) is the user's choice, where
    MLflow would write with no config at all: not refused for where it leads."""
    stores = ("tracking_uri", "registry_uri")
    for value, path in output_paths(config):
        found = store_problem(value) if path.endswith(stores) else None
        if found is not None:
            problem(found, path)
    check_overwrites(config, problem, source)
    if config.allow_outside:
        return
    root = project_root()
    users = {os.environ.get(name) for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")}
    for value, path in output_paths(config):
        if path.endswith(stores) and value in users:
            continue
        try:
            outside = is_outside(value, root) and all(
                is_outside(absolute_path(value, root), other) for other in _ALSO_INSIDE.get()
            )
        except (ValueError, OSError) as error:  # a NUL byte, a name too long for the system
            problem(f"{value!r} cannot be a path here ({error})", path)
            continue
        if outside:
            problem(
                f"the path {value!r} leads outside the project folder {str(root)!r}; keep "
                "what lolpop writes inside it, or set `allow_outside: true` at the top of "
                "the config if this is meant",
                path,
            )
