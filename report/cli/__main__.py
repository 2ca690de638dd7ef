"""``python -m wdproof.report.cli``: the same as the ``wdproof`` command."""

import sys

from wdproof.report.cli import main

sys.exit(main())
