"""lolpop's scikit-learn stubs (`stubs/sklearn`, shipped as `sklearn-stubs`) against the
installed scikit-learn.

A stub's base class is what types a trainer: `sklearn_trainer` makes a
`ModelTrainer[Classification]` of a factory of a `ClassifierMixin` and a
`ModelTrainer[Regression]` of a `RegressorMixin`. So every classifier and regressor the
stubbed modules export is stubbed (a module's stub hides the rest of it from mypy), with
scikit-learn's own constructor and the mixin scikit-learn's `is_classifier` /
`is_regressor` say. The stubs are read with `ast` (mypy is not run here): a release of
scikit-learn that adds an estimator, or changes a constructor, fails a test here.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from attrs import frozen
from sklearn.base import is_classifier, is_regressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.utils import all_estimators

STUBS = Path(__file__).resolve().parents[2] / "stubs" / "sklearn"

#: The public modules whose classifiers and regressors are all stubbed.
MODULES = (
    "sklearn.compose",
    "sklearn.cross_decomposition",
    "sklearn.discriminant_analysis",
    "sklearn.dummy",
    "sklearn.ensemble",
    "sklearn.gaussian_process",
    "sklearn.isotonic",
    "sklearn.kernel_ridge",
    "sklearn.linear_model",
    "sklearn.multiclass",
    "sklearn.multioutput",
    "sklearn.naive_bayes",
    "sklearn.neighbors",
    "sklearn.neural_network",
    "sklearn.semi_supervised",
    "sklearn.svm",
    "sklearn.tree",
)
_MIXINS = ("ClassifierMixin", "RegressorMixin")


def _required_args() -> Mapping[str, Mapping[str, object]]:
    """The arguments of the classes that cannot be made without some (meta-estimators of a
    list of estimators); every other class is made with none."""
    classifiers = {"estimators": [("model", LogisticRegression())]}
    regressors = {"estimators": [("model", LinearRegression())]}
    classifier = {"estimator": LogisticRegression()}
    regressor = {"estimator": LinearRegression()}
    return {
        "StackingClassifier": classifiers,
        "StackingRegressor": regressors,
        "VotingClassifier": classifiers,
        "VotingRegressor": regressors,
        **dict.fromkeys(
            (
                "ClassifierChain",
                "MultiOutputClassifier",
                "OneVsOneClassifier",
                "OneVsRestClassifier",
                "OutputCodeClassifier",
                "SelfTrainingClassifier",
            ),
            classifier,
        ),
        **dict.fromkeys(("MultiOutputRegressor", "RegressorChain"), regressor),
    }


@frozen
class StubClass:
    """One class of a module's stub, with the classes of that stub (to follow its bases)."""

    module: str
    node: ast.ClassDef
    siblings: Mapping[str, ast.ClassDef]

    @property
    def name(self) -> str:
        return self.node.name

    def lineage(self) -> Iterator[ast.ClassDef]:
        """This class, then its bases stubbed in the same module (breadth first)."""
        seen: set[str] = set()
        pending = [self.node]
        while pending:
            node = pending.pop(0)
            if node.name in seen:
                continue
            seen.add(node.name)
            yield node
            pending.extend(
                self.siblings[base.id]
                for base in node.bases
                if isinstance(base, ast.Name) and base.id in self.siblings
            )

    def base_names(self) -> set[str]:
        """The names of every base of the class and of its in-module ancestors."""
        return {
            base.id for node in self.lineage() for base in node.bases if isinstance(base, ast.Name)
        }

    def own_method(self, name: str) -> ast.FunctionDef | None:
        return next(
            (s for s in self.node.body if isinstance(s, ast.FunctionDef) and s.name == name),
            None,
        )

    def has_method(self, name: str) -> bool:
        return any(
            isinstance(s, ast.FunctionDef) and s.name == name
            for node in self.lineage()
            for s in node.body
        )


def _stub_file(module: str) -> Path:
    return STUBS.joinpath(*module.split(".")[1:], "__init__.pyi")


def _parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _stub_classes(module: str) -> list[StubClass]:
    path = _stub_file(module)
    if not path.exists():
        return []
    classes = {s.name: s for s in _parsed(path).body if isinstance(s, ast.ClassDef)}
    return [StubClass(module, node, classes) for node in classes.values()]


def _estimator_stubs() -> list[StubClass]:
    """The public stubbed classes that derive from a task's mixin (estimator classes)."""
    return [
        stub
        for module in MODULES
        for stub in _stub_classes(module)
        if not stub.name.startswith("_") and stub.base_names() & set(_MIXINS)
    ]


ESTIMATOR_STUBS = _estimator_stubs()


#: A parameter as both sides can say it: its name, its kind (`inspect.Parameter.kind`'s
#: name: "POSITIONAL_OR_KEYWORD", "KEYWORD_ONLY", ...) and whether it has a default.
Parameter = tuple[str, str, bool]


def _stub_parameters(function: ast.FunctionDef) -> list[Parameter]:
    """The parameters of a stubbed function, `self` left out."""
    args = function.args
    positional = [*args.posonlyargs, *args.args]
    first_default = len(positional) - len(args.defaults)
    kinds = ["POSITIONAL_ONLY"] * len(args.posonlyargs) + ["POSITIONAL_OR_KEYWORD"] * len(args.args)
    shown = [
        (arg.arg, kind, place >= first_default)
        for place, (arg, kind) in enumerate(zip(positional, kinds, strict=True))
    ]
    if args.vararg is not None:
        shown.append((args.vararg.arg, "VAR_POSITIONAL", False))
    shown += [
        (arg.arg, "KEYWORD_ONLY", default is not None)
        for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True)
    ]
    if args.kwarg is not None:
        shown.append((args.kwarg.arg, "VAR_KEYWORD", False))
    return [p for p in shown if p[0] != "self"]


def _runtime_parameters(signature: inspect.Signature) -> list[Parameter]:
    empty = inspect.Parameter.empty
    return [(p.name, p.kind.name, p.default is not empty) for p in signature.parameters.values()]


def _stub_defaults(function: ast.FunctionDef) -> dict[str, ast.expr]:
    args = function.args
    positional = [*args.posonlyargs, *args.args]
    with_defaults = positional[len(positional) - len(args.defaults) :]
    defaults = {a.arg: d for a, d in zip(with_defaults, args.defaults, strict=True)}
    defaults |= {
        a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None
    }
    return defaults


def _runtime_class(stub: StubClass) -> type:
    value = getattr(importlib.import_module(stub.module), stub.name, None)
    assert isinstance(value, type), (
        f"{stub.module}.{stub.name} is stubbed but scikit-learn has no such class there"
    )
    return value


def _made(cls: type) -> object:
    maker: Callable[..., object] = cls
    return maker(**_required_args().get(cls.__name__, {}))


@pytest.mark.parametrize("stub", ESTIMATOR_STUBS, ids=lambda s: f"{s.module}.{s.name}")
def test_a_stubbed_estimator_has_scikit_learns_constructor(stub: StubClass) -> None:
    cls = _runtime_class(stub)
    init = stub.own_method("__init__")
    assert init is not None, f"{stub.name}'s stub has no __init__ of its own"
    signature = inspect.signature(cls)
    assert _stub_parameters(init) == _runtime_parameters(signature), (
        f"{stub.module}.{stub.name}.__init__: the stub's (name, kind, has a default) differ "
        "from scikit-learn's"
    )
    # A default the stub writes as a literal (not `...`) is scikit-learn's.
    for name, default in _stub_defaults(init).items():
        if isinstance(default, ast.Constant) and default.value is Ellipsis:
            continue
        assert ast.literal_eval(default) == signature.parameters[name].default, (
            f"{stub.module}.{stub.name}({name}=...): the stub's default "
            f"{ast.unparse(default)} is not scikit-learn's {signature.parameters[name].default!r}"
        )


# PassiveAggressive* warn that they are deprecated when made (scikit-learn 1.8-1.9).
@pytest.mark.filterwarnings("ignore:Class .* is deprecated:FutureWarning")
@pytest.mark.parametrize("stub", ESTIMATOR_STUBS, ids=lambda s: f"{s.module}.{s.name}")
def test_a_stubbed_estimators_mixin_is_its_task(stub: StubClass) -> None:
    estimator = _made(_runtime_class(stub))
    bases = stub.base_names()
    assert ("ClassifierMixin" in bases) == is_classifier(estimator), (
        f"{stub.name}: is_classifier is {is_classifier(estimator)}, its stub's bases {bases}"
    )
    assert ("RegressorMixin" in bases) == is_regressor(estimator), (
        f"{stub.name}: is_regressor is {is_regressor(estimator)}, its stub's bases {bases}"
    )


@pytest.mark.parametrize("stub", ESTIMATOR_STUBS, ids=lambda s: f"{s.module}.{s.name}")
def test_a_stubbed_estimator_has_the_methods_scikit_learns_has(stub: StubClass) -> None:
    cls = _runtime_class(stub)
    for method in ("fit", "predict"):
        assert stub.has_method(method), f"{stub.name}'s stub has no {method}"
    # Some are guarded by `available_if` (SVC's predict_proba, for one): scikit-learn's
    # class has them all the same, and so does the stub.
    for method in ("predict_proba", "decision_function"):
        assert stub.has_method(method) == hasattr(cls, method), (
            f"{stub.name}: scikit-learn's class {'has' if hasattr(cls, method) else 'lacks'} "
            f"{method}; its stub must match"
        )


def test_every_classifier_and_regressor_of_the_stubbed_modules_is_stubbed() -> None:
    exported = {
        f"{module}.{name}"
        for name, cls in all_estimators(type_filter=["classifier", "regressor"])
        for module in MODULES
        if getattr(importlib.import_module(module), name, None) is cls
    }
    stubbed = {f"{stub.module}.{stub.name}" for stub in ESTIMATOR_STUBS}
    missing = sorted(exported - stubbed)
    assert not missing, (
        f"scikit-learn exports classifiers or regressors its stubs lack: {missing}. Stub "
        "each in stubs/sklearn/<module>/__init__.pyi (scikit-learn's constructor, "
        "ClassifierMixin or RegressorMixin as is_classifier/is_regressor say), or mypy "
        "says the module has no such attribute."
    )


def test_make_pipeline_has_scikit_learns_signature_and_makes_a_pipeline() -> None:
    from sklearn.pipeline import make_pipeline  # noqa: PLC0415

    stub = next(
        s
        for s in _parsed(_stub_file("sklearn.pipeline")).body
        if isinstance(s, ast.FunctionDef) and s.name == "make_pipeline"
    )
    assert _stub_parameters(stub) == _runtime_parameters(inspect.signature(make_pipeline))
    assert stub.returns is not None
    assert ast.unparse(stub.returns) == "Pipeline"
