"""What `lolpop check` answers without importing pandas agrees with pandas.

A CSV file's header (`preflight.csv_header`) has the column names a run's `pd.read_csv`
finds: quoted names holding the delimiter or quotes, blank names, repeated names, a
byte-order mark, blank lines before the header. A forecast's frequency that the check
takes without asking pandas (`PLAIN_FREQUENCY`) is one pandas takes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.tseries.frequencies import to_offset

from lolpop.config.preflight import csv_header
from lolpop.runners.forecasting.components import PLAIN_FREQUENCY
from lolpop.testing.profiles import scaled

_NAMES = st.lists(
    st.sampled_from(["a", "b", "a b", " a", "x,y", 'say "hi"', "", "1", "é", "a.1", "\t"]),
    min_size=1,
    max_size=6,
)


def _write(path: Path, text: str, encoding: str) -> None:
    path.write_bytes(text.encode(encoding))


def _header_line(names: list[str], delimiter: str) -> str:
    line = io.StringIO()
    csv.writer(line, delimiter=delimiter, lineterminator="\n").writerow(names)
    return line.getvalue()


@settings(max_examples=scaled(1), deadline=None)
@given(
    names=_NAMES,
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    blank_lines=st.integers(0, 2),
    bom=st.booleans(),
)
def test_the_header_is_what_pandas_reads(
    tmp_path_factory: pytest.TempPathFactory,
    names: list[str],
    delimiter: str,
    blank_lines: int,
    bom: bool,
) -> None:
    if all(not name.strip() for name in names):
        names = [*names, "z"]  # a header of blanks only is a blank line to pandas
    file = tmp_path_factory.mktemp("csv") / "data.csv"
    text = "\n" * blank_lines + _header_line(names, delimiter) + "1\n"
    _write(file, ("\ufeff" if bom else "") + text, "utf-8")
    read = [str(c) for c in pd.read_csv(file, nrows=0, sep=delimiter, encoding="utf-8")]
    assert csv_header(file, delimiter, "utf-8") == read


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("id,x,id,x,id\n1,2,3,4,5\n", "utf-8"),
        (",a,,b\n1,2,3,4\n", "utf-8"),
        ("naïve,prix\n1,2\n", "latin-1"),
        ('"a\nb",c\n1,2\n', "utf-8"),
    ],
    ids=["repeated", "blank", "latin-1", "newline-in-a-name"],
)
def test_named_cases_read_as_pandas_reads_them(tmp_path: Path, text: str, encoding: str) -> None:
    file = tmp_path / "data.csv"
    _write(file, text, encoding)
    read = [str(c) for c in pd.read_csv(file, nrows=0, encoding=encoding)]
    assert csv_header(file, ",", encoding) == read


def test_an_empty_file_is_refused_as_pandas_refuses_it(tmp_path: Path) -> None:
    file = tmp_path / "data.csv"
    file.write_text("\n\n", encoding="utf-8")
    with pytest.raises(pd.errors.EmptyDataError):
        pd.read_csv(file, nrows=0)
    with pytest.raises(ValueError, match="No columns to parse from file"):
        csv_header(file, ",", "utf-8")


@settings(max_examples=scaled(1), deadline=None)
@given(frequency=st.from_regex(PLAIN_FREQUENCY, fullmatch=True))
def test_a_frequency_taken_without_pandas_is_one_pandas_takes(frequency: str) -> None:
    to_offset(frequency)


@pytest.mark.parametrize("frequency", ["M", "H", "T", "A", "Q", "W-FOO", "2X", "D2"])
def test_a_frequency_pandas_refuses_is_not_taken_without_it(frequency: str) -> None:
    assert PLAIN_FREQUENCY.fullmatch(frequency) is None
    with pytest.raises(ValueError, match="Invalid frequency"):
        to_offset(frequency)
