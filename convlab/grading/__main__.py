"""``python -m convlab.grading``: grade every submission (see convlab.grading.autograde)."""

import sys

from convlab.grading.autograde import main

sys.exit(main())
