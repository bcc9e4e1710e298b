"""Real-shaped data in: JSON and JSON lines, dates that parse (or are refused), dtypes,
missing-value markers, time zones, and DuckDB queries over files and databases."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TypeVar

import pandas as pd
import pytest
from returns.pipeline import is_successful

from lolpop import StepFailure
from lolpop.components._errors import DataError
from lolpop.components.file_connector import (
    CsvSettings,
    ParquetSettings,
    csv_connector,
    parquet_connector,
)
from lolpop.components.records import DataConnector, Written
from lolpop.config import load, load_text
from lolpop.config.registry import BUILTINS
from lolpop.core.step import Step
from lolpop.errors import ConfigError, SettingError
from lolpop.runners.build import build_workflow

_A = TypeVar("_A")


def refusal(step: Step[_A, object], value: _A) -> DataError:
    """The `DataError` a step raised when called on `value`."""
    with pytest.raises(StepFailure) as caught:
        step(value)
    cause = caught.value.failure.cause
    assert isinstance(cause, DataError), cause
    return cause


def build(tag: str, yaml_body: str) -> DataConnector:
    """A connector decoded from YAML settings and built by its registered kind."""
    config = load_text(f"runner: r\ncomponents:\n  it: {{type: {tag}, {yaml_body}}}\n").unwrap()
    kind = BUILTINS.get(tag)
    assert kind is not None
    built = kind.build(config.components["it"].settings)
    assert isinstance(built, DataConnector)
    return built


#: Sales as a user exports them: US dates, a `?` for unknown amounts, a blank store.
SALES_CSV = """\
day,store,amount,kind
12/01/2020,north,10.5,online
02/15/2021,south,?,shop
11/03/2020,,7.25,online
01/02/2021,north,3.0,shop
"""


@pytest.fixture
def sales_csv(tmp_path: Path) -> Path:
    path = tmp_path / "sales.csv"
    path.write_text(SALES_CSV)
    return path


# --- the failures the user met ---------------------------------------------------------


def test_a_datetime_dtype_reads_dates_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("date,x\n2020-01-02,1\n2020-01-01,2\n")
    read = csv_connector(CsvSettings(str(path), dtypes={"date": "datetime64[ns]"})).read(None)
    assert str(read["date"].dtype) == "datetime64[ns]"
    assert read["date"].tolist() == [pd.Timestamp("2020-01-02"), pd.Timestamp("2020-01-01")]


def test_month_first_dates_with_their_format_sort_in_time_order(sales_csv: Path) -> None:
    connector = csv_connector(
        CsvSettings(str(sales_csv), parse_dates=("day",), date_format="%m/%d/%Y")
    )
    read = connector.read(None)
    assert str(read["day"].dtype).startswith("datetime64")
    in_order = read.sort_values("day")["day"].dt.strftime("%Y-%m-%d").tolist()
    assert in_order == ["2020-11-03", "2020-12-01", "2021-01-02", "2021-02-15"]


def test_a_value_that_is_not_a_date_is_refused_not_kept_as_text(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("day,x\n2020-01-05,1\nsoon,2\n2020-01-07,3\nlater,4\n")
    error = refusal(csv_connector(CsvSettings(str(path), parse_dates=("day",))).read, None)
    assert (error.path, error.column, error.rows) == (str(path), "day", 2)
    assert str(path) in str(error)
    assert "column 'day'" in str(error)
    assert "'soon', 'later'" in str(error)


def test_a_value_not_in_the_given_format_is_refused(sales_csv: Path) -> None:
    text = sales_csv.read_text().replace("01/02/2021", "2021-01-02")
    sales_csv.write_text(text)
    connector = csv_connector(
        CsvSettings(str(sales_csv), parse_dates=("day",), date_format="%m/%d/%Y")
    )
    error = refusal(connector.read, None)
    assert (error.column, error.rows) == ("day", 1)
    assert "'2021-01-02'" in str(error)
    assert "'%m/%d/%Y'" in str(error)


# --- dates without a format ------------------------------------------------------------


def _dates(tmp_path: Path, *values: str) -> list[str]:
    path = tmp_path / "d.csv"
    path.write_text("day\n" + "\n".join(values) + "\n")
    read = csv_connector(CsvSettings(str(path), parse_dates=("day",))).read(None)
    return [f"{stamp:%Y-%m-%d %H:%M}" for stamp in read["day"]]


def test_iso_dates_need_no_format(tmp_path: Path) -> None:
    assert _dates(tmp_path, "2020-03-11", "2020-03-13 10:30", "2020-03-14T08:00:00") == [
        "2020-03-11 00:00",
        "2020-03-13 10:30",
        "2020-03-14 08:00",
    ]


@pytest.mark.parametrize("values", [("13/03/2020", "11/03/2020"), ("11/03/2020", "13/03/2020")])
def test_one_day_past_twelve_tells_the_order_wherever_it_stands(
    tmp_path: Path, values: tuple[str, str]
) -> None:
    # pandas 3 alone reads the first order day-first (with a warning) and refuses the second.
    read = _dates(tmp_path, *values)
    assert sorted(read) == ["2020-03-11 00:00", "2020-03-13 00:00"]


def test_dates_that_read_both_ways_are_refused_naming_both_readings(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("day\n11/03/2020\n12/03/2020\n")
    error = refusal(csv_connector(CsvSettings(str(path), parse_dates=("day",))).read, None)
    assert error.column == "day"
    message = str(error)
    assert "'11/03/2020' is 2020-11-03 as '%m/%d/%Y' and 2020-03-11 as '%d/%m/%Y'" in message
    assert "date_format" in message


def test_a_mix_of_formats_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("day\n2020-03-11\n03/12/2020\n")
    error = refusal(csv_connector(CsvSettings(str(path), parse_dates=("day",))).read, None)
    assert (error.column, error.rows) == ("day", 1)
    assert "('2020-03-11'): the column mixes formats" in str(error)


def test_year_first_dates_go_on_with_the_month(tmp_path: Path) -> None:
    assert _dates(tmp_path, "2020/03/05", "2020/03/04") == ["2020-03-05 00:00", "2020-03-04 00:00"]
    assert _dates(tmp_path, "20200301", "20200302") == ["2020-03-01 00:00", "2020-03-02 00:00"]


def test_numbers_are_not_read_as_dates(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    pd.DataFrame({"day": [20200101, 20200102]}).to_parquet(path)
    error = refusal(parquet_connector(ParquetSettings(str(path), parse_dates=("day",))).read, None)
    assert (error.path, error.column) == (str(path), "day")
    assert "holds numbers" in str(error)


# --- dtypes, missing values, time zones ------------------------------------------------


def test_category_and_na_values(sales_csv: Path) -> None:
    read = csv_connector(
        CsvSettings(
            str(sales_csv),
            dtypes={"kind": "category", "amount": "float64"},
            na_values=("?",),
            index="day",
        )
    ).read(None)
    assert isinstance(read["kind"].dtype, pd.CategoricalDtype)
    assert sorted(read["kind"].cat.categories) == ["online", "shop"]
    assert read["amount"].isna().tolist() == [False, True, False, False]
    assert read["store"].isna().tolist() == [False, False, True, False]


def test_a_value_its_dtype_cannot_take_names_the_column(sales_csv: Path) -> None:
    connector = csv_connector(CsvSettings(str(sales_csv), dtypes={"amount": "float64"}))
    error = refusal(connector.read, None)
    assert (error.column, error.rows) == ("amount", 1)
    assert "'?'" in str(error)
    assert "na_values" in str(error)


def test_na_values_mark_missing_dates(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("day,x\n2020-01-01,1\n-,2\n")
    read = csv_connector(CsvSettings(str(path), parse_dates=("day",), na_values=("-",))).read(None)
    assert read["day"].isna().tolist() == [False, True]


def test_a_timezone_localizes_naive_times(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("at,x\n2020-01-01 09:00,1\n2020-07-01 09:00,2\n")
    read = csv_connector(CsvSettings(str(path), parse_dates=("at",), timezone="Europe/Paris")).read(
        None
    )
    assert [stamp.isoformat() for stamp in read["at"]] == [
        "2020-01-01T09:00:00+01:00",
        "2020-07-01T09:00:00+02:00",
    ]


def test_a_timezone_converts_times_with_different_offsets(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("at\n2020-01-01T09:00:00+01:00\n2020-07-01T09:00:00+02:00\n")
    read = csv_connector(CsvSettings(str(path), dtypes={"at": "datetime64[ns, UTC]"})).read(None)
    assert str(read["at"].dtype) == "datetime64[ns, UTC]"
    assert [f"{stamp:%H:%M}" for stamp in read["at"]] == ["08:00", "07:00"]
    error = refusal(csv_connector(CsvSettings(str(path), parse_dates=("at",))).read, None)
    assert "different UTC offsets" in str(error)
    assert "timezone" in str(error)
    path.write_text(path.read_text() + "2020-07-02T09:00:00\n")
    connector = csv_connector(CsvSettings(str(path), parse_dates=("at",), timezone="UTC"))
    mixed = refusal(connector.read, None)
    assert (mixed.column, mixed.rows) == ("at", 1)
    assert "'2020-07-02T09:00:00'" in str(mixed)


def test_a_time_skipped_by_daylight_saving_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("at\n2020-03-29 01:30\n2020-03-29 02:30\n")
    connector = csv_connector(CsvSettings(str(path), parse_dates=("at",), timezone="Europe/Paris"))
    error = refusal(connector.read, None)
    assert error.column == "at"
    assert "Europe/Paris" in str(error)


def test_per_column_date_formats(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("us,eu\n03/04/2020,03/04/2020\n")
    read = csv_connector(
        CsvSettings(
            str(path),
            parse_dates=("us", "eu"),
            date_format={"us": "%m/%d/%Y", "eu": "%d/%m/%Y"},
        )
    ).read(None)
    assert f"{read['us'][0]:%Y-%m-%d}" == "2020-03-04"
    assert f"{read['eu'][0]:%Y-%m-%d}" == "2020-04-03"


@pytest.mark.parametrize(
    ("settings", "field", "words"),
    [
        (
            CsvSettings("x.csv", dtypes={"a": "datetime"}),
            "dtypes",
            "'datetime' given for column 'a'",
        ),
        (CsvSettings("x.csv", timezone="Mars/Olympus"), "timezone", "'Mars/Olympus'"),
        (
            CsvSettings("x.csv", parse_dates=("a",), timezone="Mars/Olympus"),
            "timezone",
            "time zone",
        ),
        (
            CsvSettings("x.csv", parse_dates=("a",), date_format="mixed"),
            "date_format",
            "one format",
        ),
        (
            CsvSettings("x.csv", parse_dates=("a",), date_format="dd/mm/yyyy"),
            "date_format",
            "strftime",
        ),
        (CsvSettings("x.csv", date_format="%Y"), "date_format", "no column is read as dates"),
        (CsvSettings("x.csv", parse_dates=("a",), date_format={"b": "%Y"}), "date_format", "'b'"),
        (
            CsvSettings("x.csv", parse_dates=("a",), dtypes={"a": "string"}),
            "parse_dates",
            "not both",
        ),
        (CsvSettings("x.csv", parse_dates=("a",), columns=("b",)), "parse_dates", "columns"),
        (
            CsvSettings("x.csv", dtypes={"a": "datetime64[ns, UTC]"}, timezone="Europe/Paris"),
            "timezone",
            "give the zone once",
        ),
        (ParquetSettings("x.parquet", dtypes={"a": "nonsense"}), "dtypes", "'nonsense'"),
    ],
)
def test_settings_that_cannot_work_are_refused_at_build(
    settings: CsvSettings | ParquetSettings, field: str, words: str
) -> None:
    def connect() -> DataConnector:
        if isinstance(settings, CsvSettings):
            return csv_connector(settings)
        return parquet_connector(settings)

    with pytest.raises(SettingError) as caught:
        connect()
    assert caught.value.field == field
    assert words in str(caught.value)


def test_parquet_reads_text_dates_categories_and_na_values(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    pd.DataFrame(
        {"day": ["03/04/2020", "n/a", "12/31/2020"], "kind": ["a", "b", "n/a"]}
    ).to_parquet(path)
    read = parquet_connector(
        ParquetSettings(
            str(path),
            parse_dates=("day",),
            date_format="%m/%d/%Y",
            dtypes={"kind": "category"},
            na_values=("n/a",),
        )
    ).read(None)
    assert [None if pd.isna(s) else f"{s:%Y-%m-%d}" for s in read["day"]] == [
        "2020-03-04",
        None,
        "2020-12-31",
    ]
    assert isinstance(read["kind"].dtype, pd.CategoricalDtype)
    assert read["kind"].isna().tolist() == [False, False, True]


def test_parquet_datetime_columns_take_a_timezone(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    pd.DataFrame({"at": pd.to_datetime(["2020-01-01 09:00"]), "x": [1]}).to_parquet(path)
    read = parquet_connector(
        ParquetSettings(str(path), dtypes={"at": "datetime64[ns, America/New_York]"})
    ).read(None)
    assert read["at"][0].isoformat() == "2020-01-01T09:00:00-05:00"


# --- JSON and JSON lines -------------------------------------------------------------

RECORDS = [
    {"id": 1, "day": "2021-02-15", "city": "Lyon", "temp": 3.5},
    {"id": 2, "day": "2021-02-14", "city": None, "temp": -1.25},
    {"id": 3, "day": None, "city": "Oslo"},
]


def _check_records(read: pd.DataFrame) -> None:
    assert list(read.columns) == ["id", "day", "city", "temp"]
    assert read["id"].tolist() == [1, 2, 3]
    assert str(read["day"].dtype).startswith("datetime64")
    assert read["day"].isna().tolist() == [False, False, True]
    assert read["city"].isna().tolist() == [False, True, False]
    assert read["temp"].isna().tolist() == [False, False, True]
    assert read["temp"][1] == -1.25


def test_json_records_with_missing_values_and_dates(tmp_path: Path) -> None:
    path = tmp_path / "weather.json"
    path.write_text(json.dumps(RECORDS, indent=2))
    _check_records(build("json", f"path: '{path}', parse_dates: [day]").read(None))


def test_json_lines_with_missing_values_and_dates(tmp_path: Path) -> None:
    path = tmp_path / "weather.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in RECORDS) + "\n")
    _check_records(build("jsonl", f"path: '{path}', parse_dates: [day]").read(None))


def test_json_of_columns(tmp_path: Path) -> None:
    path = tmp_path / "cols.json"
    path.write_text(json.dumps({"a": [1, 2], "b": ["x", None]}))
    read = build("json", f"path: '{path}'").read(None)
    assert read["a"].tolist() == [1, 2]
    assert read["b"].isna().tolist() == [False, True]


@pytest.mark.parametrize("tag", ["json", "jsonl"])
def test_json_round_trip_is_exact_and_atomic(tmp_path: Path, tag: str) -> None:
    frame = pd.DataFrame(
        {
            "when": pd.to_datetime(["2020-01-01 10:00", "2020-01-02 00:00"])
            .tz_localize("UTC")
            .as_unit("ns"),
            "height": [0.1 + 0.2, 1e-7],
            "name": ["café", None],
            "n": [1, 2],
        },
        index=pd.Index([10, 20], name="id"),
    )
    path = tmp_path / "out" / f"data.{tag}"
    connector = build(tag, f"path: '{path}', index: id, dtypes: {{when: 'datetime64[ns, UTC]'}}")
    assert connector.write(frame) == Written(str(path), 2)
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    read = connector.read(None)
    pd.testing.assert_frame_equal(read, frame)
    assert read["height"][10] == 0.1 + 0.2


@pytest.mark.parametrize("tag", ["json", "jsonl"])
def test_json_settings_columns_dtypes_and_na_values(tmp_path: Path, tag: str) -> None:
    records = [{"zip": "00123", "kind": "a", "n": "?"}, {"zip": "04000", "kind": "b", "n": 4}]
    path = tmp_path / f"d.{tag}"
    text = json.dumps(records) if tag == "json" else "\n".join(map(json.dumps, records))
    path.write_text(text)
    read = build(
        tag,
        f"path: '{path}', columns: [n, zip, kind], dtypes: {{kind: category, n: Int64}}, "
        "na_values: ['?']",
    ).read(None)
    assert list(read.columns) == ["n", "zip", "kind"]
    assert read["zip"].tolist() == ["00123", "04000"]
    assert read["n"].isna().tolist() == [True, False]
    assert str(read["n"].dtype) == "Int64"
    assert isinstance(read["kind"].dtype, pd.CategoricalDtype)


@pytest.mark.parametrize(
    ("tag", "content", "words"),
    [
        ("json", "", "empty (0 bytes)"),
        ("json", "[]", "no rows"),
        ("jsonl", "\n\n", "no rows"),
        ("json", '[{"a": 1},\n {"a": 2,}]', "line 2"),
        ("jsonl", '{"a": 1}\n{"a": 2\n', "line 2"),
        ("jsonl", '{"a": 1}\n[1, 2]\n', "line 2"),
        ("json", '[{"a": 1}, 5]', "item 1"),
        ("json", '"text"', "an array of records"),
        ("json", '{"a": [1, 2], "b": [1]}', "lengths"),
        ("json", '[{"a": {"b": 1}}]', "nested"),
        ("json", '[{"a": 1}]', "no column 'day'"),
        ("json", '[{"day": 1, "day": 2}]', "names the key 'day' twice"),
        ("jsonl", '{"a": 1}\n{"day": 1, "day": 2}\n', "line 2"),
    ],
)
def test_json_bad_input_is_refused_naming_the_file(
    tmp_path: Path, tag: str, content: str, words: str
) -> None:
    path = tmp_path / f"bad.{tag}"
    path.write_text(content)
    error = refusal(build(tag, f"path: '{path}', parse_dates: [day]").read, None)
    assert str(path) in str(error)
    assert error.path == str(path)
    assert words in str(error)


def test_json_missing_file_and_unparseable_date(tmp_path: Path) -> None:
    missing = refusal(build("json", f"path: '{tmp_path / 'nope.json'}'").read, None)
    assert "no such file" in str(missing)
    path = tmp_path / "d.jsonl"
    path.write_text('{"day": "2020-01-01"}\n{"day": "tomorrow"}\n')
    error = refusal(build("jsonl", f"path: '{path}', parse_dates: [day]").read, None)
    assert (error.column, error.rows) == ("day", 1)
    assert "'tomorrow'" in str(error)


def test_json_write_refuses_infinity(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    error = refusal(build("json", f"path: '{path}'").write, pd.DataFrame({"x": [float("inf")]}))
    assert error.column == "x"
    assert not path.exists()


# --- DuckDB --------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder, the working folder of the test."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sales.csv").write_text(SALES_CSV)
    return tmp_path


def test_duckdb_query_over_a_csv(project: Path) -> None:
    connector = build(
        "duckdb",
        "query: \"SELECT strptime(day, '%m/%d/%Y') AS day, amount FROM read_csv('data/sales.csv', "
        "all_varchar = true) WHERE amount <> '?' ORDER BY day\"",
    )
    read = connector.read(None)
    assert [f"{day:%Y-%m-%d}" for day in read["day"]] == ["2020-11-03", "2020-12-01", "2021-01-02"]
    assert connector.location.startswith("duckdb:")


def test_duckdb_database_file_read_only_by_default(project: Path) -> None:
    import duckdb  # noqa: PLC0415 (the optional dependency, only here)

    with duckdb.connect(str(project / "shop.duckdb")) as connection:
        connection.execute(
            "CREATE TABLE orders AS SELECT * FROM (VALUES (1, 'pen'), (2, NULL)) t(id, item)"
        )
    table = build("duckdb", "database: shop.duckdb, table: orders")
    read = table.read(None)
    assert read["id"].tolist() == [1, 2]
    assert read["item"].isna().tolist() == [False, True]
    query = build("duckdb", "database: shop.duckdb, query: 'SELECT count(*) AS n FROM orders'")
    assert query.read(None)["n"].tolist() == [2]
    with pytest.raises(StepFailure, match="read-only"):
        table.write(pd.DataFrame({"id": [3], "item": ["ink"]}))
    writer = build("duckdb", "database: shop.duckdb, table: orders, read_only: false")
    assert writer.write(pd.DataFrame({"id": [3], "item": ["ink"]})).rows == 1
    assert writer.read(None)["item"].tolist() == ["ink"]


def test_duckdb_bad_query_is_a_data_error_naming_the_connector(project: Path) -> None:
    connector = build("duckdb", "query: 'SELECT * FROM no_such_table'")
    error = refusal(connector.read, None)
    message = str(error)
    assert "duckdb" in message
    assert "SELECT * FROM no_such_table" in message
    assert "no_such_table does not exist" in message
    assert error.__cause__ is None
    assert "no rows" in str(
        refusal(build("duckdb", "query: 'SELECT 1 AS a WHERE false'").read, None)
    )


def test_duckdb_reads_no_file_outside_its_folder(project: Path) -> None:
    (project / "secret.csv").write_text("a\n1\n")
    connector = build("duckdb", "folder: data, query: \"SELECT * FROM read_csv('secret.csv')\"")
    error = refusal(connector.read, None)
    assert "data" in str(error)
    assert "folder" in str(error)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ("query: \"COPY (SELECT 1) TO 'x.csv'\"", "query", "one SELECT"),
        ("query: 'SELECT 1; SELECT 2'", "query", "one SELECT"),
        ("query: 'SELEC 1'", "query", "syntax error"),
        ("table: t", "table", "database"),
        ("database: d.duckdb, table: t, query: 'SELECT 1'", "query", "not both"),
        ("database: d.duckdb", "query", "a `query:`"),
        ("database: d.duckdb, table: 'a; DROP TABLE b'", "table", "a table name"),
    ],
)
def test_duckdb_settings_refused_at_build(body: str, field: str, words: str) -> None:
    with pytest.raises(SettingError) as caught:
        build("duckdb", body)
    assert caught.value.field == field
    assert words in str(caught.value)


def test_duckdb_missing_database_is_refused_not_created(project: Path) -> None:
    error = refusal(build("duckdb", "database: nope.duckdb, table: t").read, None)
    assert "nope.duckdb" in str(error)
    assert not (project / "nope.duckdb").exists()


def test_new_kinds_import_nothing_heavy() -> None:
    code = "import sys, lolpop.components.catalogue; print('duckdb' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- in a config ---------------------------------------------------------------------

CONFIG = """\
runner: classification
settings: {{target: label}}
components:
  data: {{type: json, path: data/rows.json, parse_dates: [day], date_format: '%m/%d/%Y'{extra}}}
  trainer: {{type: sklearn_model, estimator: 'sklearn.linear_model:LogisticRegression'}}
"""


def test_a_config_with_a_json_connector_builds(project: Path) -> None:
    (project / "workflow.yaml").write_text(CONFIG.format(extra=""))
    config = load(project / "workflow.yaml").unwrap()
    assert config.components["data"].type == "json"
    built = build_workflow(config, source="workflow.yaml")
    assert is_successful(built), built


def test_a_config_with_an_unknown_dtype_is_refused_at_build_naming_the_setting(
    project: Path,
) -> None:
    (project / "workflow.yaml").write_text(CONFIG.format(extra=", dtypes: {n: integer}"))
    config = load(project / "workflow.yaml").unwrap()
    error = build_workflow(config, source="workflow.yaml").failure()
    assert isinstance(error, ConfigError)
    [problem] = error.problems
    assert problem.path == "$.components.data.dtypes"
    assert "'integer' given for column 'n'" in problem.message
