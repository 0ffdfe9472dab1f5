"""Reading the class report's page as an instructor reads it: per exercise, the counts it shows."""

import html
import re
from collections import Counter


def sections(page: str) -> dict[str, str]:
    """exercise -> its part of the page: from its heading to the next exercise's, or to the next
    assignment's (a class report of several assignments), whichever comes first."""
    parts = re.split(r'<h3 id="[^"]*">', page)[1:]
    return {part.split("</h3>")[0]: part.split("<h2")[0] for part in parts}


def shown(section: str) -> Counter:
    """mistake -> the count the page shows for it ("other", whatever message it shows)."""
    found = re.findall(
        r'<tr class="mistake"><td class="n">(\d+)</td><td class="n">[^<]*</td><td><b>([^<]*)</b>', section
    )
    names = [("other" if name.startswith("other: ") else html.unescape(name), int(n)) for n, name in found]
    return Counter(dict(names))
