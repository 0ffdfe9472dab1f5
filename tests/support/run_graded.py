"""Run a notebook's graded cells in a fresh process and print {test cell: failure or null} as JSON.

For submissions that patch modules: whatever they replace dies with this process.
"""

import json
import sys

import nbformat

from tests.support.graded import execute_graded_cells

if __name__ == "__main__":
    print(json.dumps(execute_graded_cells(nbformat.read(sys.argv[1], as_version=4))))
