import sys

from convlab.grading.similarity.command import main

sys.exit(main())
