"""Data connectors for JSON (`type: json`) and JSON lines (`type: jsonl`).

Design notes:

- `type: json` reads a file holding an array of records (`[{"a": 1, "b": "x"}, ...]`,
  pandas' `orient="records"`) or an object of columns of equal length
  (`{"a": [1, 2], "b": ["x", "y"]}`); `type: jsonl` reads one record per line (blank
  lines are skipped). Both write records: `json` one array with a record per line,
  `jsonl` a record per line. Other layouts (pandas' default `orient="columns"`, an object
  wrapping the records) are refused with a message saying which layouts are read, as is
  a record holding nested objects or arrays (lolpop reads flat tables).
- The text is parsed by Python's `json`, not by `pandas.read_json`: floats come back
  exactly as written (pandas writes 10 significant digits by default), a syntax error
  names its line and column (in JSON lines, the file's line), and no column is turned
  into dates because of its name (`read_json`'s `convert_dates` does that to columns
  called `date`, `*_at`, `timestamp`...). Dates are read only where `parse_dates:` or a
  datetime dtype says so, as the CSV connector reads them (`lolpop.components.
  file_connector`: no fall-back to text, ambiguous day/month orders refused).
- A record lacking a key, and `null`, are missing values; `na_values:` adds texts read
  as missing (`"?"`, `"n/a"`), replaced before the columns are typed, so a column of
  numbers with a `"?"` is read as numbers.
- The same refusals as CSV: a missing or empty file (0 bytes, or no records), a column
  the settings list that no record has. JSON text is UTF-8 (RFC 8259; a byte-order mark
  is skipped).
- Writing is atomic (a temporary file moved over the target), the index is written only
  as the column `index:` names (and read back as the index), times are written in ISO
  8601 with their UTC offset when they have one, missing values as `null`. An infinite
  number has no JSON form: it is refused, naming the column, rather than written as the
  non-standard `Infinity`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from collections.abc import Iterator, Mapping
from functools import partial
from pathlib import Path

from attrs import Factory, field, frozen

from lolpop._lazy import np, pd
from lolpop.components._errors import DataError, count_rows
from lolpop.components._files import file_stamp
from lolpop.components._kinds import make_kind
from lolpop.components.file_connector import (
    _apply_dtypes,
    _check_columns,
    _check_file,
    _check_rows,
    _make_reading,
    _parse_dates,
    _Reading,
    _write_atomically,
)
from lolpop.components.records import DataConnector, Written
from lolpop.config.records import OUTPUT_PATH
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step

#: A JSON value as `json.loads` gives it.
_Json = None | bool | int | float | str | list["_Json"] | dict[str, "_Json"]


@frozen
class JsonSettings:
    """`type: json`: a JSON file holding an array of records (or an object of columns)."""

    #: The JSON file to read and write.
    path: str = field(metadata=OUTPUT_PATH)
    #: A column to use as the index when reading (and to write the index as).
    index: str | None = None
    #: The columns a read returns, in this order (all when empty).
    columns: tuple[str, ...] = ()
    #: pandas dtypes by column, e.g. `{"zip": "string", "kind": "category"}`; a datetime
    #: dtype (`datetime64[ns]`, `datetime64[ns, UTC]`) reads the column as dates.
    dtypes: Mapping[str, str] = Factory(dict)
    #: Columns to read as dates; a value that is not a date is refused, never kept as text.
    parse_dates: tuple[str, ...] = ()
    #: The dates' strftime format, e.g. `"%m/%d/%Y"`, for every date column, or one per
    #: column (`{day: "%d/%m/%Y"}`); without one, ISO 8601 or a format that is certain.
    date_format: str | Mapping[str, str] | None = None
    #: A time zone (e.g. `UTC`, `Europe/Paris`) for the date columns: naive times are
    #: localized to it, aware ones converted.
    timezone: str | None = None
    #: Texts read as missing values besides `null` and absent keys, e.g. `["?", "n/a"]`.
    na_values: tuple[str, ...] = ()


@frozen
class JsonLinesSettings:
    """`type: jsonl`: a JSON-lines file, one record (a JSON object) per line."""

    #: The JSON-lines file to read and write.
    path: str = field(metadata=OUTPUT_PATH)
    #: A column to use as the index when reading (and to write the index as).
    index: str | None = None
    #: The columns a read returns, in this order (all when empty).
    columns: tuple[str, ...] = ()
    #: pandas dtypes by column, e.g. `{"zip": "string", "kind": "category"}`; a datetime
    #: dtype (`datetime64[ns]`, `datetime64[ns, UTC]`) reads the column as dates.
    dtypes: Mapping[str, str] = Factory(dict)
    #: Columns to read as dates; a value that is not a date is refused, never kept as text.
    parse_dates: tuple[str, ...] = ()
    #: The dates' strftime format, e.g. `"%m/%d/%Y"`, for every date column, or one per
    #: column (`{day: "%d/%m/%Y"}`); without one, ISO 8601 or a format that is certain.
    date_format: str | Mapping[str, str] | None = None
    #: A time zone (e.g. `UTC`, `Europe/Paris`) for the date columns: naive times are
    #: localized to it, aware ones converted.
    timezone: str | None = None
    #: Texts read as missing values besides `null` and absent keys, e.g. `["?", "n/a"]`.
    na_values: tuple[str, ...] = ()


_AnySettings = JsonSettings | JsonLinesSettings


# --- reading -------------------------------------------------------------------------


def _text(path: Path) -> str:
    _check_file(path)
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(
            f"cannot read {str(path)!r}: JSON text is UTF-8, and this file is not ({error}).",
            path=str(path),
        ) from error


class _RepeatedKey(ValueError):
    """A JSON object that names a key twice (`json` would keep the last value silently)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object(pairs: list[tuple[str, _Json]]) -> dict[str, _Json]:
    made = dict(pairs)
    if len(made) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _RepeatedKey(key)
            seen.add(key)
    return made


def _repeated_key(path: Path, error: _RepeatedKey, line: int | None = None) -> DataError:
    where = f"line {line} of " if line is not None else ""
    return DataError(
        f"a record on {where}{str(path)!r} names the key {error.key!r} twice; JSON readers "
        "keep one of the two values without a word. Give each column its own name.",
        path=str(path),
        column=error.key,
    )


def _parse(text: str) -> _Json:
    loaded: _Json = json.loads(text, object_pairs_hook=_object)
    return loaded


def _syntax_error(path: Path, error: json.JSONDecodeError, line: int | None = None) -> DataError:
    where = f"line {line if line is not None else error.lineno}, column {error.colno}"
    return DataError(f"cannot read {str(path)!r} as JSON: {error.msg} ({where}).", path=str(path))


def _load(path: Path, text: str) -> _Json:
    try:
        return _parse(text)
    except json.JSONDecodeError as error:
        raise _syntax_error(path, error) from error
    except _RepeatedKey as error:
        raise _repeated_key(path, error) from error


def _records_of_array(path: Path, loaded: _Json) -> list[dict[str, _Json]]:
    """The records of a `type: json` file: an array of objects, or an object of columns."""
    if isinstance(loaded, list):
        for number, item in enumerate(loaded):
            if not isinstance(item, dict):
                raise DataError(
                    f"{str(path)!r} holds an array whose item {number} is a "
                    f"{_kind_of(item)}, not a record (an object of column: value).",
                    path=str(path),
                )
        return [item for item in loaded if isinstance(item, dict)]
    if isinstance(loaded, dict) and all(isinstance(value, list) for value in loaded.values()):
        columns = {name: value for name, value in loaded.items() if isinstance(value, list)}
        lengths = {len(value) for value in columns.values()}
        if len(lengths) > 1:
            shown = ", ".join(f"{name!r}: {len(value)}" for name, value in columns.items())
            raise DataError(
                f"{str(path)!r} holds an object of columns of different lengths ({shown}); "
                "every column needs a value (or null) in every row.",
                path=str(path),
            )
        rows = next(iter(lengths), 0)
        return [{name: value[row] for name, value in columns.items()} for row in range(rows)]
    raise DataError(
        f"{str(path)!r} holds a JSON {_kind_of(loaded)}; `type: json` reads an array of "
        'records ([{"a": 1, "b": "x"}, ...]) or an object of columns ({"a": [1, 2], ...}), '
        "and `type: jsonl` one record per line.",
        path=str(path),
    )


def _records_of_lines(path: Path, text: str) -> Iterator[dict[str, _Json]]:
    """The records of a JSON-lines file, one per line that is not blank."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            loaded = _parse(line)
        except json.JSONDecodeError as error:
            raise _syntax_error(path, error, number) from error
        except _RepeatedKey as error:
            raise _repeated_key(path, error, number) from error
        if not isinstance(loaded, dict):
            raise DataError(
                f"line {number} of {str(path)!r} holds a JSON {_kind_of(loaded)}, not a record "
                "(an object of column: value); a JSON-lines file holds one record per line.",
                path=str(path),
            )
        yield loaded


def _kind_of(value: _Json) -> str:
    kinds: dict[type, str] = {list: "array", dict: "object", str: "string", bool: "boolean"}
    return "null" if value is None else kinds.get(type(value), "number")


def _frame(path: Path, records: list[dict[str, _Json]], na_values: tuple[str, ...]) -> pd.DataFrame:
    if not records:
        raise DataError(
            f"cannot read {str(path)!r}: it holds no records (no rows).", path=str(path)
        )
    missing = frozenset(na_values)
    rows = [
        {
            name: None if isinstance(value, str) and value in missing else value
            for name, value in record.items()
        }
        for record in records
    ]
    frame = pd.DataFrame.from_records(rows)
    for name in frame.columns:
        if frame[name].dtype != object:
            continue
        nested = frame[name].map(lambda value: isinstance(value, list | dict))
        if nested.any():
            raise DataError(
                f"column {name!r} of {str(path)!r} holds nested JSON (objects or arrays) in "
                f"{count_rows(int(nested.sum()))}; lolpop reads flat records: flatten them "
                "first (e.g. `pandas.json_normalize`) or leave the column out with `columns:`.",
                path=str(path),
                column=str(name),
                rows=int(nested.sum()),
            )
    return frame


def _read(settings: _AnySettings, reading: _Reading, lines: bool) -> pd.DataFrame:
    path = Path(settings.path)
    text = _text(path)
    records = (
        list(_records_of_lines(path, text)) if lines else _records_of_array(path, _load(path, text))
    )
    if settings.columns:
        wanted = {*settings.columns, *([settings.index] if settings.index else [])}
        # Only these are typed and checked: a nested column can be left out.
        records = [{k: v for k, v in record.items() if k in wanted} for record in records]
    frame = _frame(path, records, reading.na_values)
    # A key missing from some records is a missing value; from every record, a mistake.
    _check_columns(path, frame.columns, settings.columns, "listed under `columns:`")
    _check_columns(path, frame.columns, settings.dtypes, "given a dtype under `dtypes:`")
    _check_columns(path, frame.columns, settings.parse_dates, "listed under `parse_dates:`")
    if settings.index is not None:
        _check_columns(path, frame.columns, (settings.index,), "named as the `index:`")
    frame = _apply_dtypes(path, _parse_dates(path, frame, reading), reading.dtypes)
    if settings.index is not None:
        frame = frame.set_index(settings.index)
    if settings.columns:
        frame = frame[[name for name in settings.columns if name != settings.index]]
    return _check_rows(path, frame)


# --- writing -------------------------------------------------------------------------


def _json_value(path: Path, column: str, value: object) -> _Json:
    """`value` (a cell) as JSON: missing as null, times in ISO 8601, numbers exact."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            raise DataError(
                f"cannot write column {column!r} to {str(path)!r}: it holds {value}, which "
                "JSON has no number for; replace it (or make it missing) first.",
                path=str(path),
                column=column,
            )
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, pd.Timedelta | dt.timedelta):
        return pd.Timedelta(value).isoformat()
    raise DataError(
        f"cannot write column {column!r} to {str(path)!r}: it holds a "
        f"{type(value).__name__} ({value!r}), which has no JSON form; convert it first.",
        path=str(path),
        column=column,
    )


def _records(path: Path, frame: pd.DataFrame) -> list[dict[str, _Json]]:
    names = []
    for name in frame.columns:
        if not isinstance(name, str):
            raise DataError(
                f"cannot write this frame to {str(path)!r}: its column {name!r} is named by a "
                f"{type(name).__name__}, and JSON names are text; rename it.",
                path=str(path),
            )
        names.append(name)
    columns = [[_json_value(path, name, value) for value in frame[name].tolist()] for name in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _write(settings: _AnySettings, frame: pd.DataFrame, lines: bool) -> Written:
    path = Path(settings.path)
    # As CSV: the index is written only as the column `index:` names.
    with_index = settings.index is not None and settings.index not in frame.columns
    out = frame.rename_axis(settings.index).reset_index() if with_index else frame
    dumped = [
        json.dumps(record, ensure_ascii=False, allow_nan=False) for record in _records(path, out)
    ]
    text = (
        "".join(f"{record}\n" for record in dumped)
        if lines
        else "[\n" + ",\n".join(dumped) + ("\n]\n" if dumped else "]\n")
    )

    def write(temporary: Path) -> None:
        temporary.write_text(text, encoding="utf-8")

    _write_atomically(path, write)
    return Written(os.path.abspath(path), len(frame))


# --- the connectors ------------------------------------------------------------------


def _reading(settings: _AnySettings) -> _Reading:
    return _make_reading(
        settings.path,
        dtypes=settings.dtypes,
        parse_dates=settings.parse_dates,
        date_format=settings.date_format,
        timezone=settings.timezone,
        na_values=settings.na_values,
        columns=settings.columns,
        index=settings.index,
    )


def _connector(settings: _AnySettings, lines: bool, what: str) -> DataConnector:
    reading = _reading(settings)

    def read(nothing: None) -> pd.DataFrame:
        return _read(settings, reading, lines)

    def write(frame: pd.DataFrame) -> Written:
        return _write(settings, frame, lines)

    return DataConnector(
        read=make_step(read, name="read", description=f"Read the {what} file.").stamped(
            partial(file_stamp, settings.path)
        ),
        write=make_step(
            write,
            name="write",
            effect=True,
            description=f"Write the frame to the {what} file (atomically).",
        ),
        location=settings.path,
    )


def json_connector(settings: JsonSettings) -> DataConnector:
    """Reads and writes a JSON file of records."""
    return _connector(settings, lines=False, what="JSON")


def jsonl_connector(settings: JsonLinesSettings) -> DataConnector:
    """Reads and writes a JSON-lines file (one record per line)."""
    return _connector(settings, lines=True, what="JSON-lines")


KINDS: tuple[ComponentKind, ...] = (
    make_kind("json", JsonSettings, json_connector, "Reads and writes a JSON file of records."),
    make_kind(
        "jsonl",
        JsonLinesSettings,
        jsonl_connector,
        "Reads and writes a JSON-lines file (one record per line).",
    ),
)
