"""matplotlib_visualizer: the expected PNG files, whole, named, and nothing else left."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression

from lolpop.components._errors import DataError
from lolpop.components.records import (
    TASKS,
    Estimator,
    FittedModel,
    Labelled,
    ModelVisualizer,
    Task,
    TaskKind,
)
from lolpop.components.visualizer import KINDS, VisualizerSettings, matplotlib_visualizer
from lolpop.config.converter import make_converter
from lolpop.config.records import ComponentConfig
from lolpop.config.registry import Registry
from lolpop.errors import DefinitionError, StepFailure

PNG = b"\x89PNG\r\n\x1a\n"
CLASSIFIER_FIGURES = {"confusion_matrix", "roc_curve", "pr_curve", "feature_importance"}
REGRESSOR_FIGURES = {"residuals", "predicted_vs_actual", "feature_importance"}


def fitted(estimator: Estimator, data: Labelled, task: Task) -> FittedModel[TaskKind]:
    estimator.fit(data.features, data.target)
    return FittedModel(
        estimator=estimator,
        task=TASKS[task],
        features=tuple(data.features.columns),
        target="target",
        classes=tuple(getattr(estimator, "classes_", ())),
    )


def dataset(name: str, columns: int, rows: int) -> Labelled:
    loaders = {"breast_cancer": load_breast_cancer, "wine": load_wine, "diabetes": load_diabetes}
    bunch = loaders[name](as_frame=True)
    order = np.random.default_rng(0).permutation(len(bunch.data))[:rows]
    return Labelled(bunch.data.iloc[order, :columns], bunch.target.iloc[order].rename("target"))


def png_size(path: str) -> tuple[int, int]:
    """Width and height from a PNG's header (its first chunk, IHDR)."""
    header = Path(path).read_bytes()[:24]
    assert header[:8] == PNG
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def check_written(folder: Path, names: set[str], figures_paths: dict[str, str]) -> None:
    """Exactly `names` were written into `folder`, whole PNGs, absolute, and nothing else."""
    assert set(figures_paths) == names
    for name, path in figures_paths.items():
        assert os.path.isabs(path)
        assert Path(path) == folder.resolve() / f"{name}.png"
        content = Path(path).read_bytes()
        assert content.startswith(PNG)
        assert len(content) > 2_000
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.png" for n in names)


def visualizer(folder: Path, dpi: int = 40) -> ModelVisualizer:
    return matplotlib_visualizer(VisualizerSettings(folder=str(folder), dpi=dpi))


def test_binary_classifier_figures(tmp_path: Path) -> None:
    data = dataset("breast_cancer", columns=5, rows=150)
    model = fitted(LogisticRegression(max_iter=2000), data, "classification")
    folder = tmp_path / "nested" / "figures"
    figures = visualizer(folder).plot((model, data))
    check_written(folder, CLASSIFIER_FIGURES, dict(figures.paths))
    # The default 6.4 x 4.8 inch figure at 40 dpi.
    assert png_size(figures.paths["roc_curve"]) == (256, 192)


def test_multiclass_classifier_figures(tmp_path: Path) -> None:
    data = dataset("wine", columns=13, rows=120)
    model = fitted(RandomForestClassifier(5, random_state=0), data, "classification")
    figures = visualizer(tmp_path).plot((model, data))
    check_written(tmp_path, CLASSIFIER_FIGURES, dict(figures.paths))
    # 13 features at 0.3 inch each plus margins: taller than the default figure.
    width, height = png_size(figures.paths["feature_importance"])
    assert (width, height) == (256, int(40 * (0.3 * 13 + 1.2)))


def test_regressor_figures_and_plotting_again_replaces_them(tmp_path: Path) -> None:
    data = dataset("diabetes", columns=10, rows=150)
    model = fitted(LinearRegression(), data, "regression")
    before = data.features.copy()
    first = visualizer(tmp_path, dpi=30).plot((model, data))
    check_written(tmp_path, REGRESSOR_FIGURES, dict(first.paths))
    assert png_size(first.paths["residuals"]) == (192, 144)
    second = visualizer(tmp_path, dpi=50).plot((model, data))
    assert first == second
    assert png_size(second.paths["residuals"]) == (320, 240)
    check_written(tmp_path, REGRESSOR_FIGURES, dict(second.paths))
    pd.testing.assert_frame_equal(data.features, before)


def test_one_class_and_no_importances_still_write_the_other_figures(tmp_path: Path) -> None:
    data = dataset("breast_cancer", columns=3, rows=80)
    model = fitted(DummyClassifier(), data, "classification")
    # Curves are undefined on rows of one class: the figures say so rather than vanish;
    # a dummy model has no importances, so that figure is skipped.
    only_ones = data.target == 1
    part = Labelled(data.features[only_ones], data.target[only_ones])
    figures = visualizer(tmp_path).plot((model, part))
    check_written(tmp_path, CLASSIFIER_FIGURES - {"feature_importance"}, dict(figures.paths))


def test_a_failed_save_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = dataset("diabetes", columns=4, rows=60)
    model = fitted(LinearRegression(), data, "regression")

    def broken(self: Figure, target: Path, **_: object) -> None:
        target.write_bytes(b"half a png")
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken)
    with pytest.raises(StepFailure, match="disk full"):
        visualizer(tmp_path).plot((model, data))
    assert list(tmp_path.iterdir()) == []


def test_plot_is_an_effect_and_refuses_a_missing_column(tmp_path: Path) -> None:
    data = dataset("diabetes", columns=4, rows=60)
    model = fitted(LinearRegression(), data, "regression")
    plot = visualizer(tmp_path).plot
    assert plot.meta.effect
    with pytest.raises(StepFailure) as caught:
        plot((model, Labelled(data.features.drop(columns="bmi"), data.target)))
    assert isinstance(caught.value.failure.cause, DataError)
    assert "'bmi'" in str(caught.value.failure.cause)
    assert not any(tmp_path.iterdir())


def test_settings_decode_through_the_converter_and_build(tmp_path: Path) -> None:
    converter = make_converter(Registry(KINDS))
    config = converter.structure(
        {"type": "matplotlib_visualizer", "folder": str(tmp_path), "dpi": 72, "top_features": 5},
        ComponentConfig,
    )
    assert config.settings == VisualizerSettings(folder=str(tmp_path), dpi=72, top_features=5)
    assert isinstance(KINDS[0].build(config.settings), ModelVisualizer)
    default = converter.structure({"type": "matplotlib_visualizer"}, ComponentConfig)
    assert default.settings == VisualizerSettings()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (VisualizerSettings(dpi=0), "dpi"),
        (VisualizerSettings(top_features=0), "top_features"),
        (VisualizerSettings(folder=" "), "folder"),
    ],
)
def test_bad_settings_are_refused_when_built(settings: VisualizerSettings, message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        matplotlib_visualizer(settings)
