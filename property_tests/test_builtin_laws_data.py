"""Every built-in component of the data family keeps its kit's laws (`check_laws`).

Each call below makes one test per law (`test_law__<component>__<law>`), drawn under the
active hypothesis profile:

- the splitter, method `ratio`: plain, and stratified (with `stratified_law`);
- the splitter, method `time` on a column of times (with `time_ordered_law`), and
  method `column` on a column naming each row's part;
- the column encoder with the kinds read from the dtypes (numbers, and a text column
  whose other frame holds categories the training split lacks);
- a function transformer, row-wise, so with `keeps_index_law` (a transformer may drop
  rows on purpose, so the kit does not impose it).
"""

from __future__ import annotations

import pandas as pd

from lolpop.components.encoder import EncoderSettings, column_encoder
from lolpop.components.function_transformer import make_transformer
from lolpop.components.splitter import SplitterSettings, data_splitter
from lolpop.testing.laws import check_laws
from lolpop.testing.laws.data import (
    frames_to_split,
    keeps_index_law,
    stratified_law,
    time_ordered_law,
)
from lolpop.testing.strategies import TARGET


def fill_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing numbers as 0 (row for row)."""
    return frame.fillna({"num_0": 0.0})


check_laws(data_splitter(SplitterSettings(TARGET)), name="ratio splitter")
check_laws(
    data_splitter(SplitterSettings(TARGET, stratify=True)),
    laws=(stratified_law(),),
    name="stratified splitter",
)
check_laws(
    data_splitter(SplitterSettings(TARGET, method="time", column="when")),
    frames_to_split(time_column="when"),
    laws=(time_ordered_law("when"),),
    name="time splitter",
)
check_laws(
    data_splitter(SplitterSettings(TARGET, method="column", column="part")),
    frames_to_split(part_column="part"),
    name="column splitter",
)
check_laws(column_encoder(EncoderSettings()), name="column encoder", share=0.5)
check_laws(make_transformer(fill_missing), laws=(keeps_index_law(),), name="filling transformer")
