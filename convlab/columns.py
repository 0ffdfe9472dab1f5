"""Text measured in the columns a terminal or a monospace font gives it: a wide character (中文,
a full-width comma，) takes two, any other one (Unicode's East Asian Width, ``W`` and ``F``).
``textwrap`` counts characters, so a Chinese hint wrapped at 88 would run to 170 columns, and it
breaks only at spaces, which Chinese has none of: :func:`wrap` breaks between wide characters too.
"""

from __future__ import annotations

import textwrap
from unicodedata import east_asian_width

# may not begin a line (Chinese and Latin closing punctuation): kept on the line before
NO_START = set("，。、；：？！）》」』】〕”’…·,.;:?!)]}%")


def wide(ch: str) -> bool:
    return east_asian_width(ch) in "WF"


def extent(s: str) -> int:
    """How many columns ``s`` takes: a wide character two, any other one."""
    return len(s) + sum(wide(ch) for ch in s)


def _tokens(text: str) -> list[str]:
    """Words (runs of narrow characters), single wide characters and single spaces (a run of
    white space is one space, as in ``textwrap``)."""
    out, word = [], ""
    for ch in text:
        if ch.isspace() or wide(ch):
            if word:
                out.append(word)
                word = ""
            if not ch.isspace():
                out.append(ch)
            elif out and out[-1] != " ":
                out.append(" ")
        else:
            word += ch
    if word:
        out.append(word)
    return out


def wrap(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "") -> list[str]:
    """``textwrap.wrap`` by columns: lines at most ``width`` columns wide, indents included,
    broken at spaces and between wide characters; a closing mark (，。）) never begins a line: the
    character before it goes down with it. A word wider than a line stays whole, on a line of its
    own. A text of narrow characters only is ``textwrap.wrap``'s, unchanged."""
    if not any(wide(ch) for ch in text):
        return textwrap.wrap(
            text, width=width, initial_indent=initial_indent, subsequent_indent=subsequent_indent
        )
    lines: list[str] = []
    indent, line = initial_indent, []  # the current line's tokens, without a leading space

    def end(tokens: list[str]) -> None:
        lines.append(indent + "".join(tokens).rstrip(" "))

    for token in _tokens(text.strip()):
        if token == " ":
            if line:
                line.append(" ")
            continue
        if line and extent(indent + "".join(line) + token) > width:
            carried = []
            if token[0] in NO_START and len(line) > 1:
                while line and line[-1] == " ":
                    line.pop()
                carried = [line.pop()]  # the character the mark closes goes down with it
            end(line)
            indent, line = subsequent_indent, carried
        line.append(token)
    if line:
        end(line)
    return lines
