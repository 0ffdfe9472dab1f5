"""``python -m convlab.grading``: grade every submission (see convlab.grading.recording.autograde)."""

import sys

from convlab.grading.recording.autograde import main

sys.exit(main())
