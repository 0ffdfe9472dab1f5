"""``python -m convlab.grading``: grade every submission (see convlab.grading.pipeline)."""

import sys

from convlab.grading.pipeline import main

sys.exit(main())
