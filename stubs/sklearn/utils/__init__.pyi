import pandas as pd

class Bunch(dict[str, object]):
    """What the dataset loaders return with `as_frame=True` (attribute access to keys)."""

    frame: pd.DataFrame
    data: pd.DataFrame
    target: pd.Series
    feature_names: list[str]
    DESCR: str
