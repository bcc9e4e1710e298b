"""A data connector for scikit-learn's bundled datasets (`type: sklearn_dataset`).

These datasets ship inside scikit-learn, so they need neither a file nor a network:
examples and tests read them to have small real data. A read gives one frame, the
features and the target as a column named by `target:`; writing is refused, as a
bundled dataset is read-only (the write step is still an effect, so a dry run lists it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from attrs import frozen

from lolpop._lazy import pd
from lolpop.components._errors import DataError
from lolpop.components._kinds import make_kind
from lolpop.components.records import DataConnector, Written
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step

DatasetName = Literal["iris", "wine", "breast_cancer", "diabetes"]


@frozen
class SklearnDatasetSettings:
    """`type: sklearn_dataset`: one of scikit-learn's bundled datasets."""

    #: Which bundled dataset: its features, and its target as a column.
    name: DatasetName
    #: The name of the target column in the frame a read gives.
    target: str = "target"


def _load(name: DatasetName) -> pd.DataFrame:
    """The dataset's frame: features, then its target column `target`."""
    from sklearn import datasets  # noqa: PLC0415 (heavy: imported on use)
    from sklearn.utils import Bunch  # noqa: PLC0415 (heavy: imported on use)

    loaders: dict[str, Callable[[], Bunch]] = {
        "iris": lambda: datasets.load_iris(as_frame=True),
        "wine": lambda: datasets.load_wine(as_frame=True),
        "breast_cancer": lambda: datasets.load_breast_cancer(as_frame=True),
        "diabetes": lambda: datasets.load_diabetes(as_frame=True),
    }
    return loaders[name]().frame


def sklearn_dataset_connector(settings: SklearnDatasetSettings) -> DataConnector:
    """Reads one of scikit-learn's bundled datasets; refuses to write."""

    def read(nothing: None) -> pd.DataFrame:
        """Read the bundled dataset (features and target)."""
        frame = _load(settings.name)
        if settings.target != "target" and settings.target in frame.columns:
            raise DataError(
                f"the {settings.name} dataset already has a feature named "
                f"{settings.target!r}; choose another name for `target:`."
            )
        return frame.rename(columns={"target": settings.target})

    def write(frame: pd.DataFrame) -> Written:
        """Refuse: a bundled dataset is read-only."""
        raise DataError(
            f"a bundled dataset is read-only: the {settings.name} dataset from scikit-learn "
            "cannot be written; write to a csv, parquet or sql connector instead."
        )

    return DataConnector(
        read=make_step(read, name="read"),
        write=make_step(write, name="write", effect=True),
        location=f"scikit-learn's {settings.name} dataset",
    )


KINDS: tuple[ComponentKind, ...] = (
    make_kind(
        "sklearn_dataset",
        SklearnDatasetSettings,
        sklearn_dataset_connector,
        "Reads one of scikit-learn's bundled datasets (read-only).",
    ),
)
