"""`python -m examples.quickstart`: the same as `python -m examples.quickstart.workflow`."""

import sys

from examples.quickstart.workflow import main

if __name__ == "__main__":
    sys.exit(main())
