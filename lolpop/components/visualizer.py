"""`matplotlib_visualizer`: a fitted model's standard figures, written as PNG files.

Design notes:

- No pyplot. Each figure is a `matplotlib.figure.Figure` with its own Agg canvas, so
  nothing global is touched (no backend switch, no figure registry to leak into, no
  GUI), and steps may draw in several threads at once. No layout engine either: it
  costs more than the drawing itself, so margins are fixed (the importance chart
  makes room for its longest feature name).
- Files appear whole or not at all: each is written to a temporary file in the target
  folder and moved over the final name with `os.replace`, so a reader never sees half a
  PNG and a failed save leaves nothing behind.
- What is drawn depends on the task:

  - classification: `confusion_matrix` (counts, rows actual, columns predicted),
    `roc_curve` and `pr_curve` (the positive class `classes_[1]` of two; one
    one-vs-rest curve per class of more), from `predict_proba`, else
    `decision_function` (both curves are skipped for a model with neither);
  - regression: `residuals` (actual minus predicted, against predicted) and
    `predicted_vs_actual` (with the identity line);
  - both: `feature_importance`, the `top_features` largest of `feature_importances_`
    (trees) or of the mean `|coef_|` over classes (linear models; scale-dependent),
    skipped for a model with neither.

  A class with no positive or no negative row in the data has no curve; when no class
  has one, the figure says so in place of curves, so the set of files does not change
  with the data.
- The plot step is an effect (it writes files); the figures are returned by name
  (`confusion_matrix`, ...) with absolute paths.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from attrs import field, frozen

from lolpop._lazy import np, pd
from lolpop.components._errors import DataError
from lolpop.components._files import write_atomically
from lolpop.components._kinds import make_kind
from lolpop.components.explainer import model_features
from lolpop.components.records import (
    Classification,
    Figures,
    FittedModel,
    Labelled,
    ModelVisualizer,
    TaskKind,
)
from lolpop.config.records import OUTPUT_PATH
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step
from lolpop.errors import DefinitionError

if TYPE_CHECKING:
    import numpy.typing as npt
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_Floats: TypeAlias = "npt.NDArray[np.float64]"

#: A figure's size in inches (matplotlib's default); importance charts grow with features.
_WIDTH, _HEIGHT = 6.4, 4.8
#: Feature names longer than this are cut in the importance chart.
_LONGEST_NAME = 40


@frozen
class VisualizerSettings:
    """`matplotlib_visualizer`: where figures go and how they are drawn."""

    #: The folder the PNG files are written into (created if missing).
    folder: str = field(default="figures", metadata=OUTPUT_PATH)
    #: The figures' resolution, in dots per inch.
    dpi: int = 100
    #: How many features the importance chart shows, the largest first.
    top_features: int = 20


def matplotlib_visualizer(settings: VisualizerSettings) -> ModelVisualizer:
    """Confusion matrix, ROC and PR curves, residuals, importance: PNG files."""
    if not settings.folder.strip():
        raise DefinitionError("matplotlib_visualizer: folder must name a folder; it is empty.")
    if settings.dpi < 1:
        raise DefinitionError(f"matplotlib_visualizer: dpi must be positive, not {settings.dpi}.")
    if settings.top_features < 1:
        raise DefinitionError(
            f"matplotlib_visualizer: top_features must be at least 1, not {settings.top_features}."
        )

    def plot(inputs: tuple[FittedModel[TaskKind], Labelled]) -> Figures:
        """Draw the model's figures on labelled data and save them as PNG files."""
        model, data = inputs
        return draw_figures(model, data, settings)

    return ModelVisualizer(plot=make_step(plot, name="plot", effect=True))


def draw_figures(
    model: FittedModel[TaskKind], data: Labelled, settings: VisualizerSettings
) -> Figures:
    """Draw every figure that applies to `model` on `data`, and save each in the folder."""
    features = model_features(model, data.features)
    if len(features) == 0:
        raise DataError("the model's figures need labelled rows; the frame has none.")
    folder = Path(settings.folder).resolve()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(f"cannot create the figures folder {str(folder)!r}: {error}.") from error
    truth = data.target
    if model.task is Classification:
        drawings = _classifier_figures(model, features, truth)
    else:
        drawings = _regressor_figures(model, features, truth)
    importance = _importance_figure(model, settings.top_features)
    if importance is not None:
        drawings["feature_importance"] = importance
    paths: dict[str, str] = {}
    for name, draw in drawings.items():
        figure, axes = _figure()
        draw(figure, axes)
        paths[name] = _save(figure, folder / f"{name}.png", settings.dpi)
    return Figures(paths=paths)


#: Draws one figure on a fresh figure and its axes.
_Drawing = Callable[["Figure", "Axes"], None]


def _figure() -> tuple[Figure, Axes]:
    """A figure on its own Agg canvas (never pyplot: no global state)."""
    from matplotlib.backends.backend_agg import (  # noqa: PLC0415 (heavy: imported on use)
        FigureCanvasAgg,
    )
    from matplotlib.figure import Figure  # noqa: PLC0415 (heavy: imported on use)

    # No layout engine: it costs more than drawing the figure; margins are set by hand.
    figure = Figure(figsize=(_WIDTH, _HEIGHT))
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _save(figure: Figure, target: Path, dpi: int) -> str:
    """Write `figure` to `target` atomically (a temporary file, then a rename)."""
    write_atomically(target, lambda temporary: figure.savefig(temporary, format="png", dpi=dpi))
    return str(target)


# --- classifiers -------------------------------------------------------------------


def _classifier_figures(
    model: FittedModel[TaskKind], features: pd.DataFrame, truth: pd.Series
) -> dict[str, _Drawing]:
    estimator = model.estimator
    classes = list(getattr(estimator, "classes_", model.classes))
    predicted = np.asarray(estimator.predict(features))
    actual = truth.to_numpy()
    drawings: dict[str, _Drawing] = {
        "confusion_matrix": lambda figure, axes: _draw_confusion(
            figure, axes, actual, predicted, classes
        )
    }
    scores = _class_scores(estimator, features, len(classes))
    if scores is not None:
        # Two classes: the positive one only; more: one-vs-rest, one curve per class.
        shown = [1] if len(classes) == 2 else list(range(len(classes)))
        curves = [(str(classes[k]), actual == classes[k], scores[:, k]) for k in shown]
        drawings["roc_curve"] = lambda _, axes: _draw_roc(axes, curves)
        drawings["pr_curve"] = lambda _, axes: _draw_pr(axes, curves)
    return drawings


def _class_scores(estimator: object, features: pd.DataFrame, count: int) -> _Floats | None:
    """One score column per class: probabilities, else decision values, else None."""
    method = getattr(estimator, "predict_proba", None) or getattr(
        estimator, "decision_function", None
    )
    if method is None:
        return None
    scores = np.asarray(method(features), dtype=np.float64)
    if scores.ndim == 1:
        # A binary decision_function scores the positive class; the negative is its mirror.
        scores = np.column_stack([-scores, scores])
    if scores.shape[1] != count:
        return None
    return scores


def _draw_confusion(
    figure: Figure,
    axes: Axes,
    actual: npt.NDArray[np.generic],
    predicted: npt.NDArray[np.generic],
    classes: Sequence[object],
) -> None:
    from sklearn.metrics import confusion_matrix  # noqa: PLC0415 (heavy: imported on use)

    counts = confusion_matrix(actual, predicted, labels=np.asarray(classes))
    image = axes.imshow(counts, cmap="Blues")
    figure.colorbar(image, ax=axes)
    labels = [str(c) for c in classes]
    axes.set_xticks(range(len(labels)), labels=labels)
    axes.set_yticks(range(len(labels)), labels=labels)
    middle = counts.max() / 2 if counts.size else 0
    for (row, column), count in np.ndenumerate(counts):
        colour = "white" if count > middle else "black"
        axes.text(column, row, str(count), ha="center", va="center", color=colour)
    axes.set_xlabel("predicted")
    axes.set_ylabel("actual")
    axes.set_title("Confusion matrix")


#: One curve: its label, which rows are positive, and their scores.
_Curve: TypeAlias = "tuple[str, npt.NDArray[np.bool_], _Floats]"


def _drawable(curves: Sequence[_Curve]) -> list[_Curve]:
    """The curves whose class has both positive and negative rows (others are undefined)."""
    return [curve for curve in curves if 0 < curve[1].sum() < len(curve[1])]


def _no_curves(axes: Axes) -> None:
    axes.text(
        0.5,
        0.5,
        "undefined: no class has both positive and negative rows",
        ha="center",
        va="center",
        transform=axes.transAxes,
    )


def _draw_roc(axes: Axes, curves: Sequence[_Curve]) -> None:
    from sklearn.metrics import auc, roc_curve  # noqa: PLC0415 (heavy: imported on use)

    drawable = _drawable(curves)
    for label, positive, score in drawable:
        false_positive, true_positive, _ = roc_curve(positive, score)
        area = auc(false_positive, true_positive)
        axes.plot(false_positive, true_positive, label=f"{label} (AUC {area:.3f})")
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance")
    if drawable:
        axes.legend(loc="lower right")
    else:
        _no_curves(axes)
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.02)
    axes.set_xlabel("false positive rate")
    axes.set_ylabel("true positive rate")
    axes.set_title("ROC curve")


def _draw_pr(axes: Axes, curves: Sequence[_Curve]) -> None:
    from sklearn.metrics import (  # noqa: PLC0415 (heavy: imported on use)
        average_precision_score,
        precision_recall_curve,
    )

    drawable = _drawable(curves)
    for label, positive, score in drawable:
        precision, recall, _ = precision_recall_curve(positive, score)
        average = average_precision_score(positive, score)
        axes.plot(recall, precision, drawstyle="steps-post", label=f"{label} (AP {average:.3f})")
    if drawable:
        axes.legend(loc="lower left")
    else:
        _no_curves(axes)
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.02)
    axes.set_xlabel("recall")
    axes.set_ylabel("precision")
    axes.set_title("Precision-recall curve")


# --- regressors --------------------------------------------------------------------


def _regressor_figures(
    model: FittedModel[TaskKind], features: pd.DataFrame, truth: pd.Series
) -> dict[str, _Drawing]:
    predicted = np.asarray(model.estimator.predict(features), dtype=np.float64).ravel()
    actual = truth.to_numpy(dtype=np.float64)
    return {
        "residuals": lambda _, axes: _draw_residuals(axes, actual, predicted),
        "predicted_vs_actual": lambda _, axes: _draw_predicted(axes, actual, predicted),
    }


def _draw_residuals(axes: Axes, actual: _Floats, predicted: _Floats) -> None:
    axes.scatter(predicted, actual - predicted, s=12, alpha=0.6)
    axes.axhline(0.0, color="grey", linestyle="--")
    axes.set_xlabel("predicted")
    axes.set_ylabel("residual (actual - predicted)")
    axes.set_title("Residuals")


def _draw_predicted(axes: Axes, actual: _Floats, predicted: _Floats) -> None:
    axes.scatter(actual, predicted, s=12, alpha=0.6)
    low = float(min(actual.min(), predicted.min()))
    high = float(max(actual.max(), predicted.max()))
    axes.plot([low, high], [low, high], color="grey", linestyle="--", label="predicted = actual")
    axes.legend(loc="upper left")
    axes.set_xlabel("actual")
    axes.set_ylabel("predicted")
    axes.set_title("Predicted against actual")


# --- both --------------------------------------------------------------------------


def _importances(model: FittedModel[TaskKind]) -> tuple[_Floats, str] | None:
    """The model's own importance per feature, and what it is; None when it has none."""
    estimator = model.estimator
    own = getattr(estimator, "feature_importances_", None)
    if own is not None:
        values, label = np.asarray(own, dtype=np.float64).ravel(), "impurity importance"
    else:
        coef = getattr(estimator, "coef_", None)
        if coef is None:
            return None
        magnitudes = np.abs(np.atleast_2d(np.asarray(coef, dtype=np.float64)))
        values, label = magnitudes.mean(axis=0), "mean |coefficient| (scale-dependent)"
    if len(values) != len(model.features):
        return None
    return values, label


def _importance_figure(model: FittedModel[TaskKind], top: int) -> _Drawing | None:
    found = _importances(model)
    if found is None:
        return None
    values, label = found
    order = np.argsort(-values, kind="stable")[:top]
    names = [_shorten(model.features[i]) for i in order]

    def draw(figure: Figure, axes: Axes) -> None:
        height = max(3.0, 0.3 * len(names) + 1.2)
        figure.set_size_inches(_WIDTH, height)
        # Room on the left for the longest name, at about 0.075 inch a character of
        # 10-point text; in inches below and above for the label and the title.
        left = min(0.6, (0.25 + 0.075 * max(len(name) for name in names)) / _WIDTH)
        figure.subplots_adjust(left=left, right=0.95, bottom=0.6 / height, top=1 - 0.4 / height)
        # barh draws bottom-up: reverse so the largest is on top.
        axes.barh(range(len(names)), values[order][::-1])
        axes.set_yticks(range(len(names)), labels=names[::-1])
        axes.set_xlabel(label)
        axes.set_title(f"Feature importance (top {len(names)} of {len(values)})")

    return draw


def _shorten(name: str) -> str:
    return name if len(name) <= _LONGEST_NAME else name[: _LONGEST_NAME - 1] + "\u2026"


KINDS: tuple[ComponentKind, ...] = (
    make_kind(
        "matplotlib_visualizer",
        VisualizerSettings,
        matplotlib_visualizer,
        "Confusion matrix, ROC/PR curves, residuals and importance, saved as PNG files.",
    ),
)
