"""A model fitted on an encoder's output predicts only on frames that encoder made, and a
bundle (encoder and model) only on raw ones: the other frame has the same column names
when every feature is numeric, and would be predicted on silently, wrongly (scaled
values read as raw ones, or raw values scaled twice)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge

from lolpop.components._errors import DataError
from lolpop.components.encoder import column_encoder
from lolpop.components.records import FittedEncoder, FittedModel, Labelled, Regression
from lolpop.components.sklearn_trainer import predict_model, sklearn_trainer
from lolpop.errors import StepFailure
from lolpop.pipelines.train import bundle_model


def _houses(rows: int, seed: int) -> Labelled:
    """Numbers only (so encoding keeps every column's name): area and rooms, and a price."""
    rng = np.random.default_rng(seed)
    area = rng.normal(120, 30, rows)
    rooms = rng.integers(1, 6, rows).astype(float)
    price = 2.5 * area + 40 * rooms + rng.normal(0, 5, rows)
    return Labelled(pd.DataFrame({"area": area, "rooms": rooms}), pd.Series(price, name="price"))


def _fitted() -> tuple[FittedEncoder, pd.DataFrame, FittedModel[Regression]]:
    encoder = column_encoder()
    train = _houses(200, 0)
    fitted = encoder.fit(train)
    encoded = encoder.transform((fitted, train.features))
    model = sklearn_trainer(Ridge).fit(Labelled(encoded, train.target))
    return fitted, encoded, model


def _cause(error: BaseException) -> BaseException:
    return error.failure.cause if isinstance(error, StepFailure) else error


def test_encoding_keeps_the_names_of_numeric_columns() -> None:
    """The premise: raw and encoded frames differ in values only."""
    _, encoded, model = _fitted()
    assert list(encoded.columns) == ["area", "rooms"]
    assert model.features == ("area", "rooms")


def test_a_model_fitted_on_encoded_features_refuses_raw_ones() -> None:
    _, _, model = _fitted()
    raw = _houses(50, 1).features
    with pytest.raises((DataError, StepFailure)) as raised:
        sklearn_trainer(Ridge).predict((model, raw))
    message = str(_cause(raised.value))
    assert "fitted on encoded features" in message
    assert "not encoded" in message


def test_a_model_fitted_on_encoded_features_predicts_on_encoded_ones() -> None:
    fitted, _, model = _fitted()
    test = _houses(50, 1)
    encoded = column_encoder().transform((fitted, test.features))
    predicted = predict_model(model, encoded).values
    assert np.corrcoef(predicted, test.target)[0, 1] > 0.95
    # A selection of its columns, or a copy, is still the encoder's frame.
    assert len(predict_model(model, encoded[["rooms", "area"]].copy()).values) == 50


def test_a_bundle_refuses_a_frame_already_encoded() -> None:
    fitted, _, model = _fitted()
    bundled = bundle_model(fitted, model)
    test = _houses(50, 1)
    assert len(predict_model(bundled, test.features).values) == 50
    encoded = column_encoder().transform((fitted, test.features))
    with pytest.raises(DataError, match="encodes its features itself") as raised:
        predict_model(bundled, encoded)
    assert "already encoded" in str(raised.value)


def test_a_model_fitted_on_raw_features_takes_any_frame() -> None:
    """No encoder made its training frame: nothing is known, nothing is refused."""
    train = _houses(200, 0)
    model = sklearn_trainer(Ridge).fit(train)
    fitted = column_encoder().fit(train)
    encoded = column_encoder().transform((fitted, train.features))
    assert len(predict_model(model, train.features).values) == 200
    assert len(predict_model(model, encoded).values) == 200
