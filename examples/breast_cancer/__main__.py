"""`python -m examples.breast_cancer`: the same as `python -m examples.breast_cancer.workflow`."""

import sys

from examples.breast_cancer.workflow import main

if __name__ == "__main__":
    sys.exit(main())
