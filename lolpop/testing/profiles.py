"""Hypothesis profiles for lolpop's laws and a user's, chosen with `HYPOTHESIS_PROFILE`.

- `ci` (the default): 60 examples a test, derandomised (the same examples every run, so
  a CI failure reproduces), no deadline, no explain phase (it traces every line pandas
  runs to say which ones only failures reach: seconds per failing law on frames);
- `thorough`: 2,000 examples a test, random, for a run before a release
  (`HYPOTHESIS_PROFILE=thorough pytest`).

No deadline in either: building a checked step costs about a millisecond (beartype
compiles a wrapper), so an example's time varies with how many new steps it builds.

A test that must draw fewer (or more) examples than the profile says asks for a share of
it, `settings(max_examples=scaled(0.25))`, never a fixed count: a fixed count would
silently override `thorough`.

>>> register()
>>> scaled(0.5) == max(1, round(settings().max_examples * 0.5))
True
"""

from __future__ import annotations

import os

from hypothesis import Phase, settings

#: The profiles' names and how many examples each draws a test.
EXAMPLES = {"ci": 60, "thorough": 2_000}
#: The environment variable naming the profile to load.
VARIABLE = "HYPOTHESIS_PROFILE"


def register() -> None:
    """Register lolpop's profiles with hypothesis (loading none)."""
    settings.register_profile(
        "ci",
        max_examples=EXAMPLES["ci"],
        deadline=None,
        print_blob=True,
        derandomize=True,
        phases=[phase for phase in Phase if phase is not Phase.explain],
    )
    settings.register_profile(
        "thorough", max_examples=EXAMPLES["thorough"], deadline=None, print_blob=True
    )


def load() -> str:
    """Register the profiles and load the one `HYPOTHESIS_PROFILE` names (default `ci`);
    its name. A name hypothesis does not know is its own error, naming it."""
    register()
    name = os.environ.get(VARIABLE, "ci")
    settings.load_profile(name)
    return name


def scaled(share: float, *, at_least: int = 1) -> int:
    """`share` of the active profile's examples a test (at least `at_least`)."""
    return max(at_least, round(settings().max_examples * share))
