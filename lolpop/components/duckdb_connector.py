"""A data connector for DuckDB (`type: duckdb`): a SQL query over files, or a database file.

Design notes:

- A read runs one `query:` (`SELECT ... FROM read_csv('data/sales.csv')`, over Parquet,
  CSV or JSON files, or over the tables of `database:`) or reads a whole `table:` of
  `database:`. Without `database:` the query runs in an in-memory database. A connector
  never hands out an empty frame: a query with no rows is refused with a `DataError`.
- The query is checked when the connector is built (`lolpop check`): it must parse, and
  be one `SELECT` (a `WITH ... SELECT` or DuckDB's `FROM t` is one). `COPY`, `ATTACH`,
  `INSTALL`, `SET`, `CREATE` and the like are refused, naming `$.components.<name>.query`:
  a read only reads.
- Read-only by default, and boxed in: every read opens its database read-only; a write
  needs `read_only: false` and a `table:`. Each connection then restricts DuckDB to
  `folder:` (the working folder by default) before the query runs: external access is
  turned off save that folder (`allowed_directories`), extensions are neither installed
  nor loaded on the fly (no network: `read_csv('https://...')` is refused), and the
  configuration is locked so the query cannot undo it. `database:` and `folder:` are
  output paths (`lolpop.config.paths`): a config's must stay inside the project folder
  unless it says `allow_outside: true`. (DuckDB compares the paths a query names with
  the folder; a symbolic link inside the folder that leads out of it is followed.)
- Errors DuckDB raises (a syntax or catalog error, a file outside `folder:`, a locked
  database) become a `DataError` naming this connector, its database and the query,
  raised `from None`: the message holds DuckDB's own text once, and no DuckDB traceback
  leads it. Messages go through `lolpop.secret.scrub`, as a query may name a URL with
  credentials.
- A database file that does not exist is refused on read (DuckDB would create an empty
  one on a writable open); on write it is created, with its folder. A write runs in one
  transaction, so a failed write leaves the table as it was; `if_exists:` says what
  happens to a table that is there (`replace` by default, like `type: sql`), `append`
  matches columns by name. The frame's index is not written (a read gives a fresh range
  index), as with `type: sql`.
- An engine is opened per call and closed after it: a step holds no connection, and no
  lock on the database file, between runs.
- `duckdb` is an optional dependency (`pip install 'lolpop[duckdb]'`), imported only
  inside the functions that use it (the catalogue stays light); building a connector
  without it is refused with that instruction.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from attrs import field, frozen

from lolpop._lazy import pd
from lolpop.components._errors import DataError
from lolpop.components._files import fresh_stamp
from lolpop.components._kinds import make_kind
from lolpop.components.records import DataConnector, Written
from lolpop.config.records import OUTPUT_PATH
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step
from lolpop.errors import DefinitionError, SettingError
from lolpop.secret import scrub

if TYPE_CHECKING:
    from types import ModuleType

    from duckdb import DuckDBPyConnection

#: A table name, or `schema.table`: plain identifiers, so that a name cannot carry SQL.
_TABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?")
#: The name the frame being written goes by inside a write's connection.
_FRAME = "lolpop_frame"
#: The longest part of a query a message shows.
_SHOWN = 300


@frozen
class DuckdbSettings:
    """`type: duckdb`: the rows of a SQL query in DuckDB (over files, or a database file),
    or a table of a database file."""

    #: One SELECT statement, e.g. `SELECT * FROM read_csv('data/sales.csv')`.
    query: str | None = None
    #: A DuckDB database file (none: an in-memory database, for a query over files).
    database: str | None = field(default=None, metadata=OUTPUT_PATH)
    #: A table of `database:` to read whole, or to write (with `read_only: false`).
    table: str | None = None
    #: Whether the connector only reads; a write needs `false` (a read is always read-only).
    read_only: bool = True
    #: The folder whose files the query may read (relative to the working folder); files
    #: elsewhere are refused.
    folder: str = field(default=".", metadata=OUTPUT_PATH)
    #: What a write does when the table exists: fail, replace it, or append to it.
    if_exists: Literal["fail", "replace", "append"] = "replace"


def _duckdb() -> ModuleType:
    try:
        import duckdb  # noqa: PLC0415 (an optional dependency: imported on use)
    except ImportError as error:
        raise DefinitionError(
            "`type: duckdb` needs the duckdb package, which is not installed: "
            "`pip install 'lolpop[duckdb]'`."
        ) from error
    return duckdb


def _where(settings: DuckdbSettings) -> str:
    return f"duckdb:{settings.database or 'memory'}#{settings.table or 'query'}"


def _shown(query: str) -> str:
    flat = " ".join(query.split())
    return flat if len(flat) <= _SHOWN else flat[: _SHOWN - 3] + "..."


def _quoted_table(table: str) -> str:
    return ".".join(f'"{part}"' for part in table.split("."))


def _check_query(query: str) -> None:
    duckdb = _duckdb()
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as error:
        raise SettingError(
            "query",
            f"DuckDB cannot parse the query {_shown(query)!r}: {scrub(str(error))}",
        ) from None
    kinds = [statement.type.name for statement in statements]
    if kinds != ["SELECT"]:
        got = ", ".join(kinds) or "nothing"
        raise SettingError(
            "query",
            f"a duckdb connector's query is one SELECT statement (a read only reads); "
            f"{_shown(query)!r} holds {got}.",
        )


def _check_settings(settings: DuckdbSettings) -> None:
    if settings.query is not None and settings.table is not None:
        raise SettingError(
            "query",
            f"the duckdb connector {_where(settings)!r} is given both `query:` and `table:`; "
            "give one, not both (a query can only be read).",
        )
    if settings.query is None and settings.table is None:
        raise SettingError(
            "query",
            "a duckdb connector needs a `query:` (to read) or a `table:` of its `database:` "
            "(to read whole, and to write).",
        )
    if settings.table is not None:
        if settings.database is None:
            raise SettingError(
                "table",
                f"the table {settings.table!r} needs a `database:` file to live in (without "
                "one, DuckDB's database is in memory and gone after the step).",
            )
        if not _TABLE.fullmatch(settings.table):
            raise SettingError(
                "table",
                f"{settings.table!r} is not a table name: letters, digits and `_`, as "
                "`name` or `schema.name`.",
            )
    if settings.query is not None:
        _check_query(settings.query)
    else:
        _duckdb()  # refuse at build, not at the first read, when it is not installed


def _connect(settings: DuckdbSettings, *, read_only: bool) -> DuckDBPyConnection:
    """A connection confined to `folder:` (see the module's notes)."""
    duckdb = _duckdb()
    folder = str(Path(settings.folder).resolve())
    connection: DuckDBPyConnection = duckdb.connect(
        settings.database or ":memory:",
        read_only=read_only and settings.database is not None,
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
    )
    try:
        escaped = (folder.rstrip("/") + "/").replace("'", "''")
        connection.execute(f"SET allowed_directories = ['{escaped}']")
        connection.execute("SET enable_external_access = false")
        connection.execute("SET lock_configuration = true")
    except BaseException:
        connection.close()
        raise
    return connection


def _failure(settings: DuckdbSettings, doing: str, error: Exception) -> DataError:
    # One paragraph: DuckDB's text spans lines (a suggestion, a caret under the query).
    text = " ".join(scrub(str(error)).split()).rstrip(".")
    hint = ""
    if type(error).__name__ == "PermissionException":
        hint = (
            f" The query may read files under {settings.folder!r} only (`folder:`, "
            "relative to the working folder), and nothing over the network."
        )
    return DataError(
        f"the duckdb connector {_where(settings)!r} cannot {doing}: {text}.{hint}",
        path=settings.database,
    )


def _check_database(settings: DuckdbSettings) -> None:
    if settings.database is not None and not Path(settings.database).is_file():
        raise DataError(
            f"the duckdb connector {_where(settings)!r} cannot read: there is no database "
            f"file {settings.database!r}.",
            path=settings.database,
        )


def _read(settings: DuckdbSettings) -> pd.DataFrame:
    duckdb = _duckdb()
    _check_database(settings)
    if settings.query is not None:
        query, doing = settings.query, f"run its query {_shown(settings.query)!r}"
    else:
        table = settings.table or ""
        query, doing = f"SELECT * FROM {_quoted_table(table)}", f"read table {table!r}"
    try:
        connection = _connect(settings, read_only=True)
        try:
            frame: pd.DataFrame = connection.sql(query).df()
        finally:
            connection.close()
    except duckdb.Error as error:
        raise _failure(settings, doing, error) from None
    if len(frame) == 0:
        raise DataError(
            f"the duckdb connector {_where(settings)!r} cannot {doing}: it gives no rows.",
            path=settings.database,
        )
    return frame


def _write_table(connection: DuckDBPyConnection, settings: DuckdbSettings, table: str) -> None:
    schema, _, name = table.rpartition(".")
    exists = connection.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
        [schema or "main", name],
    ).fetchone()
    quoted = _quoted_table(table)
    if exists is not None and exists[0] > 0:
        if settings.if_exists == "fail":
            raise DataError(
                f"the duckdb connector {_where(settings)!r} cannot write table {table!r}: it "
                "exists and `if_exists:` is 'fail'.",
                path=settings.database,
            )
        if settings.if_exists == "append":
            connection.execute(f"INSERT INTO {quoted} BY NAME SELECT * FROM {_FRAME}")
            return
    connection.execute(f"CREATE OR REPLACE TABLE {quoted} AS SELECT * FROM {_FRAME}")


def _write(settings: DuckdbSettings, frame: pd.DataFrame) -> Written:
    duckdb = _duckdb()
    if settings.table is None or settings.database is None:
        raise DefinitionError(
            f"the duckdb connector {_where(settings)!r} reads a query and cannot write: give "
            "it a `database:` and a `table:` instead to write."
        )
    if settings.read_only:
        raise DefinitionError(
            f"the duckdb connector {_where(settings)!r} is read-only (the default): set "
            f"`read_only: false` to let it write table {settings.table!r}."
        )
    Path(settings.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        connection = _connect(settings, read_only=False)
        try:
            connection.register(_FRAME, frame.reset_index(drop=True))
            connection.begin()
            try:
                _write_table(connection, settings, settings.table)
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
        finally:
            connection.close()
    except duckdb.Error as error:
        raise _failure(settings, f"write table {settings.table!r}", error) from None
    return Written(f"duckdb:{Path(settings.database).resolve()}#{settings.table}", len(frame))


def duckdb_connector(settings: DuckdbSettings) -> DataConnector:
    """Reads a DuckDB query's rows (over files or a database file), and writes a table."""
    _check_settings(settings)

    def read(nothing: None) -> pd.DataFrame:
        """Run the query (or read the table) in DuckDB."""
        return _read(settings)

    def write(frame: pd.DataFrame) -> Written:
        """Write the frame to the table (in one transaction; `read_only: false` only)."""
        return _write(settings, frame)

    return DataConnector(
        # A query may read any file of its folder: a resumed run reads it again.
        read=make_step(read, name="read").stamped(fresh_stamp),
        write=make_step(write, name="write", effect=True),
        location=_where(settings),
    )


KINDS: tuple[ComponentKind, ...] = (
    make_kind(
        "duckdb",
        DuckdbSettings,
        duckdb_connector,
        "Reads a DuckDB query's rows (over files or a database file), and writes a table.",
    ),
)
