import sys

from convlab.site.build import main

sys.exit(main())
