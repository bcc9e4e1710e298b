"""A hook's check must take the type of the value it checks: a check annotated for
another type is refused when the hook is attached (so `lolpop check` finds it), not
left to fail the run with a bare TypeError."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from lolpop.cli import app
from lolpop.errors import DefinitionError
from lolpop.testing.hooks import Hook, Side, attach_hooks, check_input, hook_checks
from tests.steps import count, positive, short

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "testing"


def anything(value: object) -> str | None:
    return None if value is not None else "got None"


def unannotated(value):  # type: ignore[no-untyped-def]  # a check may leave out its types
    return None


def hooked(check: Callable[..., object], at: Side, name: str) -> dict[str, list[Hook]]:
    return {"count": [Hook(0, "count", check, at, name)]}


@pytest.mark.parametrize(
    ("check", "at", "name", "expected"),
    [
        (
            short,
            "output",
            "short",
            "the hook 'short' cannot check the output of 'count': that step outputs int, "
            "but the check expects str (its argument 'text')",
        ),
        (
            positive,
            "input",
            "positive",
            "the hook 'positive' cannot check the input of 'count': that step takes str, "
            "but the check expects int (its argument 'n')",
        ),
    ],
)
def test_a_hook_of_another_type_than_its_step_is_refused_when_attached(
    check: Callable[..., object], at: Side, name: str, expected: str
) -> None:
    with pytest.raises(DefinitionError) as raised:
        attach_hooks(count, hooked(check, at, name))
    assert expected in str(raised.value)


def test_a_hook_in_python_is_refused_too_though_mypy_would_have_said_so() -> None:
    with pytest.raises(DefinitionError, match="that step takes str, but the check expects int"):
        check_input(count, positive)  # type: ignore[arg-type]  # the mistake under test


@pytest.mark.parametrize(
    ("check", "at"),
    [(positive, "output"), (short, "input"), (anything, "output"), (unannotated, "input")],
)
def test_a_hook_of_its_steps_type_a_wider_one_or_none_is_attached(
    check: Callable[..., object], at: Side
) -> None:
    program = attach_hooks(count, hooked(check, at, "checked"))
    assert [c.hook for c in hook_checks(program).values()] == ["checked"]
    assert program("abc") == 3


def copy_example(folder: Path, split_check: str) -> Path:
    """The testing example in `folder`, its `train/split` hook's check replaced."""
    shutil.copytree(EXAMPLE, folder, dirs_exist_ok=True)
    path = folder / "workflow.yaml"
    data = yaml.safe_load(path.read_text())
    [split] = [entry for entry in data["tests"] if entry["step"] == "train/split"]
    split["check"] = split_check
    path.write_text(yaml.safe_dump(data))
    return path


def test_lolpop_check_refuses_a_hook_of_another_type_than_its_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = copy_example(tmp_path, "examples.testing.features:two_classes")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["check", "--offline", str(config)])
    assert result.exit_code == 2, result.output
    assert (
        "the hook 'two_classes' cannot check the output of "
        "'classification-build_all/train/split': that step outputs Splits, but the check "
        "expects DataFrame (its argument 'frame')"
    ) in result.output
    assert "@ $.tests[1].check" in result.output


def test_lolpop_check_accepts_the_examples_hooks_of_the_right_types(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = copy_example(tmp_path, "examples.testing.features:test_part_has_both_classes")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["check", "--offline", str(config)])
    assert result.exit_code == 0, result.output
    assert "workflow.yaml: OK" in result.output
