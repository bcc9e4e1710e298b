"""The component reference: every kind and runner with its settings, and docs/components.md."""

from __future__ import annotations

import difflib
import subprocess
import sys
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import attrs
from attrs import Factory, field, frozen
from typer.testing import CliRunner

from lolpop.cli import app
from lolpop.components import catalogue
from lolpop.components._kinds import make_kind
from lolpop.components.records import Message, Notifier
from lolpop.config.reference import (
    REGENERATE,
    builtin_reference,
    default_text,
    make_reference,
    reference_markdown,
    type_text,
)
from lolpop.config.registry import BUILTINS, RUNNERS
from lolpop.core.decorator import make_step

DOCS = Path(__file__).resolve().parents[2] / "docs" / "components.md"

runner = CliRunner()


@frozen
class BulbSettings:
    """The bulb a lamp holds."""

    #: Its socket, e.g. `E27`.
    socket: str = "E27"


@frozen
class LampSettings:
    """`type: lamp`: a lamp. `colour` is the light's colour name; the rest is below."""

    #: What the lamp is called in messages.
    label: str
    #: How bright, from 0 to 1.
    brightness: float = 0.5
    #: The rooms it lights, one after another,
    #: in this order.
    rooms: tuple[str, ...] = ()
    watts: int | None = None
    colour: str = "white"
    mode: Literal["on", "off"] = "on"  #: Whether it shines.
    bulb: BulbSettings = BulbSettings()
    tags: Mapping[str, str] = Factory(dict)


def _shine(message: Message) -> Message:
    return message


def lamp(settings: LampSettings) -> Notifier:
    """Shines a light on each message, for a test."""
    return Notifier(make_step(_shine, name=settings.label))


LAMP = make_kind("lamp", LampSettings, lamp)


def _lamp_fields() -> Mapping[str, tuple[str, str, str | None, str]]:
    found = make_reference([LAMP], []).find_kind("lamp")
    assert found is not None
    return {
        setting.name: (setting.name, setting.type, setting.default, setting.meaning)
        for record in found.records
        for setting in record.fields
    }


# --- the docs file ---------------------------------------------------------------------


def test_docs_file_matches_the_settings_records() -> None:
    expected = reference_markdown()
    found = DOCS.read_text(encoding="utf-8") if DOCS.exists() else ""
    diff = "".join(
        list(
            difflib.unified_diff(
                found.splitlines(keepends=True),
                expected.splitlines(keepends=True),
                "docs/components.md",
                "generated",
            )
        )[:40]
    )
    assert found == expected, (
        f"docs/components.md is out of date with the settings records: regenerate it with "
        f"`{REGENERATE}` (from the repository's root).\n{diff}"
    )


def test_docs_file_says_it_is_generated_and_how_to_regenerate_it() -> None:
    head = reference_markdown().splitlines()[:4]
    assert any("generated" in line.lower() and REGENERATE in line for line in head)


def test_the_module_writes_the_docs_file(tmp_path: Path) -> None:
    target = tmp_path / "docs" / "components.md"
    done = subprocess.run(
        [sys.executable, "-m", "lolpop.config.reference", "--write", str(target)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert target.read_text(encoding="utf-8") == reference_markdown()
    assert str(target) in done.stdout


# --- every kind is there ---------------------------------------------------------------


def test_every_registered_component_kind_and_runner_appears() -> None:
    reference = builtin_reference()
    markdown = reference.to_markdown()
    text = reference.to_text()
    tags = set(catalogue.MODULES)
    assert tags <= set(BUILTINS.kinds)
    for tag in tags:
        assert reference.find_kind(tag) is not None, tag
        assert f"### `{tag}`" in markdown
        assert f"\n  {tag}: " in text
    for tag in RUNNERS.kinds:
        assert f"### `{tag}` runner" in markdown
        assert f"Runner {tag}: " in text


def test_every_component_type_of_the_records_module_appears() -> None:
    from lolpop.components import records  # noqa: PLC0415

    names = {component.name for component in builtin_reference().components}
    for name in ("DataConnector", "ModelTrainer", "MetricsEvaluator", "Notifier", "BiasChecker"):
        assert name in names
    assert "Labelled" not in names  # a value, not a record of steps
    assert names >= {
        name
        for name, value in vars(records).items()
        if isinstance(value, type)
        and value.__module__ == records.__name__
        and any(
            typing.get_origin(hint) is not None and typing.get_origin(hint).__name__ == "Step"
            for hint in typing.get_type_hints(value).values()
        )
    }


def test_each_kind_is_listed_under_the_component_type_it_builds() -> None:
    reference = builtin_reference()
    kinds_of = {c.name: {k.tag for k in c.kinds} for c in reference.components}
    assert {"csv", "parquet", "sql", "sklearn_dataset"} <= kinds_of["DataConnector"]
    assert {"classification_metrics", "regression_metrics"} <= kinds_of["MetricsEvaluator"]
    metrics = reference.find_kind("regression_metrics")
    assert metrics is not None
    assert metrics.provides == "MetricsEvaluator[Regression]"


def test_a_runner_lists_its_slots_stages_and_settings() -> None:
    found = builtin_reference().find_runner("classification")
    assert found is not None
    assert found.stages[0] == "build_all"
    slots = {slot.name: slot for slot in found.slots}
    assert slots["data"].need == "required"
    assert slots["metrics"].need == "default"
    assert slots["tuner"].need == "optional"
    assert slots["trainer"].type == "ModelTrainer[Classification]"
    assert slots["data"].meaning == "where the training data is read from"
    # A slot without a description: its `#:` comment in the components record.
    assert slots["prediction_checker"].meaning.startswith("Checks the prediction file")
    settings = {s.name: s for record in found.records for s in record.fields}
    assert {"target", "model_name", "work_dir", "approval", "min_improvement"} <= set(settings)
    assert settings["target"].meaning.startswith("The column to predict")
    # A record-valued setting without a comment: its record's summary.
    assert settings["approval"].meaning.startswith("When a newly trained model version")


# --- meanings --------------------------------------------------------------------------


def test_a_fields_comment_is_its_meaning() -> None:
    fields = _lamp_fields()
    assert fields["label"][3] == "What the lamp is called in messages."
    assert fields["brightness"][3] == "How bright, from 0 to 1."
    assert fields["rooms"][3] == "The rooms it lights, one after another, in this order."
    assert fields["mode"][3] == "Whether it shines."  # a comment after the field


def test_without_a_comment_the_meaning_comes_from_the_docstring_or_the_record() -> None:
    fields = _lamp_fields()
    assert fields["colour"][3] == "`colour` is the light's colour name"
    assert fields["bulb"][3] == "The bulb a lamp holds."
    assert fields["socket"][3] == "Its socket, e.g. `E27`."  # the nested record's own field


def test_a_field_without_a_meaning_is_reported() -> None:
    reference = make_reference([LAMP], [])
    assert _lamp_fields()["watts"][3] == ""
    assert reference.undocumented() == ("lamp: watts", "lamp: tags")
    assert "watts: int | None = None\n        (undocumented)" in reference.to_text()
    assert "| `watts` | `int \\| None` | `None` | (undocumented) |" in reference.to_markdown()


def test_every_setting_of_the_built_in_component_kinds_has_a_meaning() -> None:
    missing = attrs.evolve(builtin_reference(), runners=()).undocumented()
    assert missing == (), (
        "these settings have no meaning: add a one-line `#:` comment above each field in its "
        f"settings record: {', '.join(missing)}"
    )


def test_every_setting_of_the_built_in_runners_has_a_meaning() -> None:
    assert attrs.evolve(builtin_reference(), components=()).undocumented() == ()


# --- how types and defaults read -------------------------------------------------------


def test_types_read_as_python_writes_them() -> None:
    fields = _lamp_fields()
    assert fields["label"][1] == "str"
    assert fields["rooms"][1] == "tuple[str, ...]"
    assert fields["watts"][1] == "int | None"
    assert fields["mode"][1] == "Literal['on', 'off']"
    assert fields["tags"][1] == "Mapping[str, str]"
    assert fields["bulb"][1] == "BulbSettings"
    assert type_text(Literal["ratio", "column", "time"]) == "Literal['ratio', 'column', 'time']"
    splitter = builtin_reference().find_kind("splitter")
    assert splitter is not None
    method = next(f for f in splitter.records[0].fields if f.name == "method")
    assert method.type == "Literal['ratio', 'column', 'time']"


def test_defaults_read_as_values_or_required() -> None:
    fields = _lamp_fields()
    assert fields["label"][2] is None
    assert fields["brightness"][2] == "0.5"
    assert fields["rooms"][2] == "()"
    assert fields["tags"][2] == "{}"
    assert fields["bulb"][2] == "BulbSettings()"
    assert fields["colour"][2] == "'white'"
    assert "label: str (required)" in make_reference([LAMP], []).to_text()


@frozen
class _Computed:
    """A record whose default depends on another field."""

    size: int = 1
    double: int = field(default=Factory(lambda self: 2 * self.size, takes_self=True))


def test_a_default_computed_from_other_fields_says_so() -> None:
    assert default_text(attrs.fields(_Computed).double) == "computed from the other settings"


# --- the command -----------------------------------------------------------------------


def test_the_command_lists_every_component_type_with_its_kinds_and_settings() -> None:
    result = runner.invoke(app, ["components"])
    assert result.exit_code == 0, result.output
    assert "DataConnector: Reads a frame from its source" in result.output
    assert "\n  csv: Reads and writes a CSV file." in result.output
    assert "delimiter: str = ','" in result.output
    assert "Runner classification: " in result.output


def test_the_command_shows_one_type_kind_or_runner() -> None:
    by_type = runner.invoke(app, ["components", "modeltrainer"])
    assert by_type.exit_code == 0, by_type.output
    assert "sklearn_model" in by_type.output
    assert "DataConnector" not in by_type.output
    by_tag = runner.invoke(app, ["components", "csv"])
    assert by_tag.exit_code == 0
    assert "csv: " in by_tag.output
    assert "parquet" not in by_tag.output
    by_runner = runner.invoke(app, ["components", "regression"])
    assert by_runner.exit_code == 0
    assert "Runner regression" in by_runner.output
    assert "Runner classification" not in by_runner.output
    assert "DataConnector:" not in by_runner.output


def test_the_command_prints_markdown() -> None:
    result = runner.invoke(app, ["components", "splitter", "--markdown"])
    assert result.exit_code == 0, result.output
    assert "### `splitter`" in result.output
    assert "| setting | type | default | meaning |" in result.output
    assert "| `method` | `Literal['ratio', 'column', 'time']` | `'ratio'` |" in result.output


def test_an_unknown_name_is_refused_with_a_suggestion() -> None:
    result = runner.invoke(app, ["components", "DataConector"])
    assert result.exit_code == 2
    assert "no component type, kind or runner is called 'DataConector'" in result.output
    assert "(did you mean DataConnector" in result.output


def test_the_command_stays_light() -> None:
    code = (
        "import sys\n"
        "sys.argv = ['lolpop', 'components']\n"
        "from lolpop.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as stop:\n"
        "    assert not stop.code, stop.code\n"
        "heavy = ['mlflow', 'prefect', 'sklearn', 'scipy', 'matplotlib', 'sqlalchemy']\n"
        "print('HEAVY:' + ','.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("HEAVY:")
