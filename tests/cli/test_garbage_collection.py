"""`lolpop` stops the garbage collector while a command starts (imports make objects that
live as long as the process: sweeping them cost ~0.2 s of a `check`), a long command
collects again from when its work starts, its start-up objects frozen, and everything is
frozen as the command ends (the interpreter's collections at exit cost ~0.85 s of a
run)."""

from __future__ import annotations

import gc
import sys

import pytest

from lolpop.cli import collect_from_here, main


def test_a_short_command_runs_without_the_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["lolpop", "version"])
    with pytest.raises(SystemExit) as leaving:
        main()
    assert leaving.value.code in (0, None)
    assert not gc.isenabled()
    # Leaving, everything is frozen: the interpreter's last collections skip it.
    assert gc.get_freeze_count() > 0


def test_long_work_collects_again_with_the_start_up_frozen() -> None:
    gc.disable()
    collect_from_here()
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0
    frozen = gc.get_freeze_count()
    made_since = [[number] for number in range(1000)]
    collect_from_here()  # once only: a second call freezes nothing more
    # Frozen objects may be freed meanwhile, never added but by a freeze.
    assert gc.get_freeze_count() <= frozen
    assert len(made_since) == 1000
