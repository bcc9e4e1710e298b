"""`python -m examples.churn`: the same as `python -m examples.churn.workflow`."""

import sys

from examples.churn.workflow import main

if __name__ == "__main__":
    sys.exit(main())
