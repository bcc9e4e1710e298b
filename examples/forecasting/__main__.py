"""`python -m examples.forecasting`: the same as `python -m examples.forecasting.workflow`."""

import sys

from examples.forecasting.workflow import main

if __name__ == "__main__":
    sys.exit(main())
