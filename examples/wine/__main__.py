"""`python -m examples.wine`: the same as `python -m examples.wine.workflow`."""

import sys

from examples.wine.workflow import main

if __name__ == "__main__":
    sys.exit(main())
