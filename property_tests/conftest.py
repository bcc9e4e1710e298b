"""Hypothesis profiles for the property tests, chosen with `HYPOTHESIS_PROFILE`.

- `ci` (the default): few enough examples that the whole directory runs in well under
  30 seconds;
- `thorough`: many more examples, for a run before a release or after touching the
  interpreter (`HYPOTHESIS_PROFILE=thorough pytest property_tests`).

No deadline in either: building a checked step costs about a millisecond (beartype
compiles a wrapper), so an example's time varies with how many new steps it builds.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", max_examples=60, deadline=None, print_blob=True)
settings.register_profile("thorough", max_examples=2_000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
