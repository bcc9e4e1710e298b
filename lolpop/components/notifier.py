"""A notifier that writes messages to a logger or a standard stream (`type: log_notifier`).

Design notes:

- A message is written as one line, `[LEVEL] subject: text`, so it greps well and reads
  the same in a log file and a terminal.
- `min_level` filters: a message below it is not written, and the step still returns
  the message (a notifier passes its input on, whatever it sends), so a pipeline reads
  the same whether or not a notice went out.
- `stream: stdout` / `stderr` looks the stream up at each call rather than when the
  component is built, so a redirected `sys.stdout` (a test's capture, a CLI's) is used.
- `level_passes` and `format_message` are shared with the webhook notifier.
- Notifying is optional: a notifier that cannot send a message (a closed stream here, a
  webhook that answers 500 there) reports it as a warning on the `lolpop.notifier`
  logger and passes the message on, so the run goes on and decides as it would have.
  `fail_on_error: true` makes the failure a `NotifierError` that fails the step (and the
  run) instead. `report_failure` is shared with the webhook notifier.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal, TypeAlias

from attrs import frozen

from lolpop.components._kinds import make_kind
from lolpop.components.records import Level, Message, Notifier
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step
from lolpop.errors import LolpopError

#: The lowest level a notifier sends, as a config names it.
MinLevel: TypeAlias = Literal["INFO", "WARNING", "ERROR"]

#: The logger a notifier's failures are reported on, when they do not fail the run.
FAILURES_LOGGER = "lolpop.notifier"


class NotifierError(LolpopError):
    """A notifier could not send a message (raised only with `fail_on_error: true`)."""


def report_failure(error: NotifierError, fail_on_error: bool) -> None:
    """Raise `error` when the notifier's settings say so; otherwise log it as a warning
    (on `FAILURES_LOGGER`), so that an optional notice does not fail the run."""
    if fail_on_error:
        raise error
    logging.getLogger(FAILURES_LOGGER).warning(
        "%s Only the message is dropped; the workflow decides as it would have (a "
        "check's ERROR still stops it): set `fail_on_error: true` on the notifier to fail "
        "the run instead.",
        error,
    )


@frozen
class LogNotifierSettings:
    """`type: log_notifier`: messages as lines on a logger, stdout or stderr."""

    #: The logger's name (with `stream: logging`).
    logger: str = "lolpop"
    #: Where messages go: the logger named by `logger`, stdout or stderr.
    stream: Literal["logging", "stdout", "stderr"] = "logging"
    #: Messages below this level are not written.
    min_level: MinLevel = "INFO"
    #: Fail the step (and the run) when a message cannot be written, rather than warn.
    fail_on_error: bool = False


def level_passes(message: Message, min_level: MinLevel) -> bool:
    """Whether `message` is at `min_level` or above.

    >>> level_passes(Message(Level.WARNING, "disk almost full"), "ERROR")
    False
    """
    return message.level >= Level[min_level]


def format_message(message: Message) -> str:
    """`[LEVEL] subject: text`, the one line a message is written as.

    >>> format_message(Message(Level.ERROR, "the data check failed", subject="nightly"))
    '[ERROR] nightly: the data check failed'
    """
    return f"[{message.level.name}] {message.subject}: {message.text}"


def log_notifier(settings: LogNotifierSettings) -> Notifier:
    """Writes each message at or above `min_level` as a line to a logger or a stream."""
    logger = logging.getLogger(settings.logger)

    def notify(message: Message) -> Message:
        """Write the message as `[LEVEL] subject: text` (if at or above the minimum level)."""
        if not level_passes(message, settings.min_level):
            return message
        line = format_message(message)
        if settings.stream == "logging":
            logger.log(int(message.level), "%s", line)
        else:
            stream = sys.stdout if settings.stream == "stdout" else sys.stderr
            try:
                print(line, file=stream, flush=True)
            except (OSError, ValueError) as error:
                # A closed stream is a ValueError; a broken pipe an OSError.
                failure = NotifierError(
                    f"the log notifier could not write the {message.level.name} message "
                    f"{message.subject!r} to {settings.stream}: {error}."
                )
                report_failure(failure, settings.fail_on_error)
        return message

    return Notifier(notify=make_step(notify, effect=True))


KINDS: tuple[ComponentKind, ...] = (
    make_kind(
        "log_notifier",
        LogNotifierSettings,
        log_notifier,
        "Writes messages as `[LEVEL] subject: text` lines to a logger, stdout or stderr.",
    ),
)
