"""The column encoder fits and encodes the training split in one pass, the train pipeline
uses that pass, and encoding hands back the transformer's frame without rebuilding it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from attrs import evolve
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression

from lolpop import run
from lolpop.components.encoder import EncoderSettings, column_encoder
from lolpop.components.local_repository import LocalRegistrySettings, local_registry
from lolpop.components.memory_tracker import MemoryStore, memory_tracker
from lolpop.components.metrics import classification_metrics
from lolpop.components.records import (
    Classification,
    FeatureEncoder,
    FittedEncoder,
    Labelled,
    RunSpec,
)
from lolpop.components.sklearn_trainer import sklearn_trainer
from lolpop.components.splitter import SplitterSettings, data_splitter
from lolpop.core.decorator import make_step
from lolpop.pipelines.train import TrainComponents, TrainedModel, TrainingData, train_pipeline


def _frame(rows: int = 120) -> pd.DataFrame:
    """Numbers and categories, some missing, a binary target, an index that is no range."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=rows)
    x[::7] = np.nan
    colour = rng.choice(np.array(["red", "green", "blue"], dtype=object), rows)
    colour[::5] = None
    return pd.DataFrame(
        {
            "x": x,
            "n": rng.integers(0, 50, rows),
            "colour": colour,
            "target": np.arange(rows) % 2,
        },
        index=pd.Index([f"r{i}" for i in rng.permutation(rows)]),
    )


def _labelled(frame: pd.DataFrame) -> Labelled:
    return Labelled(frame.drop(columns=["target"]), frame["target"])


def test_fit_transform_is_fit_then_transform() -> None:
    data = _labelled(_frame())
    for settings in (EncoderSettings(), EncoderSettings(passthrough=("n",), max_categories=2)):
        encoder = column_encoder(settings)
        assert encoder.fit_transform is not None
        fitted, encoded = encoder.fit_transform(data)
        separately = encoder.fit(data)
        assert (fitted.inputs, fitted.outputs) == (separately.inputs, separately.outputs)
        expected = encoder.transform((separately, data.features))
        pd.testing.assert_frame_equal(encoded, expected, check_exact=True)
        assert list(encoded.columns) == list(fitted.outputs)
        assert encoded.index.equals(data.features.index)
        # And the encoder it gives transforms the training rows to the same frame.
        pd.testing.assert_frame_equal(
            encoder.transform((fitted, data.features)), expected, check_exact=True
        )


def test_an_encoder_without_fit_transform_is_fitted_then_transforms() -> None:
    honest = column_encoder()
    own = FeatureEncoder(fit=honest.fit, transform=honest.transform)
    assert own.fit_transform is None
    data = _labelled(_frame())
    fitted, encoded = own.fit_then_transform()(data)
    assert fitted.outputs == honest.fit(data).outputs
    pd.testing.assert_frame_equal(
        encoded, honest.transform((fitted, data.features)), check_exact=True
    )


class _SpyTransformer:
    """A fitted transformer that hands back a frame it made, and remembers what it got."""

    def __init__(self, out: pd.DataFrame) -> None:
        self.out = out
        self.given: list[pd.DataFrame] = []

    def transform(self, frame: pd.DataFrame, /) -> pd.DataFrame:
        self.given.append(frame)
        return self.out


def test_transform_hands_back_the_transformers_frame_without_a_copy() -> None:
    features = _labelled(_frame()).features[["x", "n"]]
    made = pd.DataFrame(
        {"x": np.arange(len(features), dtype=float), "n": np.ones(len(features))},
        index=features.index,
    )
    spy = _SpyTransformer(made)
    encoder = FittedEncoder(transformer=spy, inputs=("x", "n"), outputs=("x", "n"))
    encoded = column_encoder().transform((encoder, features))
    # The frame given is exactly the inputs: passed as it is, not selected into a copy.
    assert len(spy.given) == 1
    assert spy.given[0] is features
    for name in ("x", "n"):
        assert np.shares_memory(encoded[name].to_numpy(), made[name].to_numpy())
    assert encoded.index.equals(features.index)
    assert list(encoded.columns) == ["x", "n"]


def test_encoded_parts_are_one_array_in_rows_that_linear_models_read_without_a_copy() -> None:
    data = _labelled(_frame())
    encoder = column_encoder()
    assert encoder.fit_transform is not None
    fitted, train = encoder.fit_transform(data)
    test = encoder.transform((fitted, data.features.iloc[:30]))
    for encoded in (train, test):
        values = encoded.to_numpy()
        assert values.flags.c_contiguous  # numeric and one-hot parts, side by side in rows
        assert np.shares_memory(values, encoded["x"].to_numpy())  # one array, not a copy
        # What LogisticRegression's fit asks for (float64 in C order) is that array.
        read = np.require(np.asarray(encoded), np.float64, "C")
        assert np.shares_memory(read, values)
    # The same values as the transformer's own frame, column for column.
    transformer = fitted.transformer
    assert isinstance(transformer, ColumnTransformer)
    own = transformer.transform(data.features)
    assert np.array_equal(train.to_numpy(), np.asarray(own), equal_nan=True)


def _counted(encoder: FeatureEncoder, calls: list[tuple[str, int]]) -> FeatureEncoder:
    """`encoder` with every step recording its name and the rows it was given."""
    assert encoder.fit_transform is not None
    fit_transform: Callable[[Labelled], tuple[FittedEncoder, pd.DataFrame]] = encoder.fit_transform

    def fit(data: Labelled) -> FittedEncoder:
        calls.append(("fit", len(data)))
        return encoder.fit(data)

    def transform(pair: tuple[FittedEncoder, pd.DataFrame]) -> pd.DataFrame:
        calls.append(("transform", len(pair[1])))
        return encoder.transform(pair)

    def fitted_and_encoded(data: Labelled) -> tuple[FittedEncoder, pd.DataFrame]:
        calls.append(("fit_transform", len(data)))
        return fit_transform(data)

    return FeatureEncoder.fused(
        make_step(fit, name="fit_encoder"),
        make_step(transform, name="encode"),
        make_step(fitted_and_encoded, name="fit_encoder"),
    )


def test_an_encoder_evolved_with_another_transform_never_uses_the_old_fit_transform() -> None:
    encoder = column_encoder()
    assert encoder.fit_then_transform() is encoder.fit_transform

    def marked(pair: tuple[FittedEncoder, pd.DataFrame]) -> pd.DataFrame:
        return pair[1].assign(mark=1)

    changed = evolve(encoder, transform=make_step(marked, name="encode"))
    fused = changed.fit_then_transform()
    assert fused is not encoder.fit_transform  # the new transform runs, after `fit`
    assert fused.name == "fit_transform"


def _train(tmp_path: Path, encoder: FeatureEncoder, *, refit: bool) -> TrainedModel[Classification]:
    runs = MemoryStore()
    parts = TrainComponents(
        splitter=data_splitter(SplitterSettings("target", stratify=True)),
        encoder=encoder,
        trainer=sklearn_trainer(LogisticRegression, {"max_iter": 200}),
        evaluator=classification_metrics(),
        tracker=memory_tracker(runs),
        repository=local_registry(LocalRegistrySettings(str(tmp_path / "registry"), "m")),
    )
    started = parts.tracker.start_run(RunSpec("encode"))
    return run(train_pipeline(parts, refit=refit), TrainingData(started, _frame())).unwrap()


def test_the_train_pipeline_encodes_the_training_split_in_one_fit_transform(
    tmp_path: Path,
) -> None:
    calls: list[tuple[str, int]] = []
    trained = _train(tmp_path, _counted(column_encoder(), calls), refit=True)
    splits = trained.splits
    train, valid, test = len(splits.train), len(splits.valid), len(splits.test)
    everything = train + valid + test
    # Train: one fit_transform; valid and test: transformed; the refit: one fit_transform
    # of all the rows. No fit alone, and no transform of rows a fit has just encoded.
    assert sorted(calls) == sorted(
        [
            ("fit_transform", train),
            ("transform", valid),
            ("transform", test),
            ("fit_transform", everything),
        ]
    )


def test_an_encoder_without_fit_transform_trains_alike(tmp_path: Path) -> None:
    fast = _train(tmp_path / "fast", column_encoder(), refit=False)
    honest = column_encoder()
    own = FeatureEncoder(fit=honest.fit, transform=honest.transform)
    slow = _train(tmp_path / "own", own, refit=False)
    for part in ("train", "valid", "test"):
        pd.testing.assert_frame_equal(
            getattr(fast.splits, part).features, getattr(slow.splits, part).features
        )
    assert fast.candidate.metrics == slow.candidate.metrics
