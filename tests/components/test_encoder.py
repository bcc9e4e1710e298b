"""The column encoder: fitted on train only, unknown categories, imputation, shape, errors."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from cattrs.errors import ClassValidationError

from lolpop.components._errors import DataError
from lolpop.components.encoder import KINDS, EncoderSettings, as_text, column_encoder
from lolpop.components.records import FeatureEncoder, FittedEncoder, Labelled
from lolpop.config.converter import make_converter, problems_of
from lolpop.config.records import ComponentConfig
from lolpop.config.registry import Registry
from lolpop.errors import DefinitionError, StepFailure


def _train() -> Labelled:
    features = pd.DataFrame(
        {
            "size": [1.0, 2.0, np.nan, 4.0, 5.0],
            "colour": ["red", "blue", "red", None, "red"],
            "ok": [True, False, True, True, False],
        },
        index=pd.Index(["a", "b", "c", "d", "e"], name="id"),
    )
    return Labelled(features, pd.Series([0, 1, 0, 1, 0], index=features.index, name="y"))


def _test() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "size": [100.0, np.nan, 3.0],
            "colour": ["green", "blue", None],
            "ok": [False, True, True],
        },
        index=pd.Index(["z", "x", "y"], name="id"),
    )


def _fit(settings: EncoderSettings | None = None) -> tuple[FeatureEncoder, FittedEncoder]:
    encoder = column_encoder(settings or EncoderSettings())
    return encoder, encoder.fit(_train())


def test_fit_reads_column_kinds_from_dtypes_and_names_outputs() -> None:
    _, fitted = _fit()
    assert fitted.inputs == ("size", "colour", "ok")
    assert fitted.outputs == ("size", "colour_blue", "colour_red", "ok_False", "ok_True")


def test_scaling_and_imputation_use_train_statistics_only() -> None:
    encoder, fitted = _fit()
    out = encoder.transform((fitted, _test()))
    train_sizes = np.array([1.0, 2.0, 4.0, 5.0])
    median = float(np.median(train_sizes))  # 3.0: the imputed value of the missing size
    imputed = np.array([1.0, 2.0, median, 4.0, 5.0])
    mean, std = imputed.mean(), imputed.std()
    # Leakage would move the mean towards the test row's 100.
    assert mean == 3.0
    assert out.loc["z", "size"] == pytest.approx((100.0 - mean) / std)
    assert out.loc["x", "size"] == pytest.approx((median - mean) / std) == 0.0
    assert out.loc["y", "size"] == pytest.approx((3.0 - mean) / std)
    train_out = encoder.transform((fitted, _train().features))
    assert train_out["size"].mean() == pytest.approx(0.0)
    assert train_out["size"].std(ddof=0) == pytest.approx(1.0)


def test_unknown_categories_get_all_zero_columns_and_missing_ones_the_most_frequent() -> None:
    encoder, fitted = _fit()
    out = encoder.transform((fitted, _test()))
    colours = out[["colour_blue", "colour_red"]]
    assert colours.loc["z"].to_numpy().tolist() == [0.0, 0.0]  # green: unseen
    assert colours.loc["x"].to_numpy().tolist() == [1.0, 0.0]
    assert colours.loc["y"].to_numpy().tolist() == [0.0, 1.0]  # None -> red
    train_out = encoder.transform((fitted, _train().features))
    assert train_out.loc["d", "colour_red"] == 1.0
    assert out[["ok_False", "ok_True"]].to_numpy().tolist() == [[1, 0], [0, 1], [0, 1]]


def test_transform_keeps_rows_and_index_and_ignores_extra_columns() -> None:
    encoder, fitted = _fit()
    frame = _test().assign(extra=["p", "q", "r"])[["extra", "ok", "colour", "size"]]
    out = encoder.transform((fitted, frame))
    assert len(out) == 3
    assert out.index.equals(frame.index)
    assert tuple(out.columns) == fitted.outputs
    assert out.notna().all().all()


def test_inputs_are_not_mutated() -> None:
    data, frame = _train(), _test()
    before, frame_before = data.features.copy(), frame.copy()
    encoder = column_encoder()
    fitted = encoder.fit(data)
    encoder.transform((fitted, frame))
    pd.testing.assert_frame_equal(data.features, before)
    pd.testing.assert_frame_equal(frame, frame_before)


def test_transform_refuses_a_frame_missing_a_fitted_column() -> None:
    encoder, fitted = _fit()
    with pytest.raises(StepFailure) as info:
        encoder.transform((fitted, _test().drop(columns=["colour"])))
    assert isinstance(info.value.failure.cause, DataError)
    assert "lacks the column 'colour'" in str(info.value)


def test_constant_imputation_and_no_scaling() -> None:
    settings = EncoderSettings(
        impute_numeric="constant", scale=False, impute_categorical="constant"
    )
    encoder, fitted = _fit(settings)
    assert "colour_missing" in fitted.outputs
    out = encoder.transform((fitted, _test()))
    assert out["size"].tolist() == [100.0, 0.0, 3.0]
    assert out.loc["y", "colour_missing"] == 1.0


def test_mean_imputation() -> None:
    encoder, fitted = _fit(EncoderSettings(impute_numeric="mean", scale=False))
    out = encoder.transform((fitted, _test()))
    assert out.loc["x", "size"] == 3.0  # mean of 1, 2, 4, 5


def test_explicit_lists_passthrough_and_drop() -> None:
    settings = EncoderSettings(categorical=("colour",), passthrough=("size",), drop=("ok",))
    encoder, fitted = _fit(settings)
    assert fitted.inputs == ("size", "colour")
    out = encoder.transform((fitted, _test()))
    assert list(out.columns) == ["colour_blue", "colour_red", "size"]
    assert out["size"].tolist()[::2] == [100.0, 3.0]
    numeric_only = EncoderSettings(numeric=("size",), categorical=())
    _, fitted = _fit(numeric_only)
    assert fitted.outputs == ("size",)


def test_max_categories_groups_rare_and_unseen_categories() -> None:
    features = pd.DataFrame({"c": ["a"] * 5 + ["b"] * 3 + ["c", "d"]})
    data = Labelled(features, pd.Series(range(10)))
    encoder = column_encoder(EncoderSettings(max_categories=3))
    fitted = encoder.fit(data)
    assert fitted.outputs == ("c_a", "c_b", "c_infrequent_sklearn")
    out = encoder.transform((fitted, pd.DataFrame({"c": ["a", "d", "new"]})))
    assert out.to_numpy().tolist() == [[1, 0, 0], [0, 0, 1], [0, 0, 1]]


def test_mixed_and_categorical_dtypes_encode_as_text() -> None:
    features = pd.DataFrame(
        {
            "m": pd.Series([1, "1", "x", None], dtype=object),
            "k": pd.Categorical(["u", "v", "u", "v"]),
        }
    )
    encoder = column_encoder()
    fitted = encoder.fit(Labelled(features, pd.Series([0, 1, 0, 1])))
    assert fitted.outputs == ("m_1", "m_x", "k_u", "k_v")
    out = encoder.transform((fitted, features))
    assert out["m_1"].tolist() == [1.0, 1.0, 0.0, 1.0]  # None -> most frequent, "1"


def test_categorical_values_are_text_and_every_missing_value_nan() -> None:
    features = pd.DataFrame(
        {
            "s": pd.Series(["a", None, "b", "a"], dtype="str"),
            "p": pd.Series(["a", pd.NA, "b", "c"], dtype="string"),
            "m": pd.Series([1, "1", np.nan, 2.5], dtype=object),
            "k": pd.Categorical([1, 2, None, 1]),
            "b": pd.Series([True, False, True, False]),
        }
    )
    text = as_text(features)
    assert text.dtypes.tolist() == [np.dtype(object)] * 5
    # None: missing, given as NaN.
    expected: list[list[str | None]] = [
        ["a", "a", "1", "1", "True"],
        [None, None, "1", "2", "False"],
        ["b", "b", None, None, "True"],
        ["a", "c", "2.5", "1", "False"],
    ]
    rows: list[list[object]] = text.to_numpy().tolist()
    for row, wanted in zip(rows, expected, strict=True):
        for value, want in zip(row, wanted, strict=True):
            if want is not None:
                assert type(value) is str
                assert value == want
            else:
                assert isinstance(value, float)
                assert np.isnan(value)
    assert features["s"].tolist()[0] == "a"  # the input is left as it was


def test_colliding_names_get_prefixes() -> None:
    features = pd.DataFrame({"c_a": [1.0, 2.0], "c": ["a", "b"]})
    fitted = column_encoder().fit(Labelled(features, pd.Series([0, 1])))
    assert fitted.outputs == ("numeric__c_a", "categorical__c_a", "categorical__c_b")


def test_bad_settings_and_columns_are_refused() -> None:
    with pytest.raises(DefinitionError, match="'size' is listed in both 'numeric' and 'drop'"):
        column_encoder(EncoderSettings(numeric=("size",), drop=("size",)))
    with pytest.raises(DefinitionError, match="max_categories"):
        column_encoder(EncoderSettings(max_categories=1))
    with pytest.raises(StepFailure, match="lack: 'weight'"):
        column_encoder(EncoderSettings(passthrough=("weight",))).fit(_train())
    dated = _train().features.assign(when=pd.Timestamp("2024-01-01"))
    with pytest.raises(StepFailure, match="'when' \\(datetime64"):
        column_encoder().fit(Labelled(dated, _train().target))
    fitted = column_encoder(EncoderSettings(drop=("when",))).fit(Labelled(dated, _train().target))
    assert "when" not in fitted.inputs
    with pytest.raises(StepFailure, match="listed as numeric"):
        column_encoder(EncoderSettings(numeric=("colour",))).fit(_train())


def test_a_date_column_is_refused_with_what_to_do_with_dates() -> None:
    # It said "list them under numeric, categorical, passthrough or drop": as numeric a
    # date is refused next ("listed as numeric but holds datetime64"), as categorical each
    # date becomes a one-hot column that no later date fits.
    dated = _train().features.assign(when=pd.date_range("2024-01-01", periods=5))
    with pytest.raises(StepFailure) as caught:
        column_encoder().fit(Labelled(dated, _train().target))
    message = str(caught.value)
    assert "'when' (datetime64" in message
    assert "under `drop:`" in message
    assert "transformer" in message
    assert "numeric, categorical" not in message


def test_fitted_encoder_pickles() -> None:
    encoder, fitted = _fit()
    copy = pickle.loads(pickle.dumps(fitted))
    pd.testing.assert_frame_equal(
        encoder.transform((copy, _test())), encoder.transform((fitted, _test()))
    )


def test_settings_decode_from_config_data() -> None:
    converter = make_converter(Registry(KINDS))
    config = converter.structure(
        {
            "type": "column_encoder",
            "categorical": ["colour"],
            "passthrough": ["size"],
            "impute_numeric": "mean",
            "scale": False,
            "max_categories": 5,
        },
        ComponentConfig,
    )
    assert config.settings == EncoderSettings(
        categorical=("colour",),
        passthrough=("size",),
        impute_numeric="mean",
        scale=False,
        max_categories=5,
    )
    assert isinstance(KINDS[0].build(config.settings), FeatureEncoder)
    assert converter.structure({"type": "column_encoder"}, ComponentConfig).settings == (
        EncoderSettings()
    )
    with pytest.raises(ClassValidationError) as info:
        converter.structure(
            {"type": "column_encoder", "impute_numeric": "mode", "scale": "yes"}, ComponentConfig
        )
    problems = {p.path for p in problems_of(info.value)}
    assert problems == {"$.impute_numeric", "$.scale"}
