"""What the MLflow tracker, the MLflow registry and the in-memory tracker share.

Design notes:

- One contract, two trackers. MLflow's rules for names and values (which characters a
  key may hold, its length, how long a param or tag value may be, which statuses end a
  run) are written here in plain Python, so the in-memory tracker keeps exactly the
  rules the MLflow one does without importing MLflow, and the MLflow tracker refuses a
  bad name with lolpop's message before MLflow is asked.
- Values too long for MLflow (params over 6,000 characters, tags over 8,000) are cut to
  the limit and end with a visible note of their full length; MLflow would cut them
  silently (its default) or refuse them. A param is a description of a run: a cut
  description is still useful, a failed run is not. Keys are identifiers and are never
  cut: a bad key is refused.
- Logging to a run that has ended is refused (`TrackingError`). MLflow itself accepts it
  (it refuses only deleted runs); lolpop refuses so that a pipeline that ends a run twice
  or logs after the end is told, in both trackers alike.
- Clients are made on first use, not when the component is built (importing MLflow costs
  ~2 s), behind a lock so that steps in threads share one; a holder pickles without its
  client, so a step can travel to another process and make its own there.
- A new sqlite database is created and migrated once. MLflow migrates a database it finds
  without its tables when it first opens it, and two processes doing so at once race in
  its alembic migrations (`duplicate column name`, `table ... already exists`). So a
  holder makes its client (MLflow opens the tracking store then) and opens its sqlite
  stores under an exclusive file lock beside each database (`<database>.lock`,
  `lolpop.components._locks`): the second process waits (about a second on a new
  database) and then finds the tables made. The lock is held for that opening only
  (MLflow's store modules are imported before it), once per holder; later opens in the
  process reuse MLflow's cached store. Stores on a server (`http://...`) are not
  locked: the server migrates its own database.
- An existing sqlite database whose schema is current is opened without MLflow's schema
  check: MLflow loads its whole alembic script folder (~70 modules, ~50 ms) to learn
  the latest revision each time it opens a store. lolpop reads the database's
  `alembic_version` with `sqlite3` and the latest revision from the text of MLflow's
  migration files (each names its `revision` and `down_revision`); when they agree, the
  store MLflow builds (under the database's lock) skips `_verify_schema` for that
  database alone. Anything else (a new or outdated database, migration files lolpop
  cannot read plainly) goes through MLflow's own creation, migration and check.
- Without an explicit artifact location, MLflow's sqlite store writes artifacts under
  `./mlruns` in the current directory. Experiments lolpop creates get one next to the
  sqlite database (`<db dir>/mlartifacts/<experiment>`), or under `artifact_root`.
- A logged model carries lolpop's metadata (`model/lolpop.json`: task, features,
  target, classes, params) so a repository can rebuild the `FittedModel`. Class labels
  must come back equal, so they must be JSON scalars (NumPy scalars become Python ones);
  both trackers refuse other labels when the model is logged, not when it is loaded.
- Digests: a logged model folder gets a manifest (`lolpop-manifest.json`: every other
  file's path and SHA-256), and the manifest's SHA-256 is the model's digest, recorded
  as the run tag `lolpop.model_sha256` beside its format (`lolpop.model_format`); the
  registry copies both to the version's tags and checks every file against them before
  it deserialises anything. Each logged artifact file's SHA-256 is recorded as the tag
  `lolpop.sha256.<artifact path>` (`artifact_digest_key`). Digests are not secrets and
  are recorded as they are (`tag_value` masks secrets, which could cut into a digest).
- Saving and loading models without MLflow's and skops' process-wide scans. A saved
  model's requirements are the installed versions of the distributions it needs
  (`model_requirements`, read with `importlib.metadata` for those names alone), and
  MLflow's check that the environment satisfies them (`packages_distributions()`: every
  installed distribution's file list, 0.4-1 s once per process) is skipped while lolpop
  saves (`unchecked_requirements`): pins read from this environment satisfy it by
  construction. Models are loaded and saved with skops imported without pytest and dask
  (`lolpop.components._skops.import_skops`).
- Both replacements of MLflow functions (`_Override`) are process-wide while any thread
  needs them (counted, under a lock), and the schema one passes every other database
  through to MLflow's check.
- The end-of-run, ended-run and one-model-per-run refusals, and the tags MLflow sets
  (`mlflow.runName`, `mlflow.parentRunId`), are the contract the in-memory tracker
  copies; storage details (MLflow's sqlite store clamps ±inf metrics) are not.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.metadata
import json
import logging
import os
import posixpath
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, closing, contextmanager
from typing import TYPE_CHECKING

from lolpop.components._locks import exclusive_lock
from lolpop.components.records import (
    TASKS,
    Estimator,
    FittedModel,
    Takes,
    TaskKind,
    Version,
)
from lolpop.errors import LolpopError
from lolpop.secret import scrub

if TYPE_CHECKING:
    from mlflow import MlflowClient

#: Where runs are tracked when neither the settings nor `MLFLOW_TRACKING_URI` say.
DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
#: MLflow's limits (`mlflow.utils.validation`, 3.17).
MAX_KEY_LENGTH = 250
MAX_PARAM_LENGTH = 6000
MAX_TAG_LENGTH = 8000
MAX_ALIAS_LENGTH = 255
#: The statuses `end_run` accepts.
END_STATUSES = ("FINISHED", "FAILED", "KILLED")
RUNNING = "RUNNING"
#: The run tags MLflow reads for a run's name and its parent (the UI nests on it).
RUN_NAME_TAG = "mlflow.runName"
PARENT_TAG = "mlflow.parentRunId"
#: The tag a run gets when a model is logged to it (one model per run).
MODEL_TAG = "lolpop.model"
#: The prefix of the tags that record a run's dataset versions (lineage reads them).
DATASET_TAG_PREFIX = "lolpop.dataset."
#: The prefix of the model version tags that record the dataset versions the model was
#: trained on (`name:number:sha256`, as the run's dataset tags; predict's drift reads them).
TRAINING_DATA_TAG_PREFIX = "lolpop.training_data."
#: The artifact folder of a run's model, and lolpop's metadata file inside it.
MODEL_FOLDER = "model"
MODEL_METADATA_FILE = "lolpop.json"
#: The model folder's manifest: every other file of it and its SHA-256.
MODEL_MANIFEST_FILE = "lolpop-manifest.json"
#: The run tags (and model version tags) of a model's digest (the SHA-256 of its
#: manifest) and serialization format.
MODEL_DIGEST_TAG = "lolpop.model_sha256"
MODEL_FORMAT_TAG = "lolpop.model_format"
#: The prefix of the run tags recording the SHA-256 of each logged artifact file.
ARTIFACT_DIGEST_PREFIX = "lolpop.sha256."

# MLflow's own pattern for param, metric and tag names (outside Windows).
_KEY = re.compile(r"^[/\w.\- :]*$")
_KEY_REFUSED = re.compile(r"[^/\w.\- :]")
_ALIAS = re.compile(r"^[\w\-]*$")
_VERSION_ALIAS = re.compile(r"^[vV]\d+$")


class TrackingError(LolpopError):
    """A tracker or a model registry refused a request.

    An unknown or ended run, a param logged again with another value, a name MLflow
    cannot store, an unknown model version, or the promotion of a rejected version.
    """


class UnknownVersionError(TrackingError):
    """The registry has no such version of the model: a mistake in what was asked
    (`lolpop approve churn:99` exits 2, as for any argument that names nothing)."""


# --- names and values -------------------------------------------------------------


def _is_unsafe_path(name: str) -> bool:
    """Whether `name` would resolve to another name as a path (MLflow refuses those)."""
    norm = posixpath.normpath(name)
    return norm != name or norm == "." or norm.startswith("..") or norm.startswith("/")


def check_key(what: str, key: str) -> str:
    """Return `key` if MLflow can store it as a `what` (param, metric or tag) name.

    >>> check_key("param", "model/max_depth")
    'model/max_depth'
    >>> check_key("metric", "a/../b")
    Traceback (most recent call last):
    ...
    lolpop.components._mlflow.TrackingError: the metric name 'a/../b' ...
    """
    if not _KEY.match(key) or _is_unsafe_path(key) or len(key) > MAX_KEY_LENGTH:
        raise TrackingError(
            f"the {what} name {key!r} cannot be tracked: a name must be 1 to "
            f"{MAX_KEY_LENGTH} characters of letters, digits, '_', '-', '.', ' ', ':' and "
            "'/', and must not read as another path (no '..', no leading or doubled '/')."
        )
    return key


def fit_value(value: str, limit: int) -> str:
    """`value`, or its first characters and a note of its full length if over `limit`.

    >>> fit_value("x" * 50, 40)
    'xxxxxxxxxx... [truncated from 50 chars]'
    """
    if len(value) <= limit:
        return value
    note = f"... [truncated from {len(value)} chars]"
    return value[: limit - len(note)] + note


def param_value(value: str | int | float | bool | None) -> str:
    """A param's value as trackers store it: its `str`, secrets masked, cut to MLflow's
    limit."""
    return fit_value(scrub(str(value)), MAX_PARAM_LENGTH)


def tag_value(value: str) -> str:
    """A tag's value, secrets masked, cut to MLflow's limit."""
    return fit_value(scrub(value), MAX_TAG_LENGTH)


def metric_value(key: str, value: float) -> float:
    """`value` as a float; a bool is refused (MLflow refuses it; NaN is kept)."""
    if isinstance(value, bool):
        raise TrackingError(
            f"the metric {key!r} is a bool ({value}); MLflow records numbers only: log "
            "it as a tag, or as 0.0 / 1.0."
        )
    return float(value)


def check_status(status: str) -> str:
    """Return `status` if it is one that ends a run."""
    if status not in END_STATUSES:
        raise TrackingError(f"a run ends with one of {', '.join(END_STATUSES)}; got {status!r}.")
    return status


def check_folder(folder: str) -> str:
    """Return `folder` if it is a relative artifact folder ('' is the run's root)."""
    if folder and (_is_unsafe_path(folder) or "\\" in folder):
        raise TrackingError(
            f"the artifact folder {folder!r} must be a relative path with '/' between its "
            "parts and without '..' (or '' for the run's root folder)."
        )
    return folder


def check_alias(alias: str) -> str:
    """Return `alias` if MLflow's registry can hold it (and it is not reserved)."""
    if (
        not alias
        or not _ALIAS.match(alias)
        or len(alias) > MAX_ALIAS_LENGTH
        or alias.lower() == "latest"
        or _VERSION_ALIAS.match(alias)
    ):
        raise TrackingError(
            f"{alias!r} cannot be a model alias: an alias is 1 to {MAX_ALIAS_LENGTH} "
            "letters, digits, '_' or '-', and 'latest' and 'v<number>' are reserved."
        )
    return alias


def dataset_tag(name: str) -> str:
    """The run tag that records the version of dataset `name`."""
    return check_key("dataset tag", DATASET_TAG_PREFIX + name)


def training_data_tag(name: str) -> str:
    """The model version tag that records the version of dataset `name` it was trained on.

    >>> training_data_tag("churn-training-data")
    'lolpop.training_data.churn-training-data'
    """
    return check_key("training data tag", TRAINING_DATA_TAG_PREFIX + name)


def version_text(version: Version) -> str:
    """How a tag records a dataset version: `name:number:sha256`."""
    return f"{version.name}:{version.number}:{version.digest}"


def training_data_tags(datasets: Sequence[Version]) -> dict[str, str]:
    """The model version tags recording the dataset versions it was trained on (one per
    name: a name given twice is refused, since a version tag holds one version)."""
    tags: dict[str, str] = {}
    for version in datasets:
        key = training_data_tag(version.name)
        if key in tags and tags[key] != version_text(version):
            raise TrackingError(
                f"the model was trained on two versions of {version.name!r} "
                f"({tags[key]} and {version_text(version)}): a model version records one "
                "version of each dataset."
            )
        tags[key] = version_text(version)
    return tags


def ended_run_error(run_id: str, name: str, status: str) -> TrackingError:
    """The error for a request to a run that has ended."""
    return TrackingError(
        f"run {name or run_id!r} ({run_id}) has ended with status {status}: nothing more "
        "can be logged to it. Start a new run (or log before `end_run`)."
    )


def unknown_run_error(run_id: str, where: str) -> TrackingError:
    """The error for a run id that the store does not know."""
    return TrackingError(
        f"there is no run {run_id!r} in {where}: pass the RunRef that `start_run` returned."
    )


# --- MLflow clients and experiments -----------------------------------------------


def resolve_tracking_uri(uri: str | None) -> str:
    """`uri`, else `MLFLOW_TRACKING_URI`, else a sqlite database in the current folder; a
    relative sqlite path is made absolute (MLflow keeps one store per URI text for the
    life of the process, so `sqlite:///mlflow.db` would otherwise stay the database of
    the first folder it was opened in).

    >>> import os
    >>> resolve_tracking_uri("sqlite:///runs/mlflow.db") == f"sqlite:///{os.getcwd()}/runs/mlflow.db"
    True
    """
    return _absolute(uri or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI)


def _absolute(uri: str) -> str:
    """`uri`, its sqlite database path made absolute."""
    path = sqlite_path(uri)
    if path is None:
        return uri
    query = uri.partition("?")[2]
    return f"sqlite:///{path}" + (f"?{query}" if query else "")


def resolve_registry_uri(uri: str | None, tracking_uri: str) -> str:
    """`uri`, else `MLFLOW_REGISTRY_URI`, else the tracking URI (as MLflow does)."""
    return _absolute(uri or os.environ.get("MLFLOW_REGISTRY_URI") or tracking_uri)


def sqlite_path(tracking_uri: str) -> str | None:
    """The database file of a `sqlite:///` URI, absolute (None for other URIs).

    >>> sqlite_path("sqlite:////tmp/runs/mlflow.db")
    '/tmp/runs/mlflow.db'
    >>> sqlite_path("http://localhost:5000") is None
    True
    """
    prefix = "sqlite:///"
    if not tracking_uri.startswith(prefix):
        return None
    path = tracking_uri[len(prefix) :].split("?", 1)[0]
    if not path or path == ":memory:":
        return None
    return os.path.abspath(path)


def artifact_location(tracking_uri: str, experiment: str, root: str | None) -> str | None:
    """Where a new experiment's artifacts go: under `root`, or beside a sqlite database.

    None (the server decides) for other stores without a `root`.

    >>> artifact_location("sqlite:////data/mlflow.db", "churn", None)
    '/data/mlartifacts/churn'
    >>> artifact_location("sqlite:////data/mlflow.db", "team/churn", "/store")
    '/store/team_churn'
    """
    folder = re.sub(r"[^\w.\-]", "_", experiment) or "_"
    if root is not None:
        # A URI (s3://..., file:///...) is joined as a URI; a path is made absolute.
        if "://" in root:
            return root.rstrip("/") + "/" + folder
        return os.path.join(os.path.abspath(root), folder)
    db = sqlite_path(tracking_uri)
    if db is None:
        return None
    return os.path.join(os.path.dirname(db), "mlartifacts", folder)


@contextmanager
def mlflow_errors(action: str) -> Iterator[None]:
    """Re-raise MLflow's refusals during `action` as `TrackingError`s."""
    from mlflow.exceptions import MlflowException  # noqa: PLC0415 (heavy: imported on use)

    try:
        yield
    except MlflowException as error:
        raise TrackingError(f"MLflow refused to {action}: {error.message}") from error


def is_missing(error: BaseException) -> bool:
    """Whether an MLflow error says a run, model or version does not exist."""
    cause = error.__cause__ if isinstance(error, TrackingError) else error
    return getattr(cause, "error_code", None) == "RESOURCE_DOES_NOT_EXIST"


@contextmanager
def database_lock(database: str) -> Iterator[None]:
    """Hold the exclusive lock beside the sqlite database file `database`
    (`<database>.lock`): taken while a process first opens the database (creating and
    migrating it if new), and while a registry compares and sets an alias in it. The
    database's folder is made if missing, as MLflow makes it for a new database."""
    lock = database + ".lock"
    with ExitStack() as held:
        try:
            os.makedirs(os.path.dirname(database), exist_ok=True)
            held.enter_context(exclusive_lock(lock))
        except OSError as error:
            raise TrackingError(
                f"cannot lock the MLflow database {database}: its lock file {lock} cannot "
                f"be made ({error.strerror or error}). The database's folder must be a "
                "writable folder."
            ) from error
        yield


# --- replacing MLflow functions while lolpop needs them -----------------------------


class _Override:
    """A function of an MLflow module, replaced while any thread holds the override.

    The replacement is installed when the first holder enters and the original put back
    when the last one leaves (counted under a lock), so threads overlapping in any order
    leave MLflow as they found it. A module without the function (another MLflow
    version) is left alone: the holder then runs MLflow's own code.
    """

    def __init__(
        self,
        module: str,
        name: str,
        replace: Callable[[Callable[..., object]], Callable[..., object]],
    ) -> None:
        self._module = module
        self._name = name
        self._replace = replace
        self._lock = threading.Lock()
        self._holders = 0
        self._original: Callable[..., object] | None = None

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the override for the duration of the block."""
        module = importlib.import_module(self._module)
        with self._lock:
            if self._holders == 0:
                original = getattr(module, self._name, None)
                if callable(original):
                    self._original = original
                    setattr(module, self._name, self._replace(original))
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if self._holders == 0 and self._original is not None:
                    setattr(module, self._name, self._original)
                    self._original = None


# --- opening sqlite stores ----------------------------------------------------------

#: The sqlite databases (absolute paths) whose schema lolpop found current, while
#: their stores are being opened (the schema override skips MLflow's check for them).
_CURRENT_DATABASES: set[str] = set()
_CURRENT_LOCK = threading.Lock()
_REVISION = re.compile(r"""^revision\s*=\s*["'](\w+)["']\s*$""", re.MULTILINE)
_DOWN_REVISION = re.compile(r"""^down_revision\s*=\s*(?:["'](\w+)["']|None)\s*$""", re.MULTILINE)


def _engine_database(engine: object) -> str | None:
    """The absolute path of a SQLAlchemy engine's sqlite database (None otherwise)."""
    url = getattr(engine, "url", None)
    if getattr(url, "drivername", "") != "sqlite":
        return None
    database = getattr(url, "database", None)
    return os.path.abspath(database) if isinstance(database, str) and database else None


def _verify_unless_current(original: Callable[..., object]) -> Callable[..., object]:
    """MLflow's `_verify_schema`, skipped for the databases lolpop found current."""

    def verify_schema(engine: object) -> object:
        with _CURRENT_LOCK:
            current = _engine_database(engine) in _CURRENT_DATABASES
        return None if current else original(engine)

    return verify_schema


_SCHEMA_CHECK = _Override("mlflow.store.db.utils", "_verify_schema", _verify_unless_current)


@functools.cache
def latest_schema_revision() -> str | None:
    """The latest revision of MLflow's database schema, read from the text of its
    migration files (the one revision no other names as its `down_revision`); None when
    a file does not name them plainly or there is not exactly one such revision (MLflow
    then checks the schema itself). Read once per process."""
    import mlflow.store  # noqa: PLC0415 (heavy: imported on use)

    folder = os.path.join(os.path.dirname(mlflow.store.__file__), "db_migrations", "versions")
    revisions: set[str] = set()
    parents: set[str] = set()
    latest: str | None = None
    try:
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".py") or name.startswith("_"):
                continue
            with open(os.path.join(folder, name), encoding="utf-8") as file:
                text = file.read()
            revision, parent = _REVISION.findall(text), _DOWN_REVISION.search(text)
            if len(revision) != 1 or parent is None:
                break
            revisions.add(revision[0])
            if parent.group(1):
                parents.add(parent.group(1))
        else:
            heads = revisions - parents
            latest = heads.pop() if len(heads) == 1 else None
    except OSError:
        latest = None
    return latest


def database_revision(database: str) -> str | None:
    """The schema revision an MLflow sqlite database records (its `alembic_version`);
    None for a missing file or a database without one. Opened read-only."""
    if not os.path.isfile(database):
        return None
    try:
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
            rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error:
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def is_current_database(database: str) -> bool:
    """Whether the sqlite database records MLflow's latest schema revision."""
    revision = database_revision(database)
    return revision is not None and revision == latest_schema_revision()


@contextmanager
def _opening(databases: Sequence[str]) -> Iterator[None]:
    """While stores on `databases` open: those found current skip MLflow's schema check."""
    current = [database for database in databases if is_current_database(database)]
    if not current:
        yield
        return
    with _CURRENT_LOCK:
        _CURRENT_DATABASES.update(current)
    try:
        with _SCHEMA_CHECK.held():
            yield
    finally:
        with _CURRENT_LOCK:
            _CURRENT_DATABASES.difference_update(current)


#: MLflow's modules of its sqlite stores (imported on first use).
_SQL_STORE_MODULES = (
    "mlflow.store.tracking.sqlalchemy_store",
    "mlflow.store.model_registry.sqlalchemy_store",
)


def make_client(tracking: str, registry: str) -> MlflowClient:
    """An `MlflowClient` for the (resolved) URIs, its stores that are sqlite databases
    opened under `database_lock`, so a new database is created and migrated by one
    process while any other waits (module notes). Other stores open on first use.

    The client opens its tracking store when it is made (MLflow 3.17's `TracingClient`
    does), so the lock is taken around making it; its registry store is opened at once
    too, rather than on first use, unlocked. A database whose schema is current skips
    MLflow's schema check (module notes).
    """
    from mlflow import MlflowClient  # noqa: PLC0415 (heavy: imported on use)

    # MLflow logs a database error with its tracebacks, SQL and parameters, then raises
    # it: lolpop says it once, in one paragraph (`mlflow_errors`).
    logging.getLogger("mlflow.store.db.utils").setLevel(logging.CRITICAL)
    databases = sorted({path for path in map(sqlite_path, (tracking, registry)) if path})
    if databases:
        # Imported before the lock (~0.5 s), so the lock covers the opening alone.
        for module in _SQL_STORE_MODULES:
            importlib.import_module(module)
    with ExitStack() as held:
        # Two databases are locked in one order, so two processes cannot deadlock.
        for database in databases:
            held.enter_context(database_lock(database))
        # Read under the lock: a database another process is migrating is not current.
        held.enter_context(_opening(databases))
        with mlflow_errors(f"open the tracking store {tracking}"):
            client = MlflowClient(tracking_uri=tracking, registry_uri=registry)
            if sqlite_path(tracking) is not None:
                client.search_experiments(max_results=1)
        if sqlite_path(registry) is not None:
            with mlflow_errors(f"open the model registry store {registry}"):
                client.search_registered_models(max_results=1)
    return client


def check_reachable(uri: str, timeout: float = 5.0) -> None:
    """Refuse (`TrackingError`) an `http(s)://` tracking server that does not take a
    connection within `timeout` seconds: MLflow retries each request for minutes, without
    a word. Not through a proxy the environment names (only the proxy could tell)."""
    from lolpop._reach import unreachable  # noqa: PLC0415
    from lolpop.secret import mask_url  # noqa: PLC0415

    why = unreachable(uri, timeout)
    if why is not None:
        raise TrackingError(
            f"cannot reach the MLflow tracking server {mask_url(uri)} ({why}). Start it, or "
            "fix the address (`tracking_uri` in the config, or MLFLOW_TRACKING_URI)."
        )


class ClientHolder:
    """An `MlflowClient` for one tracking and registry URI, made on first use.

    Thread-safe; pickles without its client (a copy in another process makes its own).
    """

    def __init__(self, tracking_uri: str | None, registry_uri: str | None) -> None:
        self._tracking_uri = tracking_uri
        self._registry_uri = registry_uri
        self._lock = threading.Lock()
        self._client: MlflowClient | None = None
        self._experiments: dict[str, str] = {}

    @property
    def tracking_uri(self) -> str:
        """The tracking URI this holder's client uses (resolved now if not set)."""
        return resolve_tracking_uri(self._tracking_uri)

    def client(self) -> MlflowClient:
        """The client, made on the first call (its sqlite stores opened, module notes;
        a tracking server that does not answer refused at once, `check_reachable`)."""
        with self._lock:
            if self._client is None:
                tracking = resolve_tracking_uri(self._tracking_uri)
                registry = resolve_registry_uri(self._registry_uri, tracking)
                for uri in dict.fromkeys((tracking, registry)):
                    check_reachable(uri)
                self._client = make_client(tracking, registry)
            return self._client

    def experiment_id(self, name: str, root: str | None) -> str:
        """The id of experiment `name`, created (with its artifact location) if missing."""
        with self._lock:
            known = self._experiments.get(name)
        if known is not None:
            return known
        from mlflow.exceptions import MlflowException  # noqa: PLC0415 (heavy: imported on use)

        client = self.client()
        with mlflow_errors(f"find or create the experiment {name!r}"):
            found = client.get_experiment_by_name(name)
            if found is None:
                location = artifact_location(self.tracking_uri, name, root)
                try:
                    experiment_id = client.create_experiment(name, artifact_location=location)
                except MlflowException:
                    # Another thread or process created it first: use theirs.
                    found = client.get_experiment_by_name(name)
                    if found is None:
                        raise
                    experiment_id = found.experiment_id
            else:
                experiment_id = found.experiment_id
        with self._lock:
            self._experiments[name] = experiment_id
        return experiment_id

    def __getstate__(self) -> dict[str, object]:
        return {"tracking_uri": self._tracking_uri, "registry_uri": self._registry_uri}

    def __setstate__(self, state: dict[str, str | None]) -> None:
        self._tracking_uri = state["tracking_uri"]
        self._registry_uri = state["registry_uri"]
        self._lock = threading.Lock()
        self._client = None
        self._experiments = {}


# --- digests of logged files ------------------------------------------------------

#: Bytes read at once when hashing a file.
_HASH_CHUNK = 1024 * 1024


def file_sha256(path: str) -> str:
    """The SHA-256 hex digest of the file at `path`, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def folder_files(folder: str, skip: str = "") -> dict[str, str]:
    """Every file under `folder` (relative '/' paths, sorted) and its SHA-256, but `skip`."""
    found: dict[str, str] = {}
    for parent, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(parent, name)
            relative = os.path.relpath(path, folder).replace(os.sep, "/")
            if relative != skip:
                found[relative] = file_sha256(path)
    return dict(sorted(found.items()))


def manifest_bytes(files: Mapping[str, str]) -> bytes:
    """The canonical manifest of a model folder: its files' paths and digests as JSON."""
    return json.dumps({"files": dict(sorted(files.items()))}, indent=2).encode("utf-8")


def write_manifest(folder: str) -> str:
    """Write the manifest of every file in `folder` into it; return the manifest's digest.

    The digest covers every file (its path and its bytes), so it names the folder's
    content as a whole; the manifest lets a reader name the one file that differs.
    """
    data = manifest_bytes(folder_files(folder, skip=MODEL_MANIFEST_FILE))
    with open(os.path.join(folder, MODEL_MANIFEST_FILE), "wb") as file:
        file.write(data)
    return hashlib.sha256(data).hexdigest()


def artifact_digest_key(artifact_path: str) -> str:
    """The run tag that records the digest of the artifact file `artifact_path`.

    `lolpop.sha256.<artifact path>` when that is a valid tag name; otherwise the path
    with every character MLflow refuses replaced by `_`, cut to fit, and suffixed with
    the first 12 hex digits of the path's own SHA-256 (so two such paths do not share a
    key).

    >>> artifact_digest_key("figures/roc.png")
    'lolpop.sha256.figures/roc.png'
    >>> artifact_digest_key("reports/a(1).html")
    'lolpop.sha256.reports/a_1_.html.f1364b7691bf'
    """
    key = ARTIFACT_DIGEST_PREFIX + artifact_path
    if _KEY.match(key) and not _is_unsafe_path(key) and len(key) <= MAX_KEY_LENGTH:
        return key
    tail = hashlib.sha256(artifact_path.encode("utf-8")).hexdigest()[:12]
    room = MAX_KEY_LENGTH - len(ARTIFACT_DIGEST_PREFIX) - len(tail) - 1
    cleaned = _KEY_REFUSED.sub("_", artifact_path)[:room]
    safe = f"{ARTIFACT_DIGEST_PREFIX}{cleaned}.{tail}"
    return safe if _KEY.match(safe) and not _is_unsafe_path(safe) else ARTIFACT_DIGEST_PREFIX + tail


def artifact_digest_tags(path: str, folder: str) -> dict[str, str]:
    """The digest tags of a file (or every file of a folder) logged under `folder`.

    A file `path` is logged as `<folder>/<its name>`; a folder's files as
    `<folder>/<its name>/<path inside it>`, as MLflow's `log_artifact` lays them out.
    """
    name = os.path.basename(os.path.normpath(path))
    base = posixpath.join(folder, name)
    if os.path.isdir(path):
        inside = folder_files(path).items()
        files = {posixpath.join(base, inner): digest for inner, digest in inside}
    else:
        files = {base: file_sha256(path)}
    return {artifact_digest_key(where): digest for where, digest in files.items()}


# --- lolpop's model metadata -------------------------------------------------------

#: The version of the `lolpop.json` layout written beside a logged model.
METADATA_FORMAT = 1


def _plain(value: object) -> object:
    """A NumPy scalar as the Python scalar it holds; anything else unchanged."""
    import numpy as np  # noqa: PLC0415 (imported on use: a tracker module imports no NumPy)

    item = getattr(value, "item", None)
    if isinstance(value, np.generic) and callable(item):
        return item()
    return value


def _is_json_scalar(value: object) -> bool:
    return value is None or isinstance(value, bool | int | float | str)


def model_metadata(model: FittedModel[TaskKind]) -> dict[str, object]:
    """What is needed to rebuild `model` around its estimator, as JSON-ready values.

    Class labels must be JSON scalars (None, bool, int, float, str, or NumPy scalars of
    those) so that they come back equal; other params values are kept as their `str`.
    """
    classes = [_plain(label) for label in model.classes]
    odd = [label for label in classes if not _is_json_scalar(label)]
    if odd:
        raise TrackingError(
            f"the model's class labels must be strings, numbers, bools or None to be "
            f"recorded with it; {odd[0]!r} is a {type(odd[0]).__name__}. Encode the target "
            "before fitting."
        )
    params = {key: _plain(value) for key, value in model.params.items()}
    return {
        "format": METADATA_FORMAT,
        "task": model.task.name,
        "features": list(model.features),
        "target": model.target,
        "classes": classes,
        "params": {k: v if _is_json_scalar(v) else str(v) for k, v in params.items()},
        "estimator": f"{type(model.estimator).__module__}.{type(model.estimator).__qualname__}",
        "takes": model.takes,
    }


_TAKES: dict[str, Takes] = {"raw": "raw", "encoded": "encoded", "bundled": "bundled"}


def fitted_model(
    estimator: Estimator, metadata: Mapping[str, object], where: str
) -> FittedModel[TaskKind]:
    """The `FittedModel` of `estimator` described by `metadata` (read from `where`)."""
    task = metadata.get("task")
    kind: type[TaskKind] | None = TASKS.get(task) if isinstance(task, str) else None  # type: ignore[call-overload]  # any text: a task's name or not
    features = metadata.get("features")
    target = metadata.get("target")
    classes = metadata.get("classes", [])
    params = metadata.get("params", {})
    # Metadata written before models said what frames they take: raw ones.
    takes = _TAKES.get(str(metadata.get("takes", "raw")))
    if (
        metadata.get("format") != METADATA_FORMAT
        or takes is None
        or kind is None
        or not isinstance(features, list)
        or not all(isinstance(f, str) for f in features)
        or not (target is None or isinstance(target, str))
        or not isinstance(classes, list)
        or not isinstance(params, dict)
    ):
        raise TrackingError(
            f"{where} is not lolpop model metadata of format {METADATA_FORMAT} (task, "
            "features, target, classes, params): was the model logged by a lolpop tracker?"
        )
    return FittedModel(
        estimator=estimator,
        task=kind,
        features=tuple(features),
        target=target,
        classes=tuple(classes),
        params=params,
        takes=takes,
    )


# --- saving and loading models ------------------------------------------------------

#: The distributions every logged scikit-learn model needs, beside its serializer.
MODEL_DISTRIBUTIONS = ("scikit-learn", "numpy", "scipy", "pandas")


def model_requirements(serialization: str) -> list[str]:
    """The pip requirements of a saved scikit-learn model: `MODEL_DISTRIBUTIONS` and the
    serializer's distribution (`skops`, `cloudpickle`) pinned to their installed
    versions (a local label such as `+cpu` dropped, as MLflow does), read with
    `importlib.metadata` for those names alone. MLflow adds its own pin."""
    pins = []
    for name in (*MODEL_DISTRIBUTIONS, serialization):
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        pins.append(f"{name}=={version.split('+', 1)[0]}")
    return pins


def _skip_check(original: Callable[..., object]) -> Callable[..., object]:
    """MLflow's requirements check, replaced by nothing (module notes)."""

    def satisfied(requirements: object) -> None:
        return None

    return satisfied


_REQUIREMENTS_CHECK = _Override(
    "mlflow.utils.environment", "warn_dependency_requirement_mismatches", _skip_check
)


@contextmanager
def unchecked_requirements() -> Iterator[None]:
    """While saving a model with `model_requirements`: MLflow does not check that this
    environment satisfies them (which scans every installed distribution, module notes)."""
    with _REQUIREMENTS_CHECK.held():
        yield
