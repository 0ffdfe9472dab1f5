import sys

from convlab.grading.results.similarity.command import main

sys.exit(main())
