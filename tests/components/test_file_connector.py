"""CSV and Parquet connectors: round trips, atomic writes, and early, clear refusals."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import pandas as pd
import pytest
import yaml

from lolpop import StepFailure
from lolpop.components._errors import DataError
from lolpop.components.file_connector import (
    KINDS,
    CsvSettings,
    ParquetSettings,
    csv_connector,
    parquet_connector,
)
from lolpop.components.records import DataConnector, Written
from lolpop.config.converter import make_converter, problems_of
from lolpop.config.records import ComponentConfig
from lolpop.config.registry import Registry
from lolpop.core.step import Step
from lolpop.errors import DefinitionError

_A = TypeVar("_A")


def cause_of(step: Step[_A, object], value: _A) -> BaseException:
    """The exception a step raised when called on `value`."""
    with pytest.raises(StepFailure) as caught:
        step(value)
    return caught.value.failure.cause


def data_error(step: Step[_A, object], value: _A) -> str:
    """The message of the `DataError` a step raised when called on `value`."""
    cause = cause_of(step, value)
    assert isinstance(cause, DataError), cause
    return str(cause)


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "height": [1.5, 0.1 + 0.2, -3.25, 1e-7],
            "count": [1, 2, 3, 4],
            "colour": ["red", "green", "blue", "red"],
            "ok": [True, False, True, True],
        }
    )


def _build(tag: str, data: dict[str, object]) -> DataConnector:
    converter = make_converter(Registry(KINDS))
    config = converter.structure({"type": tag, **data}, ComponentConfig)
    kind = next(kind for kind in KINDS if kind.tag == tag)
    built = kind.build(config.settings)
    assert isinstance(built, DataConnector)
    return built


# --- CSV ---------------------------------------------------------------------------


def test_csv_round_trip_is_exact(tmp_path: Path, frame: pd.DataFrame) -> None:
    connector = csv_connector(CsvSettings(str(tmp_path / "out" / "nested" / "data.csv")))
    written = connector.write(frame)
    assert written == Written(str(tmp_path / "out" / "nested" / "data.csv"), 4)
    pd.testing.assert_frame_equal(connector.read(None), frame)
    assert sorted(p.name for p in (tmp_path / "out" / "nested").iterdir()) == ["data.csv"]


def test_csv_round_trip_with_index_and_delimiter(tmp_path: Path, frame: pd.DataFrame) -> None:
    indexed = frame.set_axis(pd.Index([10, 20, 30, 40], name="id"))
    connector = csv_connector(CsvSettings(str(tmp_path / "d.csv"), delimiter=";", index="id"))
    connector.write(indexed)
    assert (tmp_path / "d.csv").read_text().splitlines()[0] == "id;height;count;colour;ok"
    pd.testing.assert_frame_equal(connector.read(None), indexed)


def test_csv_columns_select_and_order(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("id,a,b,c\n1,2,3,4\n5,6,7,8\n")
    connector = csv_connector(CsvSettings(str(tmp_path / "d.csv"), columns=("c", "a"), index="id"))
    read = connector.read(None)
    assert list(read.columns) == ["c", "a"]
    assert read.index.tolist() == [1, 5]
    assert read["c"].tolist() == [4, 8]


def test_csv_dtypes_keep_leading_zeros(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("zip,n\n00123,1\n04000,2\n")
    read = csv_connector(CsvSettings(str(tmp_path / "d.csv"), dtypes={"zip": "string"})).read(None)
    assert read["zip"].tolist() == ["00123", "04000"]
    assert read["n"].tolist() == [1, 2]


def test_csv_wrong_delimiter_names_file_and_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "semicolons.csv"
    path.write_text("a;b;c\n1;2;3\n")
    message = data_error(csv_connector(CsvSettings(str(path))).read, None)
    assert str(path) in message
    assert "looks delimited by ';' not ','" in message


def test_csv_tab_delimited_file_read_with_commas(tmp_path: Path) -> None:
    path = tmp_path / "tabs.tsv"
    path.write_text("a\tb\n1\t2\n")
    message = data_error(csv_connector(CsvSettings(str(path))).read, None)
    assert "looks delimited by '\\t' not ','" in message
    tab = csv_connector(CsvSettings(str(path), delimiter="\t")).read(None)
    assert tab.to_dict("list") == {"a": [1], "b": [2]}


def test_csv_missing_column_names_file_and_column(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("a,b\n1,2\n")
    message = data_error(csv_connector(CsvSettings(str(path), columns=("a", "zz"))).read, None)
    assert str(path) in message
    assert "'zz'" in message
    assert "columns are: a, b" in message
    index_message = data_error(csv_connector(CsvSettings(str(path), index="id")).read, None)
    assert "'id'" in index_message


@pytest.mark.parametrize(
    ("content", "expected"),
    [("", "empty (0 bytes)"), ("\n\n", "no header"), ("a,b\n", "no rows")],
)
def test_csv_empty_file_is_refused(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "empty.csv"
    path.write_text(content)
    message = data_error(csv_connector(CsvSettings(str(path))).read, None)
    assert str(path) in message
    assert expected in message


def test_csv_missing_file_and_directory(tmp_path: Path) -> None:
    missing = data_error(csv_connector(CsvSettings(str(tmp_path / "nope.csv"))).read, None)
    assert "no such file" in missing
    assert "nope.csv" in missing
    assert "a directory" in data_error(csv_connector(CsvSettings(str(tmp_path))).read, None)


def test_csv_wrong_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("name\ncaf\xe9\n".encode("latin-1"))
    assert "as utf-8" in data_error(csv_connector(CsvSettings(str(path))).read, None)
    read = csv_connector(CsvSettings(str(path), encoding="latin-1")).read(None)
    assert read["name"].tolist() == ["caf\xe9"]


def test_csv_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("old\n1\n")
    connector = csv_connector(CsvSettings(str(path), encoding="ascii"))
    message = data_error(connector.write, pd.DataFrame({"name": ["caf\xe9"]}))
    assert str(path) in message
    assert path.read_text() == "old\n1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["d.csv"]


def test_csv_bad_settings_are_refused_at_build() -> None:
    with pytest.raises(DefinitionError, match="one character"):
        csv_connector(CsvSettings("x.csv", delimiter=";;"))
    with pytest.raises(DefinitionError, match="'nonsense' given for column 'a'"):
        csv_connector(CsvSettings("x.csv", dtypes={"a": "nonsense"}))


def test_write_is_an_effect_and_read_is_not(tmp_path: Path) -> None:
    for connector in (
        csv_connector(CsvSettings(str(tmp_path / "a.csv"))),
        parquet_connector(ParquetSettings(str(tmp_path / "a.parquet"))),
    ):
        assert connector.write.meta.effect is True
        assert connector.read.meta.effect is False


def test_csv_settings_decode_from_yaml(tmp_path: Path, frame: pd.DataFrame) -> None:
    data = yaml.safe_load(
        f"""
        path: {tmp_path / "d.csv"}
        delimiter: "|"
        columns: [colour, count]
        dtypes: {{count: float64}}
        """
    )
    connector = _build("csv", data)
    connector.write(frame)
    read = connector.read(None)
    assert list(read.columns) == ["colour", "count"]
    assert read["count"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert str(read["count"].dtype) == "float64"


def test_csv_settings_decode_to_the_record() -> None:
    converter = make_converter(Registry(KINDS))
    config = converter.structure(
        {"type": "csv", "path": "x.csv", "index": "id", "dtypes": {"a": "Int64"}}, ComponentConfig
    )
    assert config.settings == CsvSettings("x.csv", index="id", dtypes={"a": "Int64"})
    with pytest.raises(Exception) as caught:  # noqa: PT011 (cattrs' exception group)
        converter.structure({"type": "csv", "path": "x.csv", "sep": ";"}, ComponentConfig)
    assert [str(p) for p in problems_of(caught.value)] == [
        "unknown key 'sep' (known: path, delimiter, encoding, index, columns, dtypes, "
        "parse_dates, date_format, timezone, na_values) @ $.sep"
    ]


# --- Parquet -----------------------------------------------------------------------


def test_parquet_round_trip_keeps_index(tmp_path: Path, frame: pd.DataFrame) -> None:
    indexed = frame.set_axis(pd.Index(["w", "x", "y", "z"], name="key"))
    connector = parquet_connector(ParquetSettings(str(tmp_path / "sub" / "d.parquet")))
    assert connector.write(indexed) == Written(str(tmp_path / "sub" / "d.parquet"), 4)
    pd.testing.assert_frame_equal(connector.read(None), indexed)
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["d.parquet"]


def test_parquet_columns_and_missing_column(tmp_path: Path, frame: pd.DataFrame) -> None:
    path = tmp_path / "d.parquet"
    parquet_connector(ParquetSettings(str(path))).write(frame)
    read = parquet_connector(ParquetSettings(str(path), columns=("ok", "height"))).read(None)
    assert list(read.columns) == ["ok", "height"]
    assert read["ok"].tolist() == [True, False, True, True]
    message = data_error(
        parquet_connector(ParquetSettings(str(path), columns=("weight",))).read, None
    )
    assert str(path) in message
    assert "'weight'" in message


def test_parquet_refuses_bad_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.parquet"
    empty.write_bytes(b"")
    assert "0 bytes" in data_error(parquet_connector(ParquetSettings(str(empty))).read, None)
    garbage = tmp_path / "garbage.parquet"
    garbage.write_text("a,b\n1,2\n")
    message = data_error(parquet_connector(ParquetSettings(str(garbage))).read, None)
    assert "as Parquet" in message
    assert str(garbage) in message
    no_rows = tmp_path / "no_rows.parquet"
    pd.DataFrame({"a": pd.Series([], dtype="float64")}).to_parquet(no_rows)
    assert "no rows" in data_error(parquet_connector(ParquetSettings(str(no_rows))).read, None)


def test_parquet_settings_decode(tmp_path: Path, frame: pd.DataFrame) -> None:
    data = yaml.safe_load(f"path: {tmp_path / 'p.parquet'}\ncolumns: [count]\n")
    connector = _build("parquet", data)
    connector.write(frame)
    assert connector.read(None)["count"].tolist() == [1, 2, 3, 4]
