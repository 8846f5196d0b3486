"""``python -m tui``: the same as the ``fibscope`` command."""

import sys

from tui.cli import main

sys.exit(main())
