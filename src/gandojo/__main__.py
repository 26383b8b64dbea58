"""``python -m gandojo`` runs the command line."""

import sys

from gandojo.cli import main

sys.exit(main())
