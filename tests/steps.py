"""Small typed steps that many tests compose (their names appear in expected paths)."""

from __future__ import annotations

from lolpop import step


@step
def inc(x: int) -> int:
    return x + 1


@step
def double(x: int) -> int:
    return 2 * x


@step
def to_text(x: int) -> str:
    return str(x)


@step
def is_even(x: int) -> bool:
    return x % 2 == 0


@step
def boom(x: int) -> int:
    raise ValueError(f"boom on {x}")


@step
def upper(text: str) -> str:
    return text.upper()


@step
def count(text: str) -> int:
    return len(text)


def positive(n: int) -> str | None:
    """A hook's check of a count."""
    return None if n > 0 else f"expected a positive count, got {n}"


def short(text: str) -> str | None:
    """A hook's check of a text."""
    return None if len(text) < 5 else f"{text!r} is longer than 4 characters"
