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
