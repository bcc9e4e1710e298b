"""Bad data is refused before it decides anything.

One table of realistic bad datasets, most built from the churn example's CSV: each is
refused with a `DataError` that names the file (when a file was read), the column and
the count, by the component that first sees it, never with scikit-learn's or pandas' own
message. Those run through the classification runner also show that nothing was
decided: no model version registered, no champion set, the run marked FAILED.

Beside the table: a relabelled target (the champion's classes are not the candidate's)
blocks promotion with a reason; a column the settings say is categorical, or missing
values an estimator takes, are accepted; and a failing notifier (a webhook answering
HTTP 500) is reported as a warning and fails the run only when configured to.
"""

from __future__ import annotations

import functools
import io
import logging
import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from attrs import evolve, frozen
from returns.result import Result
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.tree import DecisionTreeClassifier

from lolpop import run
from lolpop.components._errors import DataError
from lolpop.components.data_checker import CheckerSettings, Rule, rules_checker
from lolpop.components.encoder import EncoderSettings, column_encoder
from lolpop.components.file_connector import CsvSettings, csv_connector
from lolpop.components.function_transformer import make_transformer
from lolpop.components.local_repository import LocalRegistrySettings, local_registry
from lolpop.components.memory_tracker import MemoryStore, memory_tracker
from lolpop.components.metrics import compute_metrics
from lolpop.components.notifier import FAILURES_LOGGER, LogNotifierSettings, log_notifier
from lolpop.components.records import (
    Classification,
    DataTransformer,
    Labelled,
    Level,
    Message,
    ModelArtifact,
    ModelRepository,
    ModelTrainer,
    ModelVersion,
    Notifier,
    Predictions,
    Regression,
    RunRef,
    Status,
)
from lolpop.components.sklearn_trainer import sklearn_trainer
from lolpop.components.splitter import SplitterSettings, data_splitter
from lolpop.components.webhook_notifier import WebhookError, WebhookSettings, webhook_notifier
from lolpop.core.failure import RunFailure
from lolpop.errors import StepFailure
from lolpop.pipelines.deploy import Candidate, classification_rule, decide, regression_rule
from lolpop.runners.supervised import (
    Stage,
    SupervisedSettings,
    WorkflowReport,
    classification_runner,
    with_defaults,
)
from lolpop.secret import Secret

CHURN = Path(__file__).parents[2] / "examples" / "churn" / "data"

#: Words of scikit-learn's and pandas' own messages, which name no file or column.
BARE = (
    "Input X contains",
    "Input y contains",
    "could not convert string to float",
    "This solver needs samples",
    "Unknown label type",
    "contains only one class",
    "too large for dtype",
    "must not contain infs",
)


@functools.cache
def _churn() -> pd.DataFrame:
    return pd.read_csv(CHURN / "customers.csv").head(300)


def churn() -> pd.DataFrame:
    """The first 300 customers of the churn example (a fresh copy to spoil)."""
    return _churn().copy()


def with_values(
    frame: pd.DataFrame, column: str, rows: list[int], value: str | float
) -> pd.DataFrame:
    """`frame` with `value` in `column` at the positions `rows` (the column made object
    first when the value is text, float when it is a float, as a CSV reads them)."""
    if isinstance(value, str):
        text = frame[column].astype(object)
        text.iloc[rows] = value
        return frame.assign(**{column: text})
    numbers = frame[column].astype("float64")
    numbers.iloc[rows] = value
    return frame.assign(**{column: numbers})


def write(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_csv(path, index=False)
    return path


# --- the runner, on a memory tracker and a local registry --------------------------


@frozen
class Workflow:
    """A classification runner's workflow on the churn data, recording in `runs` and
    registering in `registry` (a folder)."""

    runs: MemoryStore
    registry: Path
    repository: ModelRepository
    settings: SupervisedSettings

    def run(
        self,
        data: Path,
        stage: Stage = "deploy",
        *,
        transformer: DataTransformer | None = None,
        notifier: Notifier | None = None,
        new_data: Path | None = None,
    ) -> Result[WorkflowReport[Classification], RunFailure]:
        base = with_defaults(
            Classification,
            self.settings,
            csv_connector(CsvSettings(str(data))),
            sklearn_trainer(LogisticRegression, {"max_iter": 1000}),
        )
        components = evolve(
            base,
            tracker=memory_tracker(self.runs),
            repository=self.repository,
            transformer=transformer,
            notifier=notifier or base.notifier,
            # A check that always warns, so the notifier has something to send.
            checker=rules_checker(
                CheckerSettings((Rule("row_count", min=10**6, severity="WARN"),))
            ),
            new_data=None if new_data is None else csv_connector(CsvSettings(str(new_data))),
            predictions=csv_connector(CsvSettings(str(self.registry.parent / "predicted.csv"))),
        )
        return run(classification_runner(components, self.settings, stage), None)

    def versions(self) -> list[str]:
        folder = self.registry / "models" / "churn" / "versions"
        return sorted(p.name for p in folder.glob("*.json")) if folder.exists() else []


def workflow(tmp_path: Path) -> Workflow:
    registry = tmp_path / "registry"
    return Workflow(
        MemoryStore(),
        registry,
        local_registry(LocalRegistrySettings(str(registry), "churn")),
        SupervisedSettings(
            model_name="churn",
            target="churned",
            index="customer_id",
            work_dir=str(tmp_path / "work"),
        ),
    )


def refused_by_runner(
    tmp_path: Path, frame: pd.DataFrame, step: str, transformer: DataTransformer | None = None
) -> None:
    """Run the workflow on `frame` (as a CSV): it fails at `step`, registers and promotes
    nothing, ends its run as FAILED; the failure's cause is raised for the table."""
    flow = workflow(tmp_path)
    result = flow.run(write(tmp_path / "customers.csv", frame), transformer=transformer)
    failure = result.failure()
    assert failure.path.endswith(step), failure.path
    assert flow.versions() == []
    assert flow.repository.get_alias("champion") is None
    assert [(r.name, r.status) for r in flow.runs.runs()] == [("churn-train", "FAILED")]
    assert not (tmp_path / "predicted.csv").exists()
    raise failure.cause


def refused_when_predicting(tmp_path: Path, new: pd.DataFrame) -> None:
    """Train a champion on the good data, then predict `new` (as a CSV): the prediction
    fails, writes no prediction file, and leaves the champion as it was."""
    flow = workflow(tmp_path)
    trained = flow.run(write(tmp_path / "customers.csv", churn()), "build_all")
    assert trained.unwrap().deployment is not None
    new_data = write(tmp_path / "new.csv", new)
    result = flow.run(tmp_path / "customers.csv", "predict", new_data=new_data)
    failure = result.failure()
    assert "/predict" in failure.path, failure.path
    assert not (tmp_path / "predicted.csv").exists()
    champion = flow.repository.get_alias("champion")
    assert champion is not None
    assert champion.version == 1
    raise failure.cause


# --- components, on their own -------------------------------------------------------

NUMERIC = ["tenure_months", "monthly_charges", "support_calls"]


def fit(
    features: pd.DataFrame,
    target: pd.Series,
    trainer: ModelTrainer[Classification] | ModelTrainer[Regression] | None = None,
) -> None:
    chosen = trainer or sklearn_trainer(LogisticRegression, {"max_iter": 1000})
    chosen.fit(Labelled(features, target))


def fit_churn(frame: pd.DataFrame, columns: list[str] = NUMERIC) -> None:
    fit(frame[columns], frame["churned"])


def predict_churn(frame: pd.DataFrame) -> None:
    predict_with(sklearn_trainer(LogisticRegression, {"max_iter": 1000}), frame)


def predict_with(trainer: ModelTrainer[Classification], frame: pd.DataFrame) -> None:
    good = churn()
    model = trainer.fit(Labelled(good[NUMERIC], good["churned"]))
    trainer.predict((model, frame))


def split(frame: pd.DataFrame, target: str = "churned", stratify: bool = True) -> None:
    data_splitter(SplitterSettings(target, stratify=stratify, drop=("customer_id",))).split(frame)


def fit_encoder(frame: pd.DataFrame, settings: EncoderSettings | None = None) -> None:
    column_encoder(settings or EncoderSettings()).fit(
        Labelled(frame.drop(columns="churned"), frame["churned"])
    )


def regression_metrics(truth: pd.Series, predicted: pd.Series) -> None:
    compute_metrics("regression", (), truth, Predictions(predicted, task=Regression))


def read_csv(path: Path, text: str) -> None:
    path.write_text(text)
    csv_connector(CsvSettings(str(path))).read(None)


def duplicate_header(frame: pd.DataFrame) -> pd.DataFrame:
    """The churn frame with `support_calls` mislabelled as a second `tenure_months`."""
    names = ["tenure_months" if c == "support_calls" else c for c in frame.columns]
    return frame.set_axis(names, axis=1)


def _none_left(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep the customers of a region there is none of."""
    return frame[frame["region"] == "antarctica"]


def _three_left(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep three customers."""
    return frame.head(3)


def _csv_text(frame: pd.DataFrame) -> str:
    out = io.StringIO()
    frame.to_csv(out, index=False)
    return out.getvalue()


@frozen
class Case:
    """A bad dataset, the component that refuses it, and how."""

    id: str
    #: The component (and step) that catches it.
    where: str
    #: Builds the bad data in a temporary folder and hands it on: raises the refusal.
    act: Callable[[Path], object]
    #: A regular expression the message matches.
    message: str
    column: str | None = None
    rows: int | None = None
    #: The file the message names (a name under the temporary folder).
    file: str | None = None


CASES = (
    # --- read from a file ------------------------------------------------------------
    Case(
        "duplicate column names in a CSV header",
        "file_connector: read",
        lambda tmp: read_csv(tmp / "dup.csv", _csv_text(duplicate_header(churn()))),
        r"names more than one column 'tenure_months' \(2 times\) in its header; pandas "
        r"would rename the repeats \('tenure_months' to 'tenure_months.1'\)",
        column="tenure_months",
        file="dup.csv",
    ),
    Case(
        "a header and no rows",
        "file_connector: read",
        lambda tmp: read_csv(tmp / "empty.csv", "customer_id,tenure_months,churned\n"),
        r"cannot read .*empty.csv': it has columns but no rows",
        file="empty.csv",
    ),
    Case(
        "a semicolon-delimited file read with the default comma",
        "file_connector: read",
        lambda tmp: read_csv(tmp / "semi.csv", _csv_text(churn()).replace(",", ";")),
        r"looks delimited by ';' not ','",
        file="semi.csv",
    ),
    # --- through the runner: refused before anything is registered ------------------
    Case(
        "text in a numeric column of the training CSV",
        "splitter: split",
        lambda tmp: refused_by_runner(
            tmp, with_values(churn(), "tenure_months", [4], "abc"), "train/split"
        ),
        r"the feature column 'tenure_months' holds numbers in 299 rows and text in 1 row "
        r"\('abc'; index 4\): it looks numeric",
        column="tenure_months",
        rows=1,
    ),
    Case(
        "empty cells in the target column",
        "train pipeline: missing_target (before the split)",
        lambda tmp: refused_by_runner(
            tmp, with_values(churn(), "churned", [3, 7, 9], np.nan), "train/missing_target"
        ),
        r"the target 'churned' is missing in 3 rows of 300 \(customer_id 'C00004', "
        r"'C00008', 'C00010'\)",
        column="churned",
        rows=3,
    ),
    Case(
        "'inf' in a numeric feature column",
        "splitter: split",
        lambda tmp: refused_by_runner(
            tmp, with_values(churn(), "monthly_charges", [3, 4], np.inf), "train/split"
        ),
        r"the feature column 'monthly_charges' is infinite in 2 rows of 300 \(index 3, 4\)",
        column="monthly_charges",
        rows=2,
    ),
    Case(
        "a single class in the target",
        "splitter: split",
        lambda tmp: refused_by_runner(tmp, churn().assign(churned=0), "train/split"),
        r"the target 'churned' holds one class only \(0 in all 300 rows\)",
        column="churned",
        rows=300,
    ),
    Case(
        # It trained a three-class model ('0', '1', 'yes') and promoted it: a WARN only.
        "a text typo in a target of numbers",
        "splitter: split",
        lambda tmp: refused_by_runner(
            tmp, with_values(churn(), "churned", [5], "yes"), "train/split"
        ),
        r"the target 'churned' holds numbers in 299 rows and text in 1 row \('yes'; index 5\)",
        column="churned",
        rows=1,
    ),
    Case(
        # It said the rows were too few to split (a valid part needs 4 rows of some class).
        "a quantity as the target of a classification workflow",
        "splitter: split",
        lambda tmp: refused_by_runner(
            tmp, churn().assign(churned=churn()["monthly_charges"] + 0.5), "train/split"
        ),
        r"the target 'churned' holds fractional numbers in 299 rows of 300 \(.*\), which are "
        r"not class labels: a classification workflow needs labels; for a quantity, use "
        r"`runner: regression`",
        column="churned",
        rows=299,
    ),
    Case(
        # The test part got no row of class 1: f1 0.0, NaN areas, and the model promoted.
        "a class too rare to be in every part",
        "splitter: split",
        lambda tmp: refused_by_runner(
            tmp, churn().assign(churned=[1, 1] + [0] * 298), "train/split"
        ),
        r"the class 1 of the target 'churned' has 2 rows, too few to be in every part of the "
        r"stratified split: the valid and test parts get none of them",
        column="churned",
        rows=2,
    ),
    Case(
        "a filter that leaves no rows",
        "splitter: split",
        lambda tmp: refused_by_runner(tmp, churn(), "train/split", make_transformer(_none_left)),
        r"the frame to split has no rows \(it has the 11 columns customer_id, .*\); a "
        r"filter before the split",
        rows=0,
    ),
    Case(
        "a filter that leaves too few rows for every part",
        "splitter: split",
        lambda tmp: refused_by_runner(tmp, churn(), "train/split", make_transformer(_three_left)),
        r"3 rows are too few to split: the \w+ part gets no row",
    ),
    # --- predicting new data with a trained champion --------------------------------
    Case(
        "text in a numeric column of the new data",
        "column_encoder (in the bundled model): predict",
        lambda tmp: refused_when_predicting(
            tmp,
            with_values(pd.read_csv(CHURN / "new_customers.csv"), "tenure_months", [2], "abc"),
        ),
        r"the column 'tenure_months' was numeric when the encoder was fitted, but holds "
        r"text in 1 row of 500 here \('abc'; index 2\)",
        column="tenure_months",
        rows=1,
    ),
    Case(
        "'inf' in a numeric column of the new data",
        "column_encoder (in the bundled model): predict",
        lambda tmp: refused_when_predicting(
            tmp,
            with_values(pd.read_csv(CHURN / "new_customers.csv"), "monthly_charges", [2], np.inf),
        ),
        r"the numeric column 'monthly_charges' is infinite in 1 row of 500 \(index 2\)",
        column="monthly_charges",
        rows=1,
    ),
    # --- the splitter on its own ---------------------------------------------------
    Case(
        "an infinite regression target",
        "splitter: split",
        lambda tmp: split(
            with_values(churn().fillna({"total_charges": 0.0}), "total_charges", [0], np.inf),
            "total_charges",
            stratify=False,
        ),
        r"the target 'total_charges' is infinite in 1 row of 300 \(index 0\)",
        column="total_charges",
        rows=1,
    ),
    Case(
        "empty cells in a regression target",
        "splitter: split",
        lambda tmp: split(churn(), "total_charges", stratify=False),
        r"the target 'total_charges' is missing in 6 rows of 300 \(index 27, 57, 126 and 3 "
        r"more\)",
        column="total_charges",
        rows=6,
    ),
    Case(
        "duplicate column names in a frame to split",
        "splitter: split",
        lambda tmp: split(duplicate_header(churn())),
        r"more than one column named tenure_months",
    ),
    # --- the encoder on its own ----------------------------------------------------
    Case(
        "text in a numeric column of the training features",
        "column_encoder: fit_encoder",
        lambda tmp: fit_encoder(with_values(churn(), "total_charges", [0, 1], "?")),
        r"the column 'total_charges' holds numbers in \d+ rows and text in 2 rows \('\?'; "
        r"index 0, 1\): it looks numeric .* list the column under `categorical:`",
        column="total_charges",
        rows=2,
    ),
    Case(
        "duplicate column names in the training features",
        "column_encoder: fit_encoder",
        lambda tmp: fit_encoder(duplicate_header(churn())),
        r"the features have more than one column named 'tenure_months'",
        column="tenure_months",
    ),
    Case(
        # Its square overflowed in the scaler: "missing in 1050 rows of 1050, impute them".
        "a number too large to scale in a numeric column",
        "column_encoder: fit_encoder",
        lambda tmp: fit_encoder(with_values(churn(), "monthly_charges", [5], 1e308)),
        r"the numeric column 'monthly_charges' holds a number too large to scale in 1 row of "
        r"300 \(index 5\): 1e\+308",
        column="monthly_charges",
        rows=1,
    ),
    # --- the trainer on its own (a frame that skipped the encoder) ------------------
    Case(
        "text in a numeric feature column",
        "sklearn_model: fit",
        lambda tmp: fit_churn(with_values(churn(), "tenure_months", [4], "abc")),
        r"the numeric column 'tenure_months' of the training features holds text in 1 row "
        r"of 300 \('abc'; index 4\)",
        column="tenure_months",
        rows=1,
    ),
    Case(
        "a text column for an estimator of numbers",
        "sklearn_model: fit",
        lambda tmp: fit_churn(churn(), [*NUMERIC, "region"]),
        r"the column 'region' of the training features holds text in 300 rows of 300 "
        r"\('\w+', '\w+', '\w+' and 1 more\), and .*LogisticRegression takes numbers only",
        column="region",
        rows=300,
    ),
    Case(
        "missing values for an estimator that takes none",
        "sklearn_model: fit",
        lambda tmp: fit_churn(with_values(churn(), "monthly_charges", [1, 2], np.nan)),
        r"the column 'monthly_charges' of the training features is missing in 2 rows of 300 "
        r"\(index 1, 2\), and .*LogisticRegression takes no missing values",
        column="monthly_charges",
        rows=2,
    ),
    Case(
        "an infinite feature value",
        "sklearn_model: fit",
        lambda tmp: fit_churn(with_values(churn(), "support_calls", [5], -np.inf)),
        r"the column 'support_calls' of the training features is infinite in 1 row of 300 "
        r"\(index 5\)",
        column="support_calls",
        rows=1,
    ),
    Case(
        "a feature too large for a tree (which computes in float32)",
        "sklearn_model: fit",
        lambda tmp: fit(
            with_values(churn(), "support_calls", [5], 1e40)[NUMERIC],
            churn()["churned"],
            sklearn_trainer(DecisionTreeClassifier),
        ),
        r"the column 'support_calls' of the training features holds numbers too large for "
        r".*DecisionTreeClassifier in 1 row of 300 \(index 5\)",
        column="support_calls",
        rows=1,
    ),
    Case(
        "a feature too large to square, for a ridge regression",
        "sklearn_model: fit",
        lambda tmp: fit(
            with_values(churn(), "monthly_charges", [2, 4], 1e200)[NUMERIC],
            churn()["tenure_months"].astype(float),
            sklearn_trainer(Ridge),
        ),
        r"the column 'monthly_charges' of the training features holds numbers too large for "
        r".*Ridge in 2 rows of 300 \(index 2, 4\)",
        column="monthly_charges",
        rows=2,
    ),
    Case(
        "new data too large for a tree (which computes in float32)",
        "sklearn_model: predict",
        lambda tmp: predict_with(
            sklearn_trainer(DecisionTreeClassifier),
            with_values(churn(), "tenure_months", [7], -1e39),
        ),
        r"the column 'tenure_months' of the frame to predict on holds numbers too large for "
        r".*DecisionTreeClassifier in 1 row of 300 \(index 7\)",
        column="tenure_months",
        rows=1,
    ),
    Case(
        "missing target values",
        "sklearn_model: fit",
        lambda tmp: fit_churn(with_values(churn(), "churned", [0, 1], np.nan)),
        r"the target 'churned' is missing in 2 rows of 300 \(index 0, 1\)",
        column="churned",
        rows=2,
    ),
    Case(
        "a single class in the training part",
        "sklearn_model: fit",
        lambda tmp: fit_churn(churn().assign(churned=1)),
        r"the target 'churned' holds one class only \(1 in all 300 rows\)",
        column="churned",
        rows=300,
    ),
    Case(
        "a quantity as a classification target",
        "sklearn_model: fit",
        lambda tmp: fit(churn()[NUMERIC], churn()["total_charges"].fillna(0.0)),
        r"the target 'total_charges' holds fractional numbers in \d+ rows of 300 .* which "
        r"are not class labels",
        column="total_charges",
    ),
    Case(
        "text in a regression target",
        "sklearn_model: fit",
        lambda tmp: fit(
            churn()[NUMERIC],
            with_values(churn().fillna({"total_charges": 0.0}), "total_charges", [8], "n/a ")[
                "total_charges"
            ],
            sklearn_trainer(LinearRegression),
        ),
        r"the target 'total_charges' holds text in 1 row of 300 \('n/a '\)",
        column="total_charges",
        rows=1,
    ),
    Case(
        "duplicate feature columns in a frame to predict on",
        "sklearn_model: predict",
        lambda tmp: predict_churn(duplicate_header(churn())),
        r"more than one column of the frame to predict on is named 'tenure_months'",
        column="tenure_months",
    ),
    Case(
        "text in a numeric column of a frame to predict on",
        "sklearn_model: predict",
        lambda tmp: predict_churn(with_values(churn(), "support_calls", [9], "three")),
        r"the numeric column 'support_calls' of the frame to predict on holds text in 1 row "
        r"of 300 \('three'; index 9\)",
        column="support_calls",
        rows=1,
    ),
    # --- metrics ---------------------------------------------------------------------
    Case(
        "missing truth values for regression metrics",
        "regression_metrics: evaluate",
        lambda tmp: regression_metrics(
            churn()["total_charges"], churn()["total_charges"].fillna(0.0)
        ),
        r"the truth values \('total_charges'\) hold missing values in \d+ rows? of 300",
        column="total_charges",
    ),
    Case(
        "infinite predicted values",
        "regression_metrics: evaluate",
        lambda tmp: regression_metrics(
            churn()["monthly_charges"],
            with_values(churn(), "monthly_charges", [0], np.inf)["monthly_charges"],
        ),
        r"the predicted values \('monthly_charges'\) hold infinite values in 1 row of 300 "
        r"\(index 0\)",
        column="monthly_charges",
        rows=1,
    ),
)


def _cause(error: BaseException) -> BaseException:
    return error.failure.cause if isinstance(error, StepFailure) else error


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_data_is_refused_naming_the_column_and_the_count(case: Case, tmp_path: Path) -> None:
    with pytest.raises((DataError, StepFailure)) as raised:
        case.act(tmp_path)
    error = _cause(raised.value)
    assert isinstance(error, DataError), repr(error)
    message = str(error)
    assert re.search(case.message, message), message
    assert not [words for words in BARE if words in message], message
    assert "\n" not in message  # one paragraph
    if case.column is not None:
        assert error.column == case.column
        assert repr(case.column) in message
    if case.rows is not None:
        assert error.rows == case.rows
    if case.file is not None:
        assert error.path is None or Path(error.path).name == case.file
        assert str(tmp_path / case.file) in message


def test_the_table_holds_at_least_twenty_cases() -> None:
    assert len(CASES) >= 20
    assert len({case.id for case in CASES}) == len(CASES)


# --- decisions: a changed label set blocks promotion --------------------------------


def test_a_relabelled_target_is_registered_but_not_promoted(tmp_path: Path) -> None:
    flow = workflow(tmp_path)
    first = flow.run(write(tmp_path / "customers.csv", churn())).unwrap().deployment
    assert first is not None
    assert first.promoted
    relabelled = churn().assign(churned=churn()["churned"].map({0: "no", 1: "yes"}))
    second = flow.run(write(tmp_path / "customers.csv", relabelled)).unwrap().deployment
    assert second is not None
    assert not second.promoted
    assert second.approval is not None
    assert not second.approval.approved
    assert second.approval.reason.startswith(
        "not compared: the candidate predicts the classes no, yes and the champion v1 0, 1 "
        "(new: no, yes; gone: 0, 1)"
    )
    assert "relabelled" in second.approval.reason
    champion = flow.repository.get_alias("champion")
    assert champion is not None
    assert champion.version == 1


# --- what is accepted --------------------------------------------------------------


def test_text_the_settings_call_categorical_is_accepted() -> None:
    frame = with_values(churn(), "tenure_months", [4], "abc")
    with pytest.raises(StepFailure, match="looks numeric"):
        fit_encoder(frame)
    fit_encoder(frame, EncoderSettings(categorical=("tenure_months",)))
    with pytest.raises(StepFailure, match="looks numeric"):
        split(frame)
    split(frame.astype({"tenure_months": "category"}))


def test_missing_values_are_accepted_by_an_estimator_that_takes_them() -> None:
    frame = with_values(churn(), "monthly_charges", [1, 2], np.nan)
    fit(frame[NUMERIC], frame["churned"], sklearn_trainer(DecisionTreeClassifier))


def test_a_column_of_categories_with_some_numbers_stays_categorical() -> None:
    frame = churn()
    frame = with_values(frame, "region", [0, 1, 2], "7")
    fit_encoder(frame)  # 3 numbers among 297 names: categories, not typos


# --- optional steps: a failing notifier ----------------------------------------------


class _Failing(BaseHTTPRequestHandler):
    """A webhook that answers every POST with HTTP 500, counting them."""

    posts = 0

    def do_POST(self) -> None:
        type(self).posts += 1
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def failing_hook() -> Iterator[str]:
    _Failing.posts = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook?token=s3cret"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _webhook(url: str, fail_on_error: bool = False) -> Notifier:
    return webhook_notifier(
        WebhookSettings(Secret(url), retries=1, backoff=0.0, fail_on_error=fail_on_error)
    )


def test_a_webhook_answering_500_is_reported_and_the_run_goes_on(
    tmp_path: Path, failing_hook: str, caplog: pytest.LogCaptureFixture
) -> None:
    flow = workflow(tmp_path)
    data = write(tmp_path / "customers.csv", churn())
    with caplog.at_level(logging.WARNING, logger=FAILURES_LOGGER):
        report = flow.run(data, "process", notifier=_webhook(failing_hook)).unwrap()
    assert report.processed is not None
    assert report.processed.check.status is Status.WARN
    assert _Failing.posts == 2  # the first attempt and one retry
    [record] = [r for r in caplog.records if r.name == FAILURES_LOGGER]
    assert record.levelno == logging.WARNING
    said = record.getMessage()
    assert "HTTP 500" in said
    assert "token=***" in said
    assert "s3cret" not in said
    assert "fail_on_error: true" in said
    assert [(r.name, r.status) for r in flow.runs.runs()] == [("churn-train", "FINISHED")]


def test_a_webhook_answering_500_fails_the_run_when_configured_to(
    tmp_path: Path, failing_hook: str
) -> None:
    flow = workflow(tmp_path)
    data = write(tmp_path / "customers.csv", churn())
    result = flow.run(data, "process", notifier=_webhook(failing_hook, fail_on_error=True))
    failure = result.failure()
    assert failure.path.endswith("/notify"), failure.path
    assert isinstance(failure.cause, WebhookError)
    assert failure.cause.status == 500
    assert "s3cret" not in str(failure.cause)


def test_a_log_notifier_on_a_closed_stream_is_reported(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    closed = io.StringIO()
    closed.close()
    monkeypatch.setattr("sys.stdout", closed)
    message = Message(Level.WARNING, "3 columns drifted", subject="drift")
    with caplog.at_level(logging.WARNING, logger=FAILURES_LOGGER):
        assert log_notifier(LogNotifierSettings(stream="stdout")).notify(message) is message
    assert "could not write the WARNING message 'drift' to stdout" in caplog.text
    strict = log_notifier(LogNotifierSettings(stream="stdout", fail_on_error=True))
    with pytest.raises(StepFailure, match="could not write"):
        strict.notify(message)


def test_decide_compares_only_models_of_the_same_classes() -> None:
    artifact = ModelArtifact("runs:/r/model", RunRef("r", "e"), None)  # type: ignore[arg-type]  # decide reads no model
    champion = ModelVersion("churn", 1, "lolpop-store://churn/1")
    candidate = Candidate(
        artifact,
        {"f1": 0.62},
        champion,
        {"f1": 0.0},
        classes=("no", "yes"),
        champion_classes=("0", "1"),
    )
    rule = classification_rule("f1")
    refused = decide(rule, candidate)
    assert refused is not None
    assert not refused.approved
    assert refused.reason.startswith("not compared")
    same = decide(rule, evolve(candidate, classes=("0", "1")))
    assert same is not None
    assert same.approved
    assert "improvement +0.6200" in same.reason
    # A regressor has no classes: compared by its metric as before.
    numbers = Candidate(artifact, {"rmse": 1.0}, champion, {"rmse": 2.0})
    regressed = decide(regression_rule("rmse"), numbers)
    assert regressed is not None
    assert regressed.approved
