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
  frame. It is pandas' `usecols` under one name: there is no `usecols:` besides it, so
  that one setting says one thing.

Typed reading (shared with `lolpop.components.json_connector`):

- `dtypes:` are checked when the connector is built (`lolpop check`): a dtype pandas
  does not know is refused naming `$.components.<name>.dtypes`. A datetime dtype
  (`datetime64[ns]`, `datetime64[ns, UTC]`) makes the column a date column, read the
  way `parse_dates:` reads one (pandas' CSV reader refuses such a dtype, and its
  `parse_dates` keeps unreadable dates as text without a word); its unit is applied
  after parsing and its zone works as `timezone:` does. `category` and every other dtype
  go to pandas as they are.
- Dates are parsed by lolpop, never left as text: a value of a date column that does
  not read as a date (not missing, and not in the format) is refused with a `DataError`
  naming the file, the column, how many rows and a few of the values. There is no
  fall-back to text, which would sort `10/01/2020` before `9/30/2020`.
- `date_format:` is one strftime format for every date column, or one per column
  (`{day: "%d/%m/%Y"}`); `ISO8601` is pandas' name for any ISO 8601 text. Without one, a
  column in ISO 8601 is read as such; another column is read only when its format is
  certain: the first value's format is guessed month-first and day-first, and the
  column is read when exactly one reading takes every value (`13/03/2020` decides it is
  day-first) or when both give the same dates. When both read every value differently
  (`11/03/2020` and `12/03/2020` only), the read is refused naming both readings of one
  value: a guess there would be silently wrong half the time. (pandas 3 itself infers
  month-first from the first value and warns, or refuses, when a later one disagrees.)
  Text that starts with the year goes on with the month (`2020/03/05`): pandas' day-first
  guess `%Y/%d/%m` is not taken.
- `timezone:` puts every date column in one zone: naive times are localized to it (a
  time that does not exist or is ambiguous there, at a daylight-saving change, is
  refused), aware ones converted. Times with different UTC offsets in one column need
  it (pandas refuses to guess a zone); times with and without an offset mixed in one
  column are refused, as reading the naive ones as UTC would be a guess.
- `na_values:` are texts read as missing, besides pandas' own (`""`, `NA`, `null`...):
  `?`, `-`, `n/a`. In Parquet they apply to text columns only (its numbers are typed).
- Every date column (`parse_dates:` and datetime `dtypes:`) must be among `columns:`,
  when those are given, or be the `index:`; a format or a zone given with no date column
  is refused at build rather than ignored.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import cast

from attrs import Factory, field, frozen

from lolpop._lazy import np, pd
from lolpop.components._errors import DataError, count_rows, show_values
from lolpop.components._files import file_stamp, write_atomically
from lolpop.components._kinds import make_kind, setting
from lolpop.components.records import DataConnector, Written
from lolpop.config.records import OUTPUT_PATH
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step
from lolpop.errors import DefinitionError, SettingError

#: Delimiters common enough that a header holding one of them was probably split wrong.
_COMMON_DELIMITERS = (",", ";", "\t", "|")

#: A time's UTC offset at the end of its text: `Z`, `+01:00`, `-0500`.
_OFFSET = re.compile(r"(?:Z|[+-]\d\d(?::?\d\d)?)\s*$")


@frozen
class CsvSettings:
    """`type: csv`: a CSV file, read and written with one delimiter and encoding."""

    #: The CSV file to read and write.
    path: str = field(metadata=OUTPUT_PATH)
    #: The one character between fields; in YAML write a tab as `"\t"`.
    delimiter: str = ","
    #: The file's text encoding, e.g. `utf-8`, `latin-1`.
    encoding: str = "utf-8"
    #: A column to use as the index when reading (and to write the index as).
    index: str | None = None
    #: The columns a read returns, in this order (all when empty); pandas' `usecols`.
    columns: tuple[str, ...] = ()
    #: pandas dtypes by column, e.g. `{"zip": "string", "age": "Int64", "kind": "category"}`;
    #: a datetime dtype (`datetime64[ns]`, `datetime64[ns, UTC]`) reads the column as dates.
    dtypes: Mapping[str, str] = Factory(dict)
    #: Columns to read as dates; a value that is not a date is refused, never kept as text.
    parse_dates: tuple[str, ...] = ()
    #: The dates' strftime format, e.g. `"%m/%d/%Y"`, for every date column, or one per
    #: column (`{day: "%d/%m/%Y"}`); without one, ISO 8601 or a format that is certain.
    date_format: str | Mapping[str, str] | None = None
    #: A time zone (e.g. `UTC`, `Europe/Paris`) for the date columns: naive times are
    #: localized to it, aware ones converted.
    timezone: str | None = None
    #: Texts read as missing values besides pandas' own (`""`, `NA`...), e.g. `["?", "-"]`.
    na_values: tuple[str, ...] = ()


@frozen
class ParquetSettings:
    """`type: parquet`: a Parquet file."""

    #: The Parquet file to read and write.
    path: str = field(metadata=OUTPUT_PATH)
    #: The columns a read returns, in this order (all when empty).
    columns: tuple[str, ...] = ()
    #: pandas dtypes by column, applied after reading, e.g. `{"kind": "category"}`; a
    #: datetime dtype (`datetime64[ns]`) reads a text column as dates.
    dtypes: Mapping[str, str] = Factory(dict)
    #: Columns to read as dates (text columns are parsed; datetime columns are kept).
    parse_dates: tuple[str, ...] = ()
    #: The dates' strftime format, e.g. `"%m/%d/%Y"`, for every date column, or one per
    #: column (`{day: "%d/%m/%Y"}`); without one, ISO 8601 or a format that is certain.
    date_format: str | Mapping[str, str] | None = None
    #: A time zone (e.g. `UTC`) for the date columns: naive times are localized to it,
    #: aware ones converted.
    timezone: str | None = None
    #: Texts read as missing values in text columns, e.g. `["?", "-"]`.
    na_values: tuple[str, ...] = ()


# --- shared --------------------------------------------------------------------------


def _show_delimiter(delimiter: str) -> str:
    return "'\\t'" if delimiter == "\t" else repr(delimiter)


def _check_file(path: Path) -> None:
    """Refuse a path that is not a readable, non-empty file."""
    if not path.exists():
        raise DataError(f"cannot read {str(path)!r}: there is no such file.", path=str(path))
    if not path.is_file():
        raise DataError(
            f"cannot read {str(path)!r}: it is a directory, not a file.", path=str(path)
        )
    if path.stat().st_size == 0:
        raise DataError(f"cannot read {str(path)!r}: the file is empty (0 bytes).", path=str(path))


def _check_columns(path: Path, present: Iterable[str], wanted: Iterable[str], why: str) -> None:
    """Refuse column names in `wanted` that are not in `present`, naming each and the file."""
    have = [str(name) for name in present]
    missing = [name for name in wanted if name not in have]
    if missing:
        names = ", ".join(repr(name) for name in missing)
        raise DataError(
            f"{str(path)!r} has no column {names} ({why}); its columns are: "
            f"{', '.join(have) or 'none'}.",
            path=str(path),
            column=missing[0],
        )


def _check_rows(path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    if len(frame) == 0:
        raise DataError(f"cannot read {str(path)!r}: it has columns but no rows.", path=str(path))
    return frame


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file beside `path` (`lolpop.components._files`)."""
    try:
        write_atomically(path, write)
    except OSError as error:
        raise DataError(f"cannot write {str(path)!r}: {error}", path=str(path)) from error


# --- typed reading: dtypes, dates, missing values ------------------------------------


@frozen
class _DateColumn:
    """How one date column is read."""

    name: str
    #: Its strftime format (or `ISO8601`); None: ISO 8601, or a format that is certain.
    format: str | None
    #: The zone its times are put in (None: as they are).
    timezone: str | None
    #: The datetime unit its dtype asks for (`ns`...; None: pandas' own).
    unit: str | None


@frozen
class _Reading:
    """How a read types a file's columns: made, and checked, when a connector is built."""

    dates: tuple[_DateColumn, ...] = ()
    #: The dtypes of the other columns (pandas dtype names), by column.
    dtypes: Mapping[str, str] = Factory(dict)
    #: Texts read as missing values.
    na_values: tuple[str, ...] = ()

    @property
    def date_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.dates)


def _check_dtype(
    path: str, column: str, dtype: str
) -> np.dtype[np.generic] | pd.api.extensions.ExtensionDtype:
    try:
        return pd.api.types.pandas_dtype(dtype)
    except (TypeError, ValueError) as error:
        raise SettingError(
            "dtypes",
            f"the dtype {dtype!r} given for column {column!r} of {path!r} is not a pandas "
            f"dtype ({error}); use e.g. 'int64', 'Int64', 'float64', 'string', 'category', "
            "'bool', 'datetime64[ns]'.",
        ) from error


def _datetime_unit_and_zone(
    made: np.dtype[np.generic] | pd.api.extensions.ExtensionDtype,
) -> tuple[str | None, str | None] | None:
    """(unit, zone) of a datetime dtype (None for a unit-less `datetime64`); None for
    any other dtype."""
    if isinstance(made, pd.api.types.DatetimeTZDtype):
        return made.unit, str(made.tz)
    if isinstance(made, np.dtype) and made.kind == "M":
        unit = np.datetime_data(cast("np.dtype[np.datetime64]", made))[0]
        return (None if unit == "generic" else unit), None
    return None


def is_date_dtype(dtype: str) -> bool:
    """Whether a `dtypes:` value makes its column a date column, as a read takes it (a
    dtype pandas does not know is not one: building the connector refuses it)."""
    try:
        made = pd.api.types.pandas_dtype(dtype)
    except (TypeError, ValueError):
        return False
    return _datetime_unit_and_zone(made) is not None


def _check_timezone(path: str, zone: str, field_name: str) -> str:
    try:
        pd.DatetimeIndex([]).tz_localize(zone)
    except (KeyError, ValueError, TypeError) as error:
        raise SettingError(
            field_name,
            f"{zone!r} (for {path!r}) is not a time zone pandas knows ({error}); use a "
            "name such as 'UTC' or 'Europe/Paris'.",
        ) from error
    return zone


def _check_date_format(path: str, fmt: str) -> str:
    """Refuse a format that is not one strftime format (or pandas' `ISO8601`)."""
    if fmt == "ISO8601":
        return fmt
    if fmt == "mixed":
        raise SettingError(
            "date_format",
            f"'mixed' (for {path!r}) guesses each value's format on its own, so that "
            "11/03/2020 and 13/03/2020 could be read in two orders; give the one format of "
            "the file, e.g. '%d/%m/%Y'.",
        )
    sample = datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)
    try:
        if "%" not in fmt:
            raise ValueError("it holds no % directive")
        datetime.strptime(sample.strftime(fmt), fmt)
    except ValueError as error:
        raise SettingError(
            "date_format",
            f"{fmt!r} (for {path!r}) is not a strftime format lolpop can read dates with "
            f"({error}); write e.g. '%Y-%m-%d', '%m/%d/%Y' or '%d.%m.%Y %H:%M'.",
        ) from error
    return fmt


def _make_reading(
    path: str,
    *,
    dtypes: Mapping[str, str],
    parse_dates: tuple[str, ...],
    date_format: str | Mapping[str, str] | None,
    timezone: str | None,
    na_values: tuple[str, ...],
    columns: tuple[str, ...],
    index: str | None,
) -> _Reading:
    """The typed-reading plan of a connector's settings; a `SettingError` names the
    setting that cannot be used."""
    others: dict[str, str] = {}
    date_dtypes: dict[str, tuple[str | None, str | None]] = {}
    for column, dtype in dtypes.items():
        found = _datetime_unit_and_zone(_check_dtype(path, column, dtype))
        if found is None:
            others[column] = dtype
        else:
            date_dtypes[column] = found
    clash = [name for name in parse_dates if name in others]
    if clash:
        raise SettingError(
            "parse_dates",
            f"column {clash[0]!r} of {path!r} is listed under `parse_dates:` and given the "
            f"dtype {others[clash[0]]!r} under `dtypes:`; a column is read as dates or as "
            "that dtype, not both.",
        )
    names = list(dict.fromkeys([*parse_dates, *date_dtypes]))
    if columns:
        unread = [name for name in names if name not in columns and name != index]
        if unread:
            raise SettingError(
                "parse_dates",
                f"column {unread[0]!r} of {path!r} is to be read as dates but is not among "
                f"`columns:` ({', '.join(columns)}); add it there.",
            )
    if timezone is not None:
        _check_timezone(path, timezone, "timezone")
    formats: Mapping[str, str]
    if date_format is None:
        formats = {}
    elif isinstance(date_format, str):
        formats = dict.fromkeys(names, _check_date_format(path, date_format))
    else:
        formats = {name: _check_date_format(path, fmt) for name, fmt in date_format.items()}
        stray = [name for name in formats if name not in names]
        if stray:
            raise SettingError(
                "date_format",
                f"`date_format:` gives a format for column {stray[0]!r} of {path!r}, which "
                "is not read as dates; list it under `parse_dates:`.",
            )
    for what, value in (("date_format", date_format), ("timezone", timezone)):
        if value is not None and not names:
            raise SettingError(
                what,
                f"`{what}:` is given for {path!r} but no column is read as dates; list "
                "them under `parse_dates:`.",
            )
    dates = []
    for name in names:
        unit, zone = date_dtypes.get(name, (None, None))
        if zone is not None and timezone is not None and zone != timezone:
            raise SettingError(
                "timezone",
                f"column {name!r} of {path!r} has the dtype {dtypes[name]!r}, in {zone!r}, "
                f"but `timezone:` says {timezone!r}; give the zone once.",
            )
        dates.append(_DateColumn(name, formats.get(name), zone or timezone, unit))
    return _Reading(tuple(dates), others, tuple(na_values))


def _date_text(path: Path, values: pd.Series, name: str) -> pd.Series:
    """The values of a date column as text (missing ones kept missing)."""
    if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values.dtype):
        raise DataError(
            f"column {name!r} of {str(path)!r} holds numbers ({show_values(values.dropna())}), "
            "not dates; lolpop reads dates from text, and a number could be days, seconds "
            "or milliseconds: write the dates as text, or convert them in a step.",
            path=str(path),
            column=name,
        )
    text = values.astype(object)
    present = text.notna()
    return text.where(~present, text[present].map(str))


def _to_datetime(path: Path, name: str, text: pd.Series, fmt: str, zone: str | None) -> pd.Series:
    """`text` read with `fmt`, unreadable values missing; several UTC offsets need `zone`."""
    try:
        read: pd.Series = pd.to_datetime(text, format=fmt, errors="coerce")
    except ValueError as error:  # pandas refuses to mix UTC offsets in one column
        present = text.notna()
        if zone is None:
            raise DataError(
                f"column {name!r} of {str(path)!r} holds times with different UTC offsets "
                f"({show_values(text[present])}): set `timezone:` (e.g. 'UTC') to read them "
                f"all in one zone ({error}).",
                path=str(path),
                column=name,
            ) from error
        with_offset = text.map(lambda value: isinstance(value, str) and bool(_OFFSET.search(value)))
        naive = present & ~with_offset.astype(bool)
        if naive.any():
            raise DataError(
                f"column {name!r} of {str(path)!r} mixes times with a UTC offset and "
                f"{count_rows(int(naive.sum()))} without one ({show_values(text[naive])}); "
                "write every time with its offset, or none with one.",
                path=str(path),
                column=name,
                rows=int(naive.sum()),
            ) from error
        read = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
    return read


def _unreadable(
    path: Path, name: str, text: pd.Series, read: pd.Series, how: str, *, note: str = ""
) -> DataError:
    bad = read.isna() & text.notna()
    count = int(bad.sum())
    return DataError(
        f"column {name!r} of {str(path)!r} holds {count_rows(count)} that "
        f"{'is not a date' if count == 1 else 'are not dates'} {how} "
        f"({show_values(text[bad])}){note}; fix them, list them under `na_values:` to read "
        "them as missing, or set `date_format:` to the format of the file.",
        path=str(path),
        column=name,
        rows=count,
    )


def _guess_formats(value: str) -> list[str]:
    """The formats `value` may be in, month-first and day-first, each way round."""
    with warnings.catch_warnings():
        # pandas warns when a value reads day-first only: that is what is asked here.
        warnings.simplefilter("ignore", UserWarning)
        guesses = [
            pd.tseries.api.guess_datetime_format(value, dayfirst=dayfirst)
            for dayfirst in (False, True)
        ]
    found = [guess for guess in guesses if guess is not None]
    swapped = [
        guess.replace("%m", "\0").replace("%d", "%m").replace("\0", "%d")
        for guess in found
        if "%m" in guess and "%d" in guess
    ]
    return [fmt for fmt in dict.fromkeys([*found, *swapped]) if not _is_year_day_month(fmt)]


def _is_year_day_month(fmt: str) -> bool:
    """Whether `fmt` puts the day between the year and the month (`%Y/%d/%m`): pandas
    offers it for day-first text, but dates that start with the year go on with the month.
    """
    places = [fmt.find(code) for code in ("%Y", "%d", "%m")]
    return -1 not in places and places[0] < places[1] < places[2]


def _infer_dates(path: Path, name: str, text: pd.Series, zone: str | None) -> pd.Series:
    """Dates read from `text` without a format: ISO 8601, or the one format that reads
    every value (or several that agree); refused when none does or two disagree."""
    present = text.notna()
    iso = _to_datetime(path, name, text, "ISO8601", zone)
    failed = iso.isna() & present
    if not failed.any():
        return iso
    first_value = str(text[failed].iloc[0])
    readings = {
        fmt: _to_datetime(path, name, text, fmt, zone) for fmt in _guess_formats(first_value)
    }
    complete = {fmt: read for fmt, read in readings.items() if not (read.isna() & present).any()}
    if not complete:
        best = min(readings.items(), key=lambda item: int(item[1].isna().sum()), default=None)
        if best is None:
            how = f"in ISO 8601 (and no other format could be guessed from {first_value!r})"
            raise _unreadable(path, name, text, iso, how)
        fmt, read = best
        mixed = (read.isna() & present & iso.notna()).any()
        note = ": the column mixes formats, and these read as ISO 8601" if mixed else ""
        how = f"in {fmt!r}, the format of {first_value!r}"
        raise _unreadable(path, name, text, read, how, note=note)
    (first_format, first), *rest = complete.items()
    for other_format, other in rest:
        differ = present & (first != other)
        if differ.any():
            value = text[differ].iloc[0]
            raise DataError(
                f"column {name!r} of {str(path)!r} holds dates that read two ways: "
                f"{value!r} is {first[differ].iloc[0]:%Y-%m-%d} as {first_format!r} and "
                f"{other[differ].iloc[0]:%Y-%m-%d} as {other_format!r}, and no value tells "
                "which the file uses; set `date_format:` to it.",
                path=str(path),
                column=name,
                rows=int(differ.sum()),
            )
    return first


def _place_in_zone(path: Path, name: str, read: pd.Series, zone: str) -> pd.Series:
    placed: pd.Series
    if read.dt.tz is not None:
        placed = read.dt.tz_convert(zone)
        return placed
    try:
        placed = read.dt.tz_localize(zone, ambiguous="raise", nonexistent="raise")
    except ValueError as error:  # a time skipped or repeated at a daylight-saving change
        raise DataError(
            f"cannot place column {name!r} of {str(path)!r} in the time zone {zone!r}: "
            f"{error}. Write these times with their UTC offset, or read them in a zone "
            "without daylight-saving time (e.g. 'UTC').",
            path=str(path),
            column=name,
        ) from error
    return placed


def _parse_date_column(path: Path, values: pd.Series, column: _DateColumn) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        read = values
    else:
        text = _date_text(path, values, column.name)
        if column.format is None:
            read = _infer_dates(path, column.name, text, column.timezone)
        else:
            read = _to_datetime(path, column.name, text, column.format, column.timezone)
            if (read.isna() & text.notna()).any():
                how = f"in the format {column.format!r}"
                raise _unreadable(path, column.name, text, read, how)
    if column.timezone is not None:
        read = _place_in_zone(path, column.name, read, column.timezone)
    if column.unit is not None:
        read = read.dt.as_unit(column.unit)
    return read


def _parse_dates(path: Path, frame: pd.DataFrame, reading: _Reading) -> pd.DataFrame:
    """`frame` with its date columns read as dates (the index too, when it is one)."""
    parsed = {
        column.name: _parse_date_column(path, frame[column.name], column)
        for column in reading.dates
        if column.name in frame.columns
    }
    return frame.assign(**parsed) if parsed else frame


def _dtype_error(path: Path, name: str, values: pd.Series, dtype: str) -> DataError | None:
    """The refusal of `values` as `dtype` (None when they can be cast), naming the values
    that cannot."""
    try:
        values.astype(pd.api.types.pandas_dtype(dtype))
    except (ValueError, TypeError, OverflowError) as error:
        present = values[values.notna()]
        bad = []
        for value in present.unique()[:1000]:
            try:
                pd.Series([value], dtype=object).astype(pd.api.types.pandas_dtype(dtype))
            except (ValueError, TypeError, OverflowError):
                bad.append(value)
        rows = int(present.isin(bad).sum()) if bad else int(values.isna().sum())
        what = show_values(bad) if bad else "missing values"
        return DataError(
            f"column {name!r} of {str(path)!r} cannot be read as {dtype!r} (under `dtypes:`): "
            f"{count_rows(rows)} {'holds' if rows == 1 else 'hold'} {what} ({error}). Fix "
            "them, list them under `na_values:` to read them as missing, or choose another "
            "dtype (e.g. 'Int64' takes missing values, 'int64' does not).",
            path=str(path),
            column=name,
            rows=rows,
        )
    return None


def _apply_dtypes(path: Path, frame: pd.DataFrame, dtypes: Mapping[str, str]) -> pd.DataFrame:
    typed = {}
    for name, dtype in dtypes.items():
        if name in frame.columns:
            error = _dtype_error(path, name, frame[name], dtype)
            if error is not None:
                raise error
            typed[name] = frame[name].astype(pd.api.types.pandas_dtype(dtype))
    return frame.assign(**typed) if typed else frame


def _apply_na_values(frame: pd.DataFrame, na_values: tuple[str, ...]) -> pd.DataFrame:
    """`frame` with the text values listed in `na_values` made missing (text columns)."""
    if not na_values:
        return frame
    out = frame.copy()
    for name, values in frame.items():
        if not pd.api.types.is_numeric_dtype(
            values.dtype
        ) and not pd.api.types.is_datetime64_any_dtype(values.dtype):
            out[name] = values.mask(values.isin(na_values))
    return out


# --- CSV -----------------------------------------------------------------------------


def _csv_reading(settings: CsvSettings) -> _Reading:
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


def _check_csv_settings(settings: CsvSettings) -> _Reading:
    if len(settings.delimiter) != 1:
        with setting("delimiter"):
            raise DefinitionError(
                f"a CSV delimiter is one character; got {settings.delimiter!r} for "
                f'{settings.path!r} (in YAML write a tab as "\\t", in double quotes).'
            )
    return _csv_reading(settings)


def _read_csv_header(path: Path, settings: CsvSettings) -> list[str]:
    try:
        header = pd.read_csv(path, sep=settings.delimiter, encoding=settings.encoding, nrows=0)
    except pd.errors.EmptyDataError as error:
        raise DataError(
            f"cannot read {str(path)!r}: the file holds no header.", path=str(path)
        ) from error
    except UnicodeDecodeError as error:
        raise _encoding_error(path, settings, error) from error
    except (pd.errors.ParserError, ValueError) as error:
        raise DataError(f"cannot read {str(path)!r} as CSV: {error}", path=str(path)) from error
    names = [str(name) for name in header.columns]
    if len(names) == 1:
        for other in _COMMON_DELIMITERS:
            if other != settings.delimiter and other in names[0]:
                raise DataError(
                    f"{str(path)!r} looks delimited by {_show_delimiter(other)} not "
                    f"{_show_delimiter(settings.delimiter)}: its header read as the one "
                    f"column {names[0]!r}. Set `delimiter:` to {_show_delimiter(other)}.",
                    path=str(path),
                )
    _check_unique_header(path, settings)
    return names


def _encoding_error(path: Path, settings: CsvSettings, error: UnicodeDecodeError) -> DataError:
    return DataError(
        f"cannot read {str(path)!r} as {settings.encoding}: {error}; set `encoding:` to "
        "the file's encoding (e.g. latin-1).",
        path=str(path),
    )


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


def _csv_frame(
    path: Path, settings: CsvSettings, wanted: list[str] | None, dtypes: Mapping[str, str]
) -> pd.DataFrame:
    try:
        return pd.read_csv(
            path,
            sep=settings.delimiter,
            encoding=settings.encoding,
            usecols=wanted,
            dtype=dict(dtypes) or None,
            na_values=list(settings.na_values) or None,
        )
    except UnicodeDecodeError as error:
        raise _encoding_error(path, settings, error) from error
    except (pd.errors.ParserError, ValueError, TypeError) as error:
        # A dtype a column cannot take: name the column (pandas names a position).
        named = (
            _dtype_failure(path, settings, wanted, dtypes)
            if dtypes and not isinstance(error, pd.errors.ParserError)
            else None
        )
        raise (
            named or DataError(f"cannot read {str(path)!r} as CSV: {error}", path=str(path))
        ) from error


def _dtype_failure(
    path: Path, settings: CsvSettings, wanted: list[str] | None, dtypes: Mapping[str, str]
) -> DataError | None:
    """The refusal naming the column whose values its dtype cannot take (None when none is
    found that way)."""
    try:
        text = _csv_frame(path, settings, wanted, dict.fromkeys(dtypes, "str"))
    except DataError:
        return None
    for name, dtype in dtypes.items():
        if name in text.columns and dtype != "str":
            error = _dtype_error(path, name, text[name], dtype)
            if error is not None:
                return error
    return None


def _read_csv(settings: CsvSettings, reading: _Reading) -> pd.DataFrame:
    path = Path(settings.path)
    _check_file(path)
    names = _read_csv_header(path, settings)
    _check_columns(path, names, settings.columns, "listed under `columns:`")
    _check_columns(path, names, settings.dtypes, "given a dtype under `dtypes:`")
    _check_columns(path, names, settings.parse_dates, "listed under `parse_dates:`")
    if settings.index is not None:
        _check_columns(path, names, (settings.index,), "named as the `index:`")
    wanted: list[str] | None = None
    if settings.columns:
        wanted = list(settings.columns)
        if settings.index is not None and settings.index not in wanted:
            wanted.append(settings.index)
    # Date columns are read as text and parsed here: pandas' reader keeps what it cannot
    # parse as text without a word.
    dtypes = {**reading.dtypes, **dict.fromkeys(reading.date_names, "str")}
    frame = _parse_dates(path, _csv_frame(path, settings, wanted, dtypes), reading)
    if settings.index is not None:
        frame = frame.set_index(settings.index)
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
                "set `encoding:` to one that can hold its text (e.g. utf-8).",
                path=str(path),
            ) from error

    _write_atomically(path, write)
    return Written(os.path.abspath(path), len(frame))


def csv_connector(settings: CsvSettings) -> DataConnector:
    """Reads and writes a CSV file."""
    reading = _check_csv_settings(settings)

    def read(nothing: None) -> pd.DataFrame:
        """Read the CSV file."""
        return _read_csv(settings, reading)

    def write(frame: pd.DataFrame) -> Written:
        """Write the frame to the CSV file (atomically)."""
        return _write_csv(settings, frame)

    return DataConnector(
        read=make_step(read, name="read").stamped(partial(file_stamp, settings.path)),
        write=make_step(write, name="write", effect=True),
        location=settings.path,
    )


# --- Parquet -------------------------------------------------------------------------


def _parquet_reading(settings: ParquetSettings) -> _Reading:
    return _make_reading(
        settings.path,
        dtypes=settings.dtypes,
        parse_dates=settings.parse_dates,
        date_format=settings.date_format,
        timezone=settings.timezone,
        na_values=settings.na_values,
        columns=settings.columns,
        index=None,
    )


def _read_parquet(settings: ParquetSettings, reading: _Reading) -> pd.DataFrame:
    path = Path(settings.path)
    _check_file(path)
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as error:
        # pyarrow's ArrowInvalid (not a Parquet file, a torn one) is a ValueError.
        raise DataError(f"cannot read {str(path)!r} as Parquet: {error}", path=str(path)) from error
    if frame.columns.has_duplicates:
        twice = sorted({str(name) for name in frame.columns[frame.columns.duplicated()]})
        raise DataError(
            f"{str(path)!r} has more than one column named {', '.join(map(repr, twice))}; "
            "give each column its own name.",
            path=str(path),
            column=twice[0],
        )
    _check_columns(path, frame.columns, settings.columns, "listed under `columns:`")
    _check_columns(path, frame.columns, settings.dtypes, "given a dtype under `dtypes:`")
    _check_columns(path, frame.columns, settings.parse_dates, "listed under `parse_dates:`")
    if settings.columns:
        frame = frame[list(settings.columns)]
    frame = _apply_na_values(frame, reading.na_values)
    frame = _apply_dtypes(path, _parse_dates(path, frame, reading), reading.dtypes)
    return _check_rows(path, frame)


def _write_parquet(settings: ParquetSettings, frame: pd.DataFrame) -> Written:
    path = Path(settings.path)

    def write(temporary: Path) -> None:
        try:
            frame.to_parquet(temporary)
        except (TypeError, ValueError) as error:
            # Column names that are not strings, or mixed-type object columns.
            raise DataError(
                f"cannot write this frame to {str(path)!r}: {error}", path=str(path)
            ) from error

    _write_atomically(path, write)
    return Written(os.path.abspath(path), len(frame))


def parquet_connector(settings: ParquetSettings) -> DataConnector:
    """Reads and writes a Parquet file."""
    reading = _parquet_reading(settings)

    def read(nothing: None) -> pd.DataFrame:
        """Read the Parquet file."""
        return _read_parquet(settings, reading)

    def write(frame: pd.DataFrame) -> Written:
        """Write the frame to the Parquet file (atomically)."""
        return _write_parquet(settings, frame)

    return DataConnector(
        read=make_step(read, name="read").stamped(partial(file_stamp, settings.path)),
        write=make_step(write, name="write", effect=True),
        location=settings.path,
    )


KINDS: tuple[ComponentKind, ...] = (
    make_kind("csv", CsvSettings, csv_connector, "Reads and writes a CSV file."),
    make_kind("parquet", ParquetSettings, parquet_connector, "Reads and writes a Parquet file."),
)
