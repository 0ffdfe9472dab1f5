"""Reading the class report's page as an instructor reads it: per exercise, the counts it shows."""

import html
import re
from collections import Counter
from html.parser import HTMLParser


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


def rows(section: str) -> dict[str, tuple[int, str]]:
    """mistake as the page names it -> (the count, the hint) its row shows."""
    found = re.findall(
        r'<tr class="mistake"><td class="n">(\d+)</td><td class="n">[^<]*</td><td><b>([^<]*)</b>.*?</td>'
        r"<td>([^<]*)</td></tr>",
        section,
        flags=re.S,
    )
    return {html.unescape(name): (int(n), html.unescape(hint)) for n, name, hint in found}


class _Texts(HTMLParser):
    """The text a reader sees: every text node, less style sheets, a figure's metadata, and code
    (a student's example, a command to type)."""

    HIDDEN = {"style", "script", "metadata", "pre", "code"}

    def __init__(self):
        super().__init__()
        self.open: list[str] = []
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in {"br", "meta", "path", "use", "rect", "line", "circle"}:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data):
        if data.strip() and not self.HIDDEN & set(self.open):
            self.found.append(" ".join(data.split()))


def texts(page: str) -> list[str]:
    """The visible text nodes of a page, in order."""
    parser = _Texts()
    parser.feed(page)
    return parser.found
