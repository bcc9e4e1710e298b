"""Data connectors for files: CSV (`type: csv`) and Parquet (`type: parquet`).

Design notes:

- Bad input is refused before any data is handed on, with a `DataError` that names the
  file: a missing or empty file (0 bytes, or a header and no rows), a column the
  settings list that the file does not have, (CSV) a header that names a column twice
  (pandas would quietly rename the repeat to `name.1`), and (CSV) a file that is plainly
  delimited by another character than the configured one. The last is a heuristic:
  the header parsed to a single column whose name holds another common delimiter (`;`,
  `,`, a tab, `|`), which is what a wrong `delimiter:` looks like.
- A connector never hands out an empty frame: every later step would fail on it, further
  from the cause.
- Writing is atomic: the frame is written to a hidden temporary file beside the target
  and moved over it with `os.replace`, so a failed write leaves the old file (or none),
  never half of a new one (a killed process may leave its hidden `.NAME.*.tmp` behind).
  Parent folders are created. The write step is an effect, so a dry run lists it and
  writes nothing.
- CSV keeps floats exact across a write and a read (pandas 3 parses floats exactly by
  default; the property tests hold it to that). Its index is written only when `index:`
  names it (and then read back as the index); otherwise the frame's index is not
  written. Parquet keeps the index as pandas does.
- `columns:` selects (and orders) the columns a read returns; a write writes the whole
  frame.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pandas as pd
from attrs import Factory, field, frozen
from pandas.api.types import pandas_dtype

from lolpop.components._errors import DataError
from lolpop.components._files import write_atomically
from lolpop.components._kinds import make_kind
from lolpop.components.records import DataConnector, Written
from lolpop.config.records import OUTPUT_PATH
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step
from lolpop.errors import DefinitionError

#: Delimiters common enough that a header holding one of them was probably split wrong.
_COMMON_DELIMITERS = (",", ";", "\t", "|")


@frozen
class CsvSettings:
    """`type: csv`: a CSV file, read and written with one delimiter and encoding."""

    path: str = field(metadata=OUTPUT_PATH)
    delimiter: str = ","
    encoding: str = "utf-8"
    #: A column to use as the index when reading (and to write the index as).
    index: str | None = None
    #: The columns a read returns, in this order (all when empty).
    columns: tuple[str, ...] = ()
    #: pandas dtypes by column, e.g. `{"zip": "string", "age": "Int64"}`.
    dtypes: Mapping[str, str] = Factory(dict)


@frozen
class ParquetSettings:
    """`type: parquet`: a Parquet file."""

    path: str = field(metadata=OUTPUT_PATH)
    #: The columns a read returns, in this order (all when empty).
    columns: tuple[str, ...] = ()


# --- shared --------------------------------------------------------------------------


def _show_delimiter(delimiter: str) -> str:
    return "'\\t'" if delimiter == "\t" else repr(delimiter)


def _check_file(path: Path) -> None:
    """Refuse a path that is not a readable, non-empty file."""
    if not path.exists():
        raise DataError(f"cannot read {str(path)!r}: there is no such file.")
    if not path.is_file():
        raise DataError(f"cannot read {str(path)!r}: it is a directory, not a file.")
    if path.stat().st_size == 0:
        raise DataError(f"cannot read {str(path)!r}: the file is empty (0 bytes).")


def _check_columns(path: Path, present: Iterable[str], wanted: Iterable[str], why: str) -> None:
    """Refuse column names in `wanted` that are not in `present`, naming each and the file."""
    have = [str(name) for name in present]
    missing = [name for name in wanted if name not in have]
    if missing:
        names = ", ".join(repr(name) for name in missing)
        raise DataError(
            f"{str(path)!r} has no column {names} ({why}); its columns are: "
            f"{', '.join(have) or 'none'}."
        )


def _check_rows(path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    if len(frame) == 0:
        raise DataError(f"cannot read {str(path)!r}: it has columns but no rows.")
    return frame


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file beside `path` (`lolpop.components._files`)."""
    try:
        write_atomically(path, write)
    except OSError as error:
        raise DataError(f"cannot write {str(path)!r}: {error}") from error


# --- CSV -----------------------------------------------------------------------------


def _check_csv_settings(settings: CsvSettings) -> None:
    if len(settings.delimiter) != 1:
        raise DefinitionError(
            f"a CSV delimiter is one character; got {settings.delimiter!r} for "
            f'{settings.path!r} (in YAML write a tab as "\\t", in double quotes).'
        )
    for column, dtype in settings.dtypes.items():
        try:
            pandas_dtype(dtype)
        except TypeError as error:
            raise DefinitionError(
                f"the dtype {dtype!r} given for column {column!r} of {settings.path!r} is "
                f"not a pandas dtype ({error}); use e.g. 'int64', 'Int64', 'float64', "
                "'string', 'category', 'bool'."
            ) from error


def _read_csv_header(path: Path, settings: CsvSettings) -> list[str]:
    try:
        header = pd.read_csv(path, sep=settings.delimiter, encoding=settings.encoding, nrows=0)
    except pd.errors.EmptyDataError as error:
        raise DataError(f"cannot read {str(path)!r}: the file holds no header.") from error
    except UnicodeDecodeError as error:
        raise DataError(
            f"cannot read {str(path)!r} as {settings.encoding}: {error}; set `encoding:` to "
            "the file's encoding (e.g. latin-1)."
        ) from error
    except (pd.errors.ParserError, ValueError) as error:
        raise DataError(f"cannot read {str(path)!r} as CSV: {error}") from error
    names = [str(name) for name in header.columns]
    if len(names) == 1:
        for other in _COMMON_DELIMITERS:
            if other != settings.delimiter and other in names[0]:
                raise DataError(
                    f"{str(path)!r} looks delimited by {_show_delimiter(other)} not "
                    f"{_show_delimiter(settings.delimiter)}: its header read as the one "
                    f"column {names[0]!r}. Set `delimiter:` to {_show_delimiter(other)}."
                )
    _check_unique_header(path, settings)
    return names


def _check_unique_header(path: Path, settings: CsvSettings) -> None:
    """Refuse a header that names a column twice. pandas would rename the second one
    (`tenure.1`), and a model fitted on that name fails much later, on a file that does
    not repeat it, as a column the file lacks."""
    try:
        first = pd.read_csv(
            path,
            sep=settings.delimiter,
            encoding=settings.encoding,
            header=None,
            nrows=1,
            dtype=str,
            keep_default_na=False,
        )
    except (pd.errors.ParserError, ValueError) as error:
        raise DataError(f"cannot read {str(path)!r} as CSV: {error}", path=str(path)) from error
    raw = [str(name) for name in first.iloc[0].tolist()] if len(first) else []
    twice = sorted({name for name in raw if raw.count(name) > 1})
    if twice:
        shown = ", ".join(f"{name!r} ({raw.count(name)} times)" for name in twice)
        raise DataError(
            f"{str(path)!r} names more than one column {shown} in its header; pandas would "
            f"rename the repeats ({twice[0]!r} to {twice[0] + '.1'!r}) and a model would be "
            "fitted on a column no other file has. Give each column its own name.",
            path=str(path),
            column=twice[0],
        )


def _read_csv(settings: CsvSettings) -> pd.DataFrame:
    path = Path(settings.path)
    _check_file(path)
    names = _read_csv_header(path, settings)
    _check_columns(path, names, settings.columns, "listed under `columns:`")
    _check_columns(path, names, settings.dtypes, "given a dtype under `dtypes:`")
    if settings.index is not None:
        _check_columns(path, names, (settings.index,), "named as the `index:`")
    wanted: list[str] | None = None
    if settings.columns:
        wanted = list(settings.columns)
        if settings.index is not None and settings.index not in wanted:
            wanted.append(settings.index)
    try:
        frame = pd.read_csv(
            path,
            sep=settings.delimiter,
            encoding=settings.encoding,
            usecols=wanted,
            dtype=dict(settings.dtypes) or None,
            index_col=settings.index,
        )
    except UnicodeDecodeError as error:
        raise DataError(
            f"cannot read {str(path)!r} as {settings.encoding}: {error}; set `encoding:` to "
            "the file's encoding (e.g. latin-1)."
        ) from error
    except (pd.errors.ParserError, ValueError, TypeError) as error:
        raise DataError(f"cannot read {str(path)!r} as CSV: {error}") from error
    if settings.columns:
        frame = frame[[name for name in settings.columns if name != settings.index]]
    return _check_rows(path, frame)


def _write_csv(settings: CsvSettings, frame: pd.DataFrame) -> Written:
    path = Path(settings.path)
    # The index is written only under the name `index:` gives it, so that a read gets it
    # back; a frame that already holds that column keeps it as a column instead.
    with_index = settings.index is not None and settings.index not in frame.columns
    out = frame.rename_axis(settings.index) if with_index else frame

    def write(temporary: Path) -> None:
        try:
            out.to_csv(
                temporary, sep=settings.delimiter, encoding=settings.encoding, index=with_index
            )
        except UnicodeEncodeError as error:
            raise DataError(
                f"cannot write this frame to {str(path)!r} as {settings.encoding}: {error}; "
                "set `encoding:` to one that can hold its text (e.g. utf-8)."
            ) from error

    _write_atomically(path, write)
    return Written(os.path.abspath(path), len(frame))


def csv_connector(settings: CsvSettings) -> DataConnector:
    """Reads and writes a CSV file."""
    _check_csv_settings(settings)

    def read(nothing: None) -> pd.DataFrame:
        """Read the CSV file."""
        return _read_csv(settings)

    def write(frame: pd.DataFrame) -> Written:
        """Write the frame to the CSV file (atomically)."""
        return _write_csv(settings, frame)

    return DataConnector(
        read=make_step(read, name="read"),
        write=make_step(write, name="write", effect=True),
        location=settings.path,
    )


# --- Parquet -------------------------------------------------------------------------


def _read_parquet(settings: ParquetSettings) -> pd.DataFrame:
    path = Path(settings.path)
    _check_file(path)
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as error:
        # pyarrow's ArrowInvalid (not a Parquet file, a torn one) is a ValueError.
        raise DataError(f"cannot read {str(path)!r} as Parquet: {error}") from error
    if frame.columns.has_duplicates:
        twice = sorted({str(name) for name in frame.columns[frame.columns.duplicated()]})
        raise DataError(
            f"{str(path)!r} has more than one column named {', '.join(map(repr, twice))}; "
            "give each column its own name.",
            path=str(path),
            column=twice[0],
        )
    _check_columns(path, frame.columns, settings.columns, "listed under `columns:`")
    if settings.columns:
        frame = frame[list(settings.columns)]
    return _check_rows(path, frame)


def _write_parquet(settings: ParquetSettings, frame: pd.DataFrame) -> Written:
    path = Path(settings.path)

    def write(temporary: Path) -> None:
        try:
            frame.to_parquet(temporary)
        except (TypeError, ValueError) as error:
            # Column names that are not strings, or mixed-type object columns.
            raise DataError(f"cannot write this frame to {str(path)!r}: {error}") from error

    _write_atomically(path, write)
    return Written(os.path.abspath(path), len(frame))


def parquet_connector(settings: ParquetSettings) -> DataConnector:
    """Reads and writes a Parquet file."""

    def read(nothing: None) -> pd.DataFrame:
        """Read the Parquet file."""
        return _read_parquet(settings)

    def write(frame: pd.DataFrame) -> Written:
        """Write the frame to the Parquet file (atomically)."""
        return _write_parquet(settings, frame)

    return DataConnector(
        read=make_step(read, name="read"),
        write=make_step(write, name="write", effect=True),
        location=settings.path,
    )


KINDS: tuple[ComponentKind, ...] = (
    make_kind("csv", CsvSettings, csv_connector, "Reads and writes a CSV file."),
    make_kind("parquet", ParquetSettings, parquet_connector, "Reads and writes a Parquet file."),
)
