"""`@step`: typed functions become steps; untyped ones are refused with a clear error."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Protocol, TypedDict, runtime_checkable

import attrs
import pytest
from beartype.roar import BeartypeCallHintParamViolation, BeartypeCallHintReturnViolation
from returns.pipeline import is_successful

from lolpop import DefinitionError, Step, StepFailure, make_step, run, step
from lolpop.core.step import Leaf


def test_step_keeps_name_types_and_first_docstring_paragraph() -> None:
    @step
    def parse(text: str) -> int:
        """Parse a number.

        More detail that is not the summary.
        """
        return int(text)

    assert isinstance(parse, Step)
    assert isinstance(parse.node, Leaf)
    assert (parse.name, parse.in_type, parse.out_type) == ("parse", str, int)
    assert parse.meta.description == "Parse a number."
    assert parse.meta.effect is False
    assert parse("12") == 12


def test_step_with_settings() -> None:
    @step(name="save", effect=True, description="Write it out.")
    def write(x: int) -> int:
        return x

    assert (write.name, write.meta.effect, write.meta.description) == (
        "save",
        True,
        "Write it out.",
    )


def test_unannotated_argument_is_refused_naming_function_and_argument() -> None:
    def clean(frame) -> int:  # type: ignore[no-untyped-def]  # the mistake under test
        return 0

    with pytest.raises(
        DefinitionError, match=r"clean cannot be a step: its argument 'frame' is not annotated"
    ):
        step(clean)


def test_unannotated_return_is_refused() -> None:
    def clean(frame: int):  # type: ignore[no-untyped-def]  # the mistake under test
        return frame

    with pytest.raises(DefinitionError, match="its return type is not annotated"):
        step(clean)


def test_fully_unannotated_function_names_both_missing_annotations() -> None:
    with pytest.raises(DefinitionError, match="argument 'x' and return type are not annotated"):
        make_step(lambda x: x)


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("def f() -> int:\n    return 1", "takes (none)"),
        ("def f(a: int, b: int) -> int:\n    return a", "takes (a, b)"),
        ("def f(*, a: int) -> int:\n    return a", "takes (a)"),
    ],
)
def test_functions_without_exactly_one_positional_argument_are_refused(
    source: str, shown: str
) -> None:
    namespace: dict[str, object] = {}
    exec(source, namespace)
    with pytest.raises(
        DefinitionError, match=rf"exactly one required positional argument; .*{re.escape(shown)}"
    ):
        make_step(namespace["f"])  # type: ignore[arg-type]  # built by exec: its type is unknown


def test_a_coroutine_function_is_refused_when_it_is_made_a_step() -> None:
    # Its call returns a coroutine that no backend awaits: with `check=False` the run
    # succeeded with the coroutine object as the step's value.
    async def fetch(n: int) -> int:
        return n

    async def numbers(n: int) -> AsyncIterator[int]:
        yield n

    for fn in (fetch, numbers):
        for check in (True, False):
            with pytest.raises(DefinitionError, match="is async") as caught:
                make_step(fn, check=check)
            assert "A step is a plain function" in str(caught.value)


def test_extra_arguments_with_defaults_are_allowed() -> None:
    def scale(x: int, factor: int = 3) -> int:
        return x * factor

    assert make_step(scale)(2) == 6


def test_unresolvable_annotation_is_a_definition_error() -> None:
    namespace: dict[str, object] = {}
    exec("def f(x: 'NoSuchType') -> int:\n    return 1", namespace)
    with pytest.raises(DefinitionError, match="cannot resolve the type annotations"):
        make_step(namespace["f"])  # type: ignore[arg-type]  # built by exec: its type is unknown


@pytest.mark.parametrize("name", ["", "a/b", "a#2", " padded"])
def test_bad_names_are_refused(name: str) -> None:
    def f(x: int) -> int:
        return x

    with pytest.raises(DefinitionError, match="a step name must be non-empty"):
        make_step(f, name=name)


def test_wrong_input_type_is_caught_at_call_time() -> None:
    @step
    def inc(x: int) -> int:
        return x + 1

    result = run(inc, "one")  # type: ignore[misc]  # the mistake under test
    assert not is_successful(result)
    failure = result.failure()
    assert failure.path == "inc"
    assert failure.input_type == "str"
    assert isinstance(failure.cause, BeartypeCallHintParamViolation)


def test_wrong_output_type_is_caught_at_call_time() -> None:
    @step
    def liar(x: int) -> int:
        return str(x)  # type: ignore[return-value]  # the mistake under test

    with pytest.raises(StepFailure) as raised:
        liar(1)
    assert isinstance(raised.value.failure.cause, BeartypeCallHintReturnViolation)


def test_numeric_tower_accepts_int_for_float_at_call_time() -> None:
    @step
    def half(x: float) -> float:
        return x / 2

    assert half(3) == 1.5


def test_unchecked_step_skips_the_call_time_check() -> None:
    @step(check=False)
    def inc(x: int) -> int:
        return x + 1

    assert inc(1.5) == 2.5  # type: ignore[arg-type]  # unchecked on purpose


def test_bound_methods_can_be_steps() -> None:
    class Scaler:
        def __init__(self, factor: int) -> None:
            self.factor = factor

        def apply(self, x: int) -> int:
            return x * self.factor

    scaled = make_step(Scaler(4).apply)
    assert (scaled.name, scaled(2)) == ("apply", 8)


@runtime_checkable
class _Named(Protocol):
    name: str


class _Keyed(TypedDict):
    name: str


@attrs.frozen
class _Record:
    name: str


@pytest.mark.parametrize(
    ("wanted", "good", "bad"),
    [
        (int, 1, "one"),  # a plain class: checked by isinstance
        (float, 1, "1.0"),  # the numeric tower, on the isinstance path
        (complex, 1.5, b"1"),
        (_Record, _Record("a"), "a"),  # an attrs record
        (list[int], [1, 2], ["1"]),  # generic: beartype (which samples one item)
        (int | None, None, 1.5),  # a union
        (_Named, _Record("a"), 3),  # a protocol: structural, beartype's
        (_Keyed, {"name": "a"}, ["name"]),  # a TypedDict: a mapping, beartype's
    ],
)
def test_every_kind_of_hint_refuses_a_wrong_input_with_beartypes_violation(
    wanted: object, good: object, bad: object
) -> None:
    def echo(x: object) -> object:
        return x

    echo.__annotations__ = {"x": wanted, "return": wanted}
    checked = make_step(echo)
    assert checked(good) == good
    with pytest.raises(StepFailure) as raised:
        checked(bad)
    assert isinstance(raised.value.failure.cause, BeartypeCallHintParamViolation)
    assert "violates type hint" in str(raised.value.failure.cause)


def test_a_plain_class_check_names_the_function_parameter_and_value() -> None:
    @step
    def inc(x: int) -> int:
        return x + 1

    with pytest.raises(StepFailure) as raised:
        inc("one")  # type: ignore[arg-type]  # the mistake under test
    message = str(raised.value.failure.cause)
    # beartype's wording, so a message reads the same whichever path checked it
    assert "inc() parameter x='one' violates type hint <class 'int'>, as str 'one' not" in message


def test_a_run_of_plainly_typed_steps_imports_neither_beartype_nor_the_other_backends() -> None:
    # Importing beartype costs ~0.1 s of a whole process (with the garbage collection it
    # triggers), the fewest-features workflow's margin over a plain script (issue 16).
    script = (
        "import sys\n"
        "from lolpop import run, step\n"
        "@step\n"
        "def inc(x: int) -> int:\n"
        "    return x + 1\n"
        "assert run(inc >> inc, 1).unwrap() == 3\n"
        "heavy = {'beartype', 'lolpop.backends.dry_run_backend', 'lolpop.backends.cache'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert shown.stdout.strip() == "[]"
