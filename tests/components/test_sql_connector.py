"""The SQL connector on a SQLite file: round trips, queries, refusals, masked passwords."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import pandas as pd
import pytest

from lolpop import StepFailure
from lolpop.components._errors import DataError
from lolpop.components.records import DataConnector, Written
from lolpop.components.sql_connector import KINDS, SqlSettings, _mask, mask_url, sql_connector
from lolpop.config.converter import make_converter
from lolpop.config.records import ComponentConfig
from lolpop.config.registry import Registry
from lolpop.core.step import Step
from lolpop.errors import DefinitionError

_A = TypeVar("_A")


def cause_of(step: Step[_A, object], value: _A) -> BaseException:
    with pytest.raises(StepFailure) as caught:
        step(value)
    return caught.value.failure.cause


def data_error(step: Step[_A, object], value: _A) -> str:
    cause = cause_of(step, value)
    assert isinstance(cause, DataError), cause
    return str(cause)


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"city": ["Oslo", "Lima", "Pune"], "people": [709_000, 10_883_000, 7_764_000]}
    ).assign(share=[0.5, 0.25, 0.125])


def test_table_round_trip(tmp_path: Path, frame: pd.DataFrame) -> None:
    url = f"sqlite:///{tmp_path / 'db' / 'cities.sqlite'}"
    connector = sql_connector(SqlSettings(url, table="cities"))
    assert connector.write(frame) == Written(f"{url}#cities", 3)
    pd.testing.assert_frame_equal(connector.read(None), frame)
    # `replace` (the default) replaces the table rather than adding to it.
    connector.write(frame.iloc[:2])
    assert len(connector.read(None)) == 2


def test_query_reads_rows(tmp_path: Path, frame: pd.DataFrame) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    sql_connector(SqlSettings(url, table="cities")).write(frame)
    query = "SELECT city FROM cities WHERE people > 1000000 ORDER BY city"
    read = sql_connector(SqlSettings(url, query=query)).read(None)
    assert read["city"].tolist() == ["Lima", "Pune"]


def test_if_exists_append_and_fail(tmp_path: Path, frame: pd.DataFrame) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    sql_connector(SqlSettings(url, table="cities")).write(frame)
    appending = sql_connector(SqlSettings(url, table="cities", if_exists="append"))
    appending.write(frame)
    assert appending.read(None)["city"].tolist() == ["Oslo", "Lima", "Pune"] * 2
    failing = sql_connector(SqlSettings(url, table="cities", if_exists="fail"))
    message = data_error(failing.write, frame)
    assert "'cities'" in message
    assert "already exists" in message
    assert len(appending.read(None)) == 6


def test_missing_table_empty_table_and_missing_file(tmp_path: Path, frame: pd.DataFrame) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    sql_connector(SqlSettings(url, table="cities")).write(frame)
    assert "no table 'towns'" in data_error(
        sql_connector(SqlSettings(url, table="towns")).read, None
    )
    empty = sql_connector(SqlSettings(url, query="SELECT * FROM cities WHERE people < 0"))
    assert "no rows" in data_error(empty.read, None)
    bad_query = sql_connector(SqlSettings(url, query="SELECT nope FROM cities"))
    assert "no such column: nope" in data_error(bad_query.read, None)
    absent = tmp_path / "absent.sqlite"
    message = data_error(sql_connector(SqlSettings(f"sqlite:///{absent}", table="t")).read, None)
    assert "no database file" in message
    assert not absent.exists()


def test_settings_are_checked_at_build() -> None:
    with pytest.raises(DefinitionError, match="both `table:` and `query:`"):
        sql_connector(SqlSettings("sqlite://", table="t", query="SELECT 1"))
    with pytest.raises(DefinitionError, match="needs a `table:`"):
        sql_connector(SqlSettings("sqlite://"))
    with pytest.raises(DefinitionError, match="not a SQLAlchemy database URL"):
        sql_connector(SqlSettings("not a url", table="t"))


def test_query_connector_cannot_write(tmp_path: Path, frame: pd.DataFrame) -> None:
    connector = sql_connector(SqlSettings(f"sqlite:///{tmp_path / 'c.sqlite'}", query="SELECT 1"))
    cause = cause_of(connector.write, frame)
    assert isinstance(cause, DefinitionError)
    assert "cannot write" in str(cause)


def test_passwords_never_appear_in_messages() -> None:
    url = "mysql+pymysql://bob:hunter%402@localhost/sales"
    assert mask_url(url) == "mysql+pymysql://bob:***@localhost/sales"
    assert _mask(f"login failed for {url} with hunter@2 and hunter%402", url) == (
        "login failed for mysql+pymysql://bob:***@localhost/sales with *** and ***"
    )
    with pytest.raises(DefinitionError) as caught:
        sql_connector(SqlSettings("nosuchdb://bob:hunter2@host/db", table="t"))
    assert "hunter2" not in str(caught.value)
    assert "nosuchdb://bob:***@host/db" in str(caught.value)
    # No MySQL driver is installed: the step fails, and says so without the password.
    message = data_error(sql_connector(SqlSettings(url, table="t")).read, None)
    assert "hunter" not in message
    assert "bob:***@localhost" in message


def test_write_is_an_effect() -> None:
    connector = sql_connector(SqlSettings("sqlite://", table="t"))
    assert connector.write.meta.effect is True
    assert connector.read.meta.effect is False


def test_settings_decode(tmp_path: Path, frame: pd.DataFrame) -> None:
    converter = make_converter(Registry(KINDS))
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    config = converter.structure(
        {"type": "sql", "url": url, "table": "cities", "if_exists": "append"}, ComponentConfig
    )
    assert config.settings == SqlSettings(url, table="cities", if_exists="append")
    connector = KINDS[0].build(config.settings)
    assert isinstance(connector, DataConnector)
    connector.write(frame)
    assert connector.read(None)["people"].sum() == 19_356_000
    with pytest.raises(Exception):  # noqa: B017, PT011 (cattrs' exception group)
        converter.structure({"type": "sql", "url": url, "if_exists": "merge"}, ComponentConfig)
