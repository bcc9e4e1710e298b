"""The log notifier: one `[LEVEL] subject: text` line per message at or above a level."""

from __future__ import annotations

import logging

import pytest
from cattrs.errors import ClassValidationError

from lolpop.components.notifier import (
    KINDS,
    LogNotifierSettings,
    format_message,
    level_passes,
    log_notifier,
)
from lolpop.components.records import Level, Message, Notifier
from lolpop.config.converter import make_converter, problems_of
from lolpop.config.records import ComponentConfig
from lolpop.config.registry import Registry

WARNING = Message(Level.WARNING, "3 columns drifted", subject="drift")
INFO = Message(Level.INFO, "training started")
ERROR = Message(Level.ERROR, "the data check failed", subject="nightly")


def test_messages_go_to_the_named_logger_at_their_level(
    caplog: pytest.LogCaptureFixture,
) -> None:
    notifier = log_notifier(LogNotifierSettings(logger="lolpop.test.notify"))
    with caplog.at_level(logging.INFO, logger="lolpop.test.notify"):
        assert notifier.notify(WARNING) is WARNING
        assert notifier.notify(INFO) is INFO
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("lolpop.test.notify", logging.WARNING, "[WARNING] drift: 3 columns drifted"),
        ("lolpop.test.notify", logging.INFO, "[INFO] lolpop: training started"),
    ]


def test_stdout_and_stderr_get_one_line_each(capsys: pytest.CaptureFixture[str]) -> None:
    log_notifier(LogNotifierSettings(stream="stdout")).notify(ERROR)
    log_notifier(LogNotifierSettings(stream="stderr")).notify(INFO)
    captured = capsys.readouterr()
    assert captured.out == "[ERROR] nightly: the data check failed\n"
    assert captured.err == "[INFO] lolpop: training started\n"


def test_messages_below_the_minimum_level_are_not_written_but_returned(
    capsys: pytest.CaptureFixture[str],
) -> None:
    notifier = log_notifier(LogNotifierSettings(stream="stdout", min_level="WARNING"))
    assert notifier.notify(INFO) is INFO
    assert notifier.notify(WARNING) is WARNING
    assert notifier.notify(ERROR) is ERROR
    assert capsys.readouterr().out.splitlines() == [
        "[WARNING] drift: 3 columns drifted",
        "[ERROR] nightly: the data check failed",
    ]


def test_level_passes_and_format_message() -> None:
    assert [level_passes(m, "WARNING") for m in (INFO, WARNING, ERROR)] == [False, True, True]
    assert [level_passes(m, "INFO") for m in (INFO, WARNING, ERROR)] == [True, True, True]
    assert [level_passes(m, "ERROR") for m in (INFO, WARNING, ERROR)] == [False, False, True]
    assert format_message(INFO) == "[INFO] lolpop: training started"


def test_settings_decode_through_the_converter(capsys: pytest.CaptureFixture[str]) -> None:
    converter = make_converter(Registry(KINDS))
    config = converter.structure(
        {"type": "log_notifier", "stream": "stdout", "min_level": "ERROR"}, ComponentConfig
    )
    assert config.settings == LogNotifierSettings(
        logger="lolpop", stream="stdout", min_level="ERROR"
    )
    notifier = KINDS[0].build(config.settings)
    assert isinstance(notifier, Notifier)
    assert notifier.notify.meta.effect
    notifier.notify(WARNING)
    notifier.notify(ERROR)
    assert capsys.readouterr().out == "[ERROR] nightly: the data check failed\n"
    assert converter.structure({"type": "log_notifier"}, ComponentConfig).settings == (
        LogNotifierSettings()
    )
    with pytest.raises(ClassValidationError) as raised:
        converter.structure({"type": "log_notifier", "min_level": "DEBUG"}, ComponentConfig)
    assert [p.path for p in problems_of(raised.value)] == ["$.min_level"]
