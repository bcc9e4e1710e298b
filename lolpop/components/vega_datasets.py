"""A data connector for time series that the `vega_datasets` package ships
(`type: vega_dataset`), offline.

Like `sklearn_dataset`, it gives examples and tests small real data with neither a file
nor a network: here, series ordered in time, with their time column parsed by the
dataset's own exact format (never guessed). The package is MIT-licensed; its data's
sources are listed in the package (`vega_datasets/datasets.json`), e.g. the Seattle
weather table comes from NOAA's daily records. Writing is refused (read-only).

- `seattle-weather`: daily, 2012-2015 (`date`; precipitation, temp_max, temp_min, wind,
  weather).
- `seattle-temps`, `sf-temps`: hourly temperature, 2010 (`date`, `temp`).
- `stocks`: monthly closing prices of five companies, 2000-2010 (`symbol`, `date`,
  `price`): several series keyed by `symbol`.
- `iowa-electricity`: yearly net generation by source, 2001-2017 (`year`, `source`,
  `net_generation`).
- `us-employment`: monthly US employment by sector, 2006-2015 (`month`, ...).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, TypeAlias

from attrs import frozen

from lolpop._lazy import pd
from lolpop.components._errors import DataError
from lolpop.components._kinds import make_kind
from lolpop.components.records import DataConnector, Written
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step

VegaName: TypeAlias = Literal[
    "seattle-weather", "seattle-temps", "sf-temps", "stocks", "iowa-electricity", "us-employment"
]

#: Each dataset's time column and its exact format.
_TIMES: dict[str, tuple[str, str]] = {
    "seattle-weather": ("date", "%Y/%m/%d"),
    "seattle-temps": ("date", "%Y/%m/%d %H:%M"),
    "sf-temps": ("date", "%Y/%m/%d %H:%M:%S"),
    "stocks": ("date", "%b %d %Y"),
    "iowa-electricity": ("year", "%Y-%m-%d"),
    "us-employment": ("month", "%Y-%m-%d"),
}


@frozen
class VegaDatasetSettings:
    """`type: vega_dataset`: a time series the `vega_datasets` package ships."""

    #: The dataset (see the module notes for their columns).
    name: VegaName


def _data_file(name: str) -> Path:
    """The packaged file of the dataset `name` (`ModuleNotFoundError` without the package).

    Found where the package is installed, without importing it (it imports pandas, which
    a check need not)."""
    import importlib.util  # noqa: PLC0415 (only reads and the check need it)

    spec = importlib.util.find_spec("vega_datasets")
    folders = list(spec.submodule_search_locations or ()) if spec is not None else []
    if not folders:
        raise ModuleNotFoundError("No module named 'vega_datasets'", name="vega_datasets")
    return Path(folders[0]) / "_data" / f"{name}.csv"


def _load(name: VegaName) -> pd.DataFrame:
    try:
        data = _data_file(name)
    except ModuleNotFoundError as error:
        raise DataError(
            "the `vega_dataset` connector needs the `vega_datasets` package: "
            "`pip install 'lolpop[datasets]'`."
        ) from error
    column, form = _TIMES[name]
    with data.open(encoding="utf-8") as file:
        frame = pd.read_csv(file)
    frame[column] = pd.to_datetime(frame[column], format=form)
    return frame


def columns_of(name: str) -> list[str] | None:
    """The column names of the packaged dataset `name`, from its file's first line (for
    `lolpop check`: nothing parsed); None when the package or the dataset is missing."""
    import csv  # noqa: PLC0415 (only the check needs it)

    try:
        with _data_file(name).open(encoding="utf-8") as file:
            return next(csv.reader(file), [])
    except (ModuleNotFoundError, OSError):
        return None


def vega_dataset_connector(settings: VegaDatasetSettings) -> DataConnector:
    """Reads one of the time series `vega_datasets` ships; refuses to write."""

    def read(nothing: None) -> pd.DataFrame:
        """Read the packaged dataset, its time column parsed."""
        return _load(settings.name)

    def write(frame: pd.DataFrame) -> Written:
        """Refuse: a packaged dataset is read-only."""
        raise DataError(
            f"a packaged dataset is read-only: the {settings.name} dataset of vega_datasets "
            "cannot be written; write to a csv, parquet or sql connector instead."
        )

    return DataConnector(
        read=make_step(read, name="read"),
        write=make_step(write, name="write", effect=True),
        location=f"vega_datasets' {settings.name} dataset",
    )


KINDS: tuple[ComponentKind, ...] = (
    make_kind(
        "vega_dataset",
        VegaDatasetSettings,
        vega_dataset_connector,
        "Reads a time series the vega_datasets package ships (read-only).",
    ),
)
