"""``python -m taura_desktop.cli``: the ``taura`` command."""

import sys

from taura_desktop.cli.main import main

sys.exit(main())
