"""Target and feature hygiene in the supervised runners, on real-shaped data: house sales
read from CSV files (dates written MM/DD/YYYY, as a US export writes them).

- rows whose target is missing: refused before the split, naming the column and the
  count (`missing_target: error`), or dropped, counted on the training run and shown in
  the report (`missing_target: drop`);
- the id column and a time splitter's column never become features, whatever the
  splitter (a user's own, or the built-in one whose `drop:` forgot them);
- constant, all-missing and ID-like feature columns are warned about by the default
  checker (WARN, never ERROR; the target and the id are not checked);
- categories the model never saw are counted when predicting, logged per column on the
  prediction run, and warned about;
- a time split on dates kept as text is refused, naming the column and a value;
- `lolpop check` finds a misspelt target where the config names it twice, without
  reading any data.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pytest
from attrs import evolve
from returns.result import Result
from sklearn.linear_model import LogisticRegression, Ridge
from typer.testing import CliRunner

from lolpop import StepFailure, make_step, run
from lolpop.backends import DryRun, Local
from lolpop.cli import app
from lolpop.components._errors import DataError
from lolpop.components.data_checker import CheckerSettings, Rule, rules_checker
from lolpop.components.encoder import column_encoder, unseen_categories
from lolpop.components.file_connector import CsvSettings, csv_connector
from lolpop.components.function_transformer import make_transformer
from lolpop.components.local_repository import LocalRegistrySettings, local_registry
from lolpop.components.memory_tracker import MemoryRun, MemoryStore, memory_tracker
from lolpop.components.records import (
    Classification,
    DataSplitter,
    Labelled,
    Regression,
    Splits,
    Status,
)
from lolpop.components.sklearn_trainer import sklearn_trainer
from lolpop.components.splitter import SplitterSettings, TimeSplitter, data_splitter
from lolpop.core.failure import RunFailure
from lolpop.runners.supervised import (
    Stage,
    SupervisedComponents,
    SupervisedSettings,
    WorkflowReport,
    classification_runner,
    regression_runner,
    with_defaults,
)

CITIES = ("austin", "boston", "denver", "seattle")


def sales(rows: int = 240, seed: int = 7) -> pd.DataFrame:
    """House sales, one a day from 01/01/2022: the sale date (MM/DD/YYYY text), the
    city, rooms, floor area and the price (the target)."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2022-01-01", periods=rows, freq="D")
    city = rng.choice(CITIES, rows)
    rooms = rng.integers(1, 6, rows)
    area = np.round(rng.normal(60, 15, rows).clip(20) + rooms * 12, 1)
    premium = pd.Series(city).map({"austin": 0, "boston": 90, "denver": 30, "seattle": 70})
    price = np.round(area * 2.5 + premium.to_numpy() + rng.normal(0, 10, rows), 1)
    return pd.DataFrame(
        {
            "sale_date": days.strftime("%m/%d/%Y"),
            "city": city,
            "rooms": rooms,
            "area_m2": area,
            "price_k": price,
        }
    )


def write(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_csv(path, index=False)
    return path


def runs_named(store: MemoryStore, name: str) -> list[MemoryRun]:
    return [r for r in store.runs() if r.name == name]


def by_sale_date(frame: pd.DataFrame) -> Splits:
    """A user's own splitter: the oldest 70% of sales to train, then 15% valid, 15% test.
    Its features are every column but the target: it forgets the id column."""
    when = pd.to_datetime(frame["sale_date"], format="%m/%d/%Y")
    order = np.argsort(when.to_numpy(), kind="stable")
    cut_valid, cut_test = int(len(order) * 0.7), int(len(order) * 0.85)

    def part(positions: np.ndarray) -> Labelled:
        chosen = frame.iloc[np.sort(positions)]
        return Labelled(chosen.drop(columns="price_k"), chosen["price_k"])

    return Splits(part(order[:cut_valid]), part(order[cut_valid:cut_test]), part(order[cut_test:]))


class House:
    """The regression runner on house sales in `folder`: a memory tracker, a local
    registry, CSV files; components and settings changed per test."""

    def __init__(
        self,
        folder: Path,
        *,
        index: str | None = None,
        missing_target: Literal["error", "drop"] = "error",
    ) -> None:
        self.folder = folder
        self.runs = MemoryStore()
        self.settings = SupervisedSettings(
            model_name="houses",
            target="price_k",
            index=index,
            missing_target=missing_target,
            work_dir=str(folder / "work"),
        )
        self.repository = local_registry(LocalRegistrySettings(str(folder / "registry"), "houses"))

    def components(
        self, frame: pd.DataFrame, new: pd.DataFrame | None = None
    ) -> SupervisedComponents[Regression]:
        base = with_defaults(
            Regression,
            self.settings,
            csv_connector(CsvSettings(str(write(self.folder / "sales.csv", frame)))),
            sklearn_trainer(Ridge),
        )
        new_data = None
        if new is not None:
            new_data = csv_connector(CsvSettings(str(write(self.folder / "new.csv", new))))
        return evolve(
            base,
            tracker=memory_tracker(self.runs),
            repository=self.repository,
            new_data=new_data,
            predictions=csv_connector(CsvSettings(str(self.folder / "predicted.csv"))),
        )

    def run(
        self,
        components: SupervisedComponents[Regression],
        stage: Stage = "train",
    ) -> Result[WorkflowReport[Regression], RunFailure]:
        return run(regression_runner(components, self.settings, stage), None)


def with_missing_prices(frame: pd.DataFrame, rows: list[int]) -> pd.DataFrame:
    price = frame["price_k"].copy()
    price.iloc[rows] = np.nan
    return frame.assign(price_k=price)


# --- rows whose target is missing -----------------------------------------------------


def test_missing_targets_are_refused_before_the_split_naming_the_column_and_count(
    tmp_path: Path,
) -> None:
    house = House(tmp_path, index="sale_date")
    frame = with_missing_prices(sales(), [3, 50, 51, 200])
    failure = house.run(house.components(frame)).failure()
    assert failure.path == "regression-train/train/missing_target"
    cause = failure.cause
    assert isinstance(cause, DataError)
    assert (cause.column, cause.rows) == ("price_k", 4)
    message = str(cause)
    # The rows are named by the id column (the runner's `index`), not their positions.
    assert (
        "the target 'price_k' is missing in 4 rows of 240 (sale_date '01/04/2022', "
        "'02/20/2022', '02/21/2022' and 1 more)" in message
    )
    assert "`missing_target: drop`" in message
    assert "Input y contains" not in message
    assert [(r.name, r.status) for r in house.runs.runs()] == [("houses-train", "FAILED")]


def test_missing_targets_are_dropped_counted_and_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    house = House(tmp_path, index="sale_date", missing_target="drop")
    frame = with_missing_prices(sales(), [3, 50, 51, 200])
    with caplog.at_level(logging.WARNING, logger="lolpop.train"):
        report = house.run(house.components(frame)).unwrap()
    (training,) = runs_named(house.runs, "houses-train")
    assert training.status == "FINISHED"
    assert training.metrics["rows_dropped_missing_target"] == 4.0
    trained = report.trained
    assert trained is not None
    assert trained.hygiene.rows_dropped == 4
    parts = (trained.splits.train, trained.splits.valid, trained.splits.test)
    assert sum(len(p.target) for p in parts) == 236
    assert not any(p.target.isna().any() for p in parts)
    assert "4 rows of 240 dropped (target missing)" in report.to_text()
    assert (
        "dropped 4 rows of 240 (sale_date '01/04/2022', '02/20/2022', '02/21/2022' and 1 more)"
        in caplog.text
    )


def test_no_missing_target_logs_zero_rows_dropped(tmp_path: Path) -> None:
    house = House(tmp_path, index="sale_date", missing_target="drop")
    house.run(house.components(sales())).unwrap()
    (training,) = runs_named(house.runs, "houses-train")
    assert training.metrics["rows_dropped_missing_target"] == 0.0


def test_the_missing_target_step_is_in_the_dry_run_plan(tmp_path: Path) -> None:
    house = House(tmp_path, index="sale_date", missing_target="drop")
    program = regression_runner(house.components(sales()), house.settings, "train")
    plan = run(program, None, backend=DryRun()).unwrap()
    paths = [s.path for s in plan.steps]
    assert "regression-train/train/missing_target" in paths
    assert "regression-train/train/never_features" in paths
    assert paths.index("regression-train/train/missing_target") < paths.index(
        "regression-train/train/split"
    )


# --- the id and the time column are never features -------------------------------------


def test_a_custom_splitter_that_keeps_the_date_id_does_not_make_it_a_feature(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    house = House(tmp_path, index="sale_date")
    custom = DataSplitter(split=make_step(by_sale_date, name="split"))
    components = evolve(house.components(sales()), splitter=custom)
    with caplog.at_level(logging.WARNING, logger="lolpop.train"):
        report = house.run(components).unwrap()
    trained = report.trained
    assert trained is not None
    assert trained.bundle.features == ("city", "rooms", "area_m2")
    assert not [name for name in trained.model.features if "sale_date" in name]
    assert len(trained.model.features) == 2 + len(CITIES)  # not one column per date
    assert all("sale_date" not in p.features.columns for p in (trained.splits.test,))
    assert trained.hygiene.dropped_features == ("sale_date",)
    assert "'sale_date' dropped from the features" in report.to_text()
    assert "the splitter left 'sale_date' among the features" in caplog.text


def parse_sale_date(frame: pd.DataFrame) -> pd.DataFrame:
    """The sale date parsed (as a connector's `parse_dates` would)."""
    return frame.assign(sale_date=pd.to_datetime(frame["sale_date"], format="%m/%d/%Y"))


def test_the_time_splitters_column_is_never_a_feature(tmp_path: Path) -> None:
    house = House(tmp_path)  # no id column: the time column alone is the question
    splitter = data_splitter(SplitterSettings("price_k", method="time", column="sale_date"))
    assert isinstance(splitter, TimeSplitter)
    components = evolve(
        house.components(sales()),
        splitter=splitter,
        transformer=make_transformer(parse_sale_date),
    )
    report = house.run(components).unwrap()
    trained = report.trained
    assert trained is not None
    assert trained.bundle.features == ("city", "rooms", "area_m2")
    assert trained.hygiene.dropped_features == ("sale_date",)
    frame = parse_sale_date(sales())
    test_days = frame.loc[trained.splits.test.target.index, "sale_date"]
    train_days = frame.loc[trained.splits.train.target.index, "sale_date"]
    assert test_days.min() > train_days.max()


# --- constant, all-missing and ID-like features ---------------------------------------


def spoiled(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with a currency column that is always the same, an empty notes column,
    and a listing URL per sale."""
    return frame.assign(
        currency="USD",
        notes=np.nan,
        listing=[f"https://homes.example/listing/{i:05d}" for i in range(len(frame))],
    )


def test_the_default_checker_warns_on_useless_feature_columns(tmp_path: Path) -> None:
    house = House(tmp_path, index="sale_date")
    report = house.run(house.components(spoiled(sales())), "process").unwrap()
    assert report.processed is not None
    check = report.processed.check
    assert check.status is Status.WARN
    flagged = {(r.rule, r.column) for r in check.problems()}
    assert flagged == {("constant", "currency"), ("all_missing", "notes"), ("id_like", "listing")}
    # the index (a date per row, ID-like) and the target (all distinct) are not checked
    assert all(r.status is Status.WARN for r in check.problems())
    text = report.to_text()
    assert "checks WARN" in text
    assert "WARN constant: column 'currency' holds one value ('USD') in all 240 rows" in text
    assert "WARN id_like: column 'listing' holds 240 distinct values in 240 rows" in text


def test_an_unexcluded_date_kept_as_text_is_id_like() -> None:
    checker = rules_checker(CheckerSettings((Rule("id_like", exclude=("price_k",)),)))
    (result,) = checker.check(sales()).problems()
    assert (result.rule, result.column, result.status) == ("id_like", "sale_date", Status.ERROR)
    assert "holds dates kept as text" in result.message


@pytest.mark.parametrize("shown", ["%Y-%m-%d", "%m/%d/%Y", "%Y-%m-%d %H:%M"])
def test_dates_kept_as_text_are_flagged_however_few_distinct(shown: str) -> None:
    # A signup date as text, 30 distinct days in 240 rows (12%), passed the check; the
    # encoder made a one-hot column per day, and every later date (every new row's) is
    # a category the model never saw.
    frame = sales().assign(signup=lambda f: pd.date_range("2021-01-01", periods=30).repeat(8))
    frame["signup"] = frame["signup"].dt.strftime(shown)
    checker = rules_checker(CheckerSettings((Rule("id_like", exclude=("sale_date",)),)))
    (result,) = checker.check(frame).problems()
    assert (result.rule, result.column, result.status) == ("id_like", "signup", Status.ERROR)
    assert "holds dates kept as text" in result.message
    assert "never saw" in result.message
    assert "parse_dates" in result.message


def test_text_that_only_holds_numbers_or_words_is_not_a_date() -> None:
    frame = sales().assign(
        year=lambda f: np.where(f["rooms"] > 2, "2021", "2022"),
        size=lambda f: np.where(f["rooms"] > 2, "10-12", "1-2"),
        code=lambda f: np.where(f["rooms"] > 2, "A-1", "B-2"),
    )
    checker = rules_checker(CheckerSettings((Rule("id_like", exclude=("sale_date",)),)))
    assert checker.check(frame).problems() == ()


def test_the_default_classification_checker_warns_on_a_class_too_rare_to_learn_or_score(
    tmp_path: Path,
) -> None:
    # A class of one row trained silently: the stratified split kept it in train, so no
    # part scored it, and the test roc_auc and pr_auc were `nan` with no word why.
    frame = sales().assign(band=lambda f: np.where(f["price_k"] > 200, "high", "low"))
    frame.loc[7, "band"] = "odd"
    data = write(tmp_path / "bands.csv", frame.drop(columns=["price_k"]))
    settings = SupervisedSettings(
        model_name="bands", target="band", index="sale_date", work_dir=str(tmp_path / "work")
    )
    components = evolve(
        with_defaults(
            Classification,
            settings,
            csv_connector(CsvSettings(str(data))),
            sklearn_trainer(LogisticRegression),
        ),
        tracker=memory_tracker(MemoryStore()),
        repository=local_registry(LocalRegistrySettings(str(tmp_path / "registry"), "bands")),
    )
    program = classification_runner(components, settings, "process")
    report = run(program, None, backend=Local()).unwrap()
    assert report.processed is not None
    (problem,) = report.processed.check.problems()
    assert (problem.rule, problem.column, problem.status) == ("class_rows", "band", Status.WARN)
    assert "'odd' (1)" in problem.message


def test_feature_rules_on_listed_columns_give_one_result_each() -> None:
    frame = spoiled(sales())
    rules = (
        Rule("constant", columns=("currency", "city"), severity="WARN"),
        Rule("all_missing", columns=("notes", "rooms"), severity="WARN"),
        Rule("id_like", columns=("listing", "city"), max_distinct_fraction=0.5),
    )
    results = rules_checker(CheckerSettings(rules)).check(frame).results
    assert [(r.column, r.status) for r in results] == [
        ("currency", Status.WARN),
        ("city", Status.OK),
        ("notes", Status.WARN),
        ("rooms", Status.OK),
        ("listing", Status.ERROR),
        ("city", Status.OK),
    ]


def test_a_clean_frame_gives_one_ok_result_per_feature_rule() -> None:
    rules = tuple(
        Rule(kind, exclude=("sale_date", "price_k"), severity="WARN")
        for kind in ("constant", "all_missing", "id_like")
    )
    report = rules_checker(CheckerSettings(rules)).check(sales())
    assert report.status is Status.OK
    assert [r.message for r in report.results] == [
        "no column of the 3 checked is constant",
        "no column of the 3 checked is all missing",
        "no column of the 3 checked is id like",
    ]


# --- categories never seen in training ------------------------------------------------


def test_unseen_categories_are_counted_logged_and_warned_at_predict(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    house = House(tmp_path, index="sale_date")
    frame = sales()
    house.run(house.components(frame), "deploy").unwrap()
    new = sales(rows=40, seed=11).drop(columns="price_k")
    new.loc[[2, 5, 9], "city"] = "portland"
    new.loc[12, "city"] = "tucson"
    new.loc[13, "city"] = np.nan  # missing, not unseen: it is imputed
    with caplog.at_level(logging.WARNING, logger="lolpop.predict"):
        report = house.run(house.components(frame, new), "predict").unwrap()
    predicted = report.predicted
    assert predicted is not None
    (city,) = predicted.unseen
    assert (city.column, city.rows, city.of, city.values) == ("city", 4, 40, ("portland", "tucson"))
    (predicting,) = runs_named(house.runs, "houses-predict")
    assert predicting.metrics["unseen_categories.city"] == 4.0
    assert "column 'city': 4 rows of 40 hold categories never seen in training" in caplog.text
    assert "unseen categories: column 'city': 4 rows of 40" in report.to_text()
    assert predicted.written.rows == 40  # predicted anyway, as the encoder always did


def test_new_data_holding_an_id_twice_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    house = House(tmp_path, index="sale_date")
    frame = sales()
    house.run(house.components(frame), "deploy").unwrap()
    new = sales(rows=40, seed=11).drop(columns="price_k")
    new.loc[[4, 8], "sale_date"] = "01/01/2022"  # the first row's date
    failure = house.run(house.components(frame, new), "predict").failure()
    assert "holds 1 id of 'sale_date' more than once ('01/01/2022' 3 times)" in str(failure)
    assert not (tmp_path / "predicted.csv").exists()


def test_new_data_with_known_categories_logs_zero() -> None:
    frame = sales()
    encoder = column_encoder().fit(Labelled(frame[["city", "rooms"]], frame["price_k"]))
    counted = unseen_categories(encoder.transformer, sales(rows=30, seed=3))
    assert [(u.column, u.rows) for u in counted] == [("city", 0)]
    assert unseen_categories(object(), frame) == ()  # no column encoder in it: no counts


# --- a time split on dates kept as text ----------------------------------------------


def test_a_time_split_on_dates_kept_as_text_is_refused() -> None:
    splitter = data_splitter(SplitterSettings("price_k", method="time", column="sale_date"))
    with pytest.raises(StepFailure) as raised:
        splitter.split(sales())
    cause = raised.value.failure.cause
    assert isinstance(cause, DataError)
    assert cause.column == "sale_date"
    message = str(cause)
    assert "the time column 'sale_date' holds" in message
    assert "(e.g. '01/01/2022')" in message
    assert "parse_dates" in message
    assert "date_format" in message


def test_a_time_split_on_parsed_dates_or_numbers_is_accepted() -> None:
    frame = sales()
    parsed = frame.assign(sale_date=pd.to_datetime(frame["sale_date"], format="%m/%d/%Y"))
    splits = data_splitter(SplitterSettings("price_k", method="time", column="sale_date")).split(
        parsed
    )
    assert parsed.loc[splits.test.target.index, "sale_date"].min() == pd.Timestamp(
        "2022-07-24"
    )  # the last 36 days
    numbered = frame.assign(day=np.arange(len(frame)))
    data_splitter(SplitterSettings("price_k", method="time", column="day")).split(numbered)


# --- lolpop check: what can be found without reading data ---------------------------


CONFIG = """\
runner: regression
settings:
  model_name: houses
  target: {target}
  index: sale_date
components:
  data:
    type: csv
    path: data/sales.csv
{columns}  splitter:
    type: splitter
    target: {split_target}
  trainer:
    type: sklearn_model
    estimator: sklearn.linear_model:Ridge
"""


def check(tmp_path: Path, target: str, split_target: str, columns: str = "") -> tuple[int, str]:
    path = tmp_path / "workflow.yaml"
    path.write_text(CONFIG.format(target=target, split_target=split_target, columns=columns))
    result = CliRunner().invoke(app, ["check", "--offline", str(path)])
    return result.exit_code, result.output


def test_check_refuses_a_splitter_target_that_is_not_the_runners(tmp_path: Path) -> None:
    code, output = check(tmp_path, target="price_k", split_target="prize_k")
    assert code == 2, output
    assert "$.components.splitter.target" in output
    assert "the splitter's target 'prize_k' is not the runner's `settings.target` 'price_k'" in (
        output
    )
    assert not (tmp_path / "data").exists()  # nothing read (there is no data at all)


def test_check_refuses_a_target_the_connector_does_not_read(tmp_path: Path) -> None:
    columns = "    columns: [sale_date, city, rooms, area_m2, price_k]\n"
    code, output = check(tmp_path, target="prise_k", split_target="prise_k", columns=columns)
    assert code == 2, output
    assert "$.settings.target" in output
    assert "the target 'prise_k' is not among the columns the 'data' connector reads" in output
    assert "did you mean 'price_k'?" in output


def test_check_passes_a_config_whose_columns_agree(tmp_path: Path) -> None:
    columns = "    columns: [sale_date, city, rooms, area_m2, price_k]\n"
    code, output = check(tmp_path, target="price_k", split_target="price_k", columns=columns)
    assert code == 0, output
    assert "OK" in output
