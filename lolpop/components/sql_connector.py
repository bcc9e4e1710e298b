"""A data connector for SQL databases through SQLAlchemy (`type: sql`).

Design notes:

- A read takes a whole `table:` or the rows of a `query:` (exactly one of them); a write
  needs a `table:`, and `if_exists:` says what to do with one that is there already. A
  connector whose settings give only a query can read and refuses to write.
- An engine is made for each call and disposed of after it: a step holds no open
  connection between runs, and a SQLite file is closed when the step ends.
- A write runs in one transaction, so a failed write leaves the table as it was. The
  frame's index is not written (a read gives a fresh range index), like a CSV without
  `index:`.
- A connector never hands out an empty frame: a missing table, or a table or query with
  no rows, is refused with a `DataError`.
- The URL's password never appears in a message: it is masked (`***`) wherever the URL,
  or the password itself, would be shown, including in errors SQLAlchemy raises.
- A SQLite file that does not exist is refused on read (SQLite would silently create an
  empty one); on write its folder is created.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import unquote

from attrs import frozen

from lolpop._lazy import pd
from lolpop.components._errors import DataError
from lolpop.components._files import fresh_stamp
from lolpop.components._kinds import make_kind
from lolpop.components.records import DataConnector, Written
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step
from lolpop.errors import DefinitionError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# `scheme://user:password@host`: the password is whatever stands between the first ':'
# after the user name and the last '@' before the path.
_CREDENTIALS = re.compile(r"(?<=://)([^:/@]*):([^/]*)@")


@frozen
class SqlSettings:
    """`type: sql`: a table (or a query's rows) in a database SQLAlchemy can reach."""

    #: A SQLAlchemy URL, e.g. `sqlite:///data/db.sqlite` or `postgresql://user@host/db`.
    url: str
    #: The table a read takes whole and a write writes (a write needs one).
    table: str | None = None
    #: A query whose rows a read gives, in place of a `table` (give exactly one to read).
    query: str | None = None
    #: What a write does when the table exists: fail, replace it, or append to it.
    if_exists: Literal["fail", "replace", "append"] = "replace"


def mask_url(url: str) -> str:
    """`url` with its password replaced by `***`.

    >>> mask_url("postgresql://bob:s3cret@db.example/sales")
    'postgresql://bob:***@db.example/sales'
    """
    return _CREDENTIALS.sub(r"\1:***@", url)


def _mask(text: str, url: str) -> str:
    """`text` with `url`'s password masked wherever it appears (raw or percent-decoded)."""
    text = text.replace(url, mask_url(url))
    found = _CREDENTIALS.search(url)
    if found and found.group(2):
        for secret in {found.group(2), unquote(found.group(2))}:
            text = text.replace(secret, "***")
    return text


def _check_settings(settings: SqlSettings) -> None:
    from sqlalchemy.engine import make_url  # noqa: PLC0415 (heavy: imported on use)
    from sqlalchemy.exc import ArgumentError  # noqa: PLC0415 (heavy: imported on use)

    shown = mask_url(settings.url)
    if settings.table is not None and settings.query is not None:
        raise DefinitionError(
            f"the sql connector for {shown!r} is given both `table:` and `query:`; give "
            "exactly one (a query connector can only read)."
        )
    if settings.table is None and settings.query is None:
        raise DefinitionError(
            f"the sql connector for {shown!r} needs a `table:` (to read and write) or a "
            "`query:` (to read)."
        )
    try:
        make_url(settings.url).get_dialect()
    except ArgumentError as error:
        raise DefinitionError(
            f"{shown!r} is not a SQLAlchemy database URL that can be used: "
            f"{_mask(str(error), settings.url)}"
        ) from error


def _sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for other databases and in-memory ones)."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415 (heavy: imported on use)

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    if parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def _engine(url: str) -> Engine:
    from sqlalchemy import create_engine  # noqa: PLC0415 (heavy: imported on use)

    try:
        return create_engine(url)
    except ImportError as error:
        raise DataError(
            f"cannot connect to {mask_url(url)!r}: its database driver is not installed ({error})."
        ) from error


def _read(settings: SqlSettings) -> pd.DataFrame:
    import sqlalchemy  # noqa: PLC0415 (heavy: imported on use)

    shown = mask_url(settings.url)
    database = _sqlite_file(settings.url)
    if database is not None and not database.is_file():
        raise DataError(f"cannot read from {shown!r}: there is no database file {str(database)!r}.")
    what = f"table {settings.table!r}" if settings.table is not None else "the query"
    engine = _engine(settings.url)
    try:
        with engine.connect() as connection:
            if settings.table is not None:
                if not sqlalchemy.inspect(connection).has_table(settings.table):
                    raise DataError(
                        f"cannot read from {shown!r}: there is no table {settings.table!r}."
                    )
                frame = pd.read_sql_table(settings.table, connection)
            else:
                frame = pd.read_sql_query(sqlalchemy.text(settings.query or ""), connection)
    except (sqlalchemy.exc.SQLAlchemyError, pd.errors.DatabaseError) as error:
        # `from None`: the cause's text may hold the password this message masks.
        raise DataError(
            f"cannot read {what} from {shown!r}: {_mask(str(error), settings.url)}"
        ) from None
    finally:
        engine.dispose()
    if len(frame) == 0:
        raise DataError(f"cannot read {what} from {shown!r}: it has no rows.")
    return frame


def _write(settings: SqlSettings, frame: pd.DataFrame) -> Written:
    import sqlalchemy  # noqa: PLC0415 (heavy: imported on use)

    shown = mask_url(settings.url)
    if settings.table is None:
        raise DefinitionError(
            f"the sql connector for {shown!r} reads a query and cannot write: give it a "
            "`table:` instead to write."
        )
    database = _sqlite_file(settings.url)
    if database is not None:
        database.parent.mkdir(parents=True, exist_ok=True)
    engine = _engine(settings.url)
    try:
        with engine.begin() as connection:
            frame.to_sql(settings.table, connection, if_exists=settings.if_exists, index=False)
    except (sqlalchemy.exc.SQLAlchemyError, pd.errors.DatabaseError, ValueError) as error:
        # pandas raises ValueError for `if_exists: fail` on an existing table; `from None`:
        # the cause's text may hold the password this message masks.
        raise DataError(
            f"cannot write table {settings.table!r} to {shown!r}: {_mask(str(error), settings.url)}"
        ) from None
    finally:
        engine.dispose()
    return Written(f"{shown}#{settings.table}", len(frame))


def sql_connector(settings: SqlSettings) -> DataConnector:
    """Reads a table or a query's rows, and writes a table, through SQLAlchemy."""
    _check_settings(settings)

    def read(nothing: None) -> pd.DataFrame:
        """Read the table or the query's rows."""
        return _read(settings)

    def write(frame: pd.DataFrame) -> Written:
        """Write the frame to the table (in one transaction)."""
        return _write(settings, frame)

    return DataConnector(
        # A server's tables cannot be stamped: a resumed run reads them again.
        read=make_step(read, name="read").stamped(fresh_stamp),
        write=make_step(write, name="write", effect=True),
        location=f"{mask_url(settings.url)}#{settings.table or 'query'}",
    )


KINDS: tuple[ComponentKind, ...] = (
    make_kind(
        "sql",
        SqlSettings,
        sql_connector,
        "Reads a table or a query's rows, and writes a table, through SQLAlchemy.",
    ),
)
