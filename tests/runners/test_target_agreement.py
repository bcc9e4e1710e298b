"""A Python workflow is held to its target column as a YAML one is (`lolpop check`): a
splitter of another target, a split that leaves the target among the features, a
champion fitted on another target and an id column that is the target are refused, not
trained, scored, deployed or predicted with (each ran to a wrong result before)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from attrs import evolve
from returns.result import Result
from sklearn.linear_model import LogisticRegression

from lolpop import RunFailure, run
from lolpop.components.local_repository import LocalRegistrySettings, local_registry
from lolpop.components.memory_tracker import MemoryStore, memory_tracker
from lolpop.components.records import (
    Classification,
    DataConnector,
    DataSplitter,
    Labelled,
    ModelRepository,
    Splits,
    Written,
)
from lolpop.components.sklearn_trainer import sklearn_trainer
from lolpop.components.splitter import SplitterSettings, data_splitter
from lolpop.core.decorator import make_step
from lolpop.errors import DefinitionError
from lolpop.runners.supervised import (
    Stage,
    SupervisedComponents,
    SupervisedSettings,
    WorkflowReport,
    classification_runner,
    with_defaults,
)


def shop(rows: int = 300, seed: int = 0) -> pd.DataFrame:
    """Two binary columns a workflow may predict, `churned` (from x1) and `plan` (x2)."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=rows), rng.normal(size=rows)
    return pd.DataFrame(
        {
            "x1": x1,
            "x2": x2,
            "plan": (x2 > 0.5).astype(int),
            "churned": (x1 + 0.3 * rng.normal(size=rows) > 0).astype(int),
        }
    )


def connector(frame: pd.DataFrame, written: list[pd.DataFrame] | None = None) -> DataConnector:
    def read(_: None) -> pd.DataFrame:
        return frame.copy()

    def write(out: pd.DataFrame) -> Written:
        if written is not None:
            written.append(out)
        return Written("memory", len(out))

    return DataConnector(
        read=make_step(read, name="read"),
        write=make_step(write, name="write", effect=True),
        location="memory",
    )


class Shop:
    """Classification workflows of one model name in `folder`, sharing one registry."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.runs = MemoryStore()
        self.repository: ModelRepository = local_registry(
            LocalRegistrySettings(str(folder / "registry"), "shop")
        )
        self.written: list[pd.DataFrame] = []

    def settings(self, target: str, index: str | None = None) -> SupervisedSettings:
        return SupervisedSettings(
            model_name="shop", target=target, index=index, work_dir=str(self.folder / "work")
        )

    def components(
        self, settings: SupervisedSettings, frame: pd.DataFrame
    ) -> SupervisedComponents[Classification]:
        base = with_defaults(
            Classification, settings, connector(frame), sklearn_trainer(LogisticRegression)
        )
        new = shop(40, seed=5).drop(columns=["churned", "plan"])
        return evolve(
            base,
            tracker=memory_tracker(self.runs),
            repository=self.repository,
            new_data=connector(new),
            predictions=connector(new, self.written),
        )

    def run(
        self,
        components: SupervisedComponents[Classification],
        settings: SupervisedSettings,
        stage: Stage,
    ) -> Result[WorkflowReport[Classification], RunFailure]:
        return run(classification_runner(components, settings, stage), None)


def test_a_splitter_of_another_target_is_refused_when_the_program_is_built(
    tmp_path: Path,
) -> None:
    house = Shop(tmp_path)
    settings = house.settings("churned")
    components = evolve(
        house.components(settings, shop()),
        splitter=data_splitter(SplitterSettings("plan", stratify=True)),
    )
    with pytest.raises(DefinitionError) as raised:
        classification_runner(components, settings, "train")
    message = str(raised.value)
    assert "the splitter's target 'plan'" in message
    assert "`settings.target` 'churned'" in message


def _own_splitter(target: str, *, leave_target: bool = False) -> DataSplitter:
    """A user's splitter (which says no target): halves and a quarter each, on `target`;
    its target series has no name, unless it leaves the target among the features."""

    def split(frame: pd.DataFrame) -> Splits:
        def part(rows: pd.DataFrame) -> Labelled:
            if leave_target:
                return Labelled(rows, rows[target])
            unnamed = pd.Series(rows[target].to_numpy(), index=rows.index)
            return Labelled(rows.drop(columns=[target]), unnamed)

        half, three = len(frame) // 2, 3 * len(frame) // 4
        return Splits(part(frame[:half]), part(frame[half:three]), part(frame[three:]))

    return DataSplitter(split=make_step(split, name="split"))


def test_a_user_splitter_of_another_target_fails_the_run_naming_both(tmp_path: Path) -> None:
    house = Shop(tmp_path)
    settings = house.settings("churned")
    components = evolve(house.components(settings, shop()), splitter=_own_splitter("plan"))
    failure = house.run(components, settings, "deploy").failure()
    message = str(failure.cause)
    assert "split_target" in failure.path
    assert "no name" in message
    assert "'churned'" in message
    assert house.repository.get_alias("champion") is None


def test_a_split_that_leaves_the_target_among_the_features_is_refused(tmp_path: Path) -> None:
    """Else the model learns the answer from its features: test accuracy 1.0, deployed."""
    house = Shop(tmp_path)
    settings = house.settings("churned")
    components = evolve(
        house.components(settings, shop()), splitter=_own_splitter("churned", leave_target=True)
    )
    failure = house.run(components, settings, "deploy").failure()
    assert "the target 'churned' is among the train features" in str(failure.cause)
    assert house.repository.get_alias("champion") is None


def test_a_champion_fitted_on_another_target_is_neither_compared_nor_predicted_with(
    tmp_path: Path,
) -> None:
    """Two workflows of one model name (a copy-paste): the second's target is another."""
    house = Shop(tmp_path)
    churn = house.settings("churned")
    house.run(house.components(churn, shop().drop(columns=["plan"])), churn, "build_all").unwrap()
    assert len(house.written) == 1
    plan = house.settings("plan")
    components = house.components(plan, shop().drop(columns=["churned"]))
    for stage in ("deploy", "predict"):
        failure = house.run(components, plan, stage).failure()
        message = str(failure.cause)
        assert "the registered model predicts 'churned'" in message, stage
        assert "this workflow predicts 'plan'" in message
    assert len(house.written) == 1  # nothing predicted with the other target's model


def test_an_id_column_that_is_the_target_is_said_as_such(tmp_path: Path) -> None:
    house = Shop(tmp_path)
    settings = house.settings("churned", index="churned")
    with pytest.raises(DefinitionError, match=r"the id column .*'churned' is the target"):
        house.components(settings, shop())


def test_an_empty_part_of_the_split_is_refused_naming_the_splitters_size(
    tmp_path: Path,
) -> None:
    """A Python splitter with `valid_size=0` ran to scikit-learn's "Found array with 0
    sample(s) ... SimpleImputer" at the encoder, naming no setting."""
    house = Shop(tmp_path)
    settings = house.settings("churned")
    components = evolve(
        house.components(settings, shop()),
        splitter=data_splitter(SplitterSettings("churned", valid_size=0.0)),
    )
    failure = house.run(components, settings, "train").failure()
    assert failure.path.endswith("train/split_target")
    assert "the valid part of the split has no rows" in str(failure.cause)
    assert "valid_size" in str(failure.cause)
