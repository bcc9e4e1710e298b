"""`python -m examples.diabetes`: the same as `python -m examples.diabetes.workflow`."""

import sys

from examples.diabetes.workflow import main

if __name__ == "__main__":
    sys.exit(main())
