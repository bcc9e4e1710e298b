import pandas as pd

class Bunch(dict[str, object]):
    """What the dataset loaders return with `as_frame=True` (attribute access to keys)."""

    frame: pd.DataFrame
    data: pd.DataFrame
    target: pd.Series
    feature_names: list[str]
    DESCR: str

def all_estimators(type_filter: str | list[str] | None = None) -> list[tuple[str, type]]: ...
