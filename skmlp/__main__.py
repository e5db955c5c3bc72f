"""``python -m skmlp``: the ``skmlp`` command line (see :mod:`skmlp.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
