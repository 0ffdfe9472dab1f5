"""``python -m convlab.hub``: lay out the hub and start it (see convlab.hub.deploy)."""

import sys

from convlab.hub.deploy import main

sys.exit(main())
