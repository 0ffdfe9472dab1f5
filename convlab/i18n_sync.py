"""Keep the message catalogues in step with the code: ``python -m convlab.i18n_sync``.

1. ``pybabel extract`` (config: ``convlab/locale/babel.cfg``) writes the template
   ``convlab/locale/convlab.pot`` from the messages the code marks (``N_``, ``Msg``);
2. ``pybabel update`` merges it into each language's ``convlab.po``: a new msgid arrives
   untranslated, a changed one fuzzy, for the translator to fill in.

``--check`` (run by ``make check-sync``) changes nothing and fails when the template differs
from what the code would give, or a catalogue lacks a translation (or has a fuzzy one) of one of
its msgids, or a translation's placeholders differ from its msgid's.
"""

from __future__ import annotations

import argparse
import string
import subprocess
import sys
import tempfile
from pathlib import Path

from convlab.i18n import DOMAIN, LOCALE

ROOT = LOCALE.parent.parent
TEMPLATE = LOCALE / f"{DOMAIN}.pot"
LANGUAGES = ("zh_CN",)
KEYWORDS = ("N_", "Msg")  # convlab.i18n's markers; no default keyword (no `_` in convlab)


def pybabel(*args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", *args], cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"pybabel {args[0]} failed:\n{done.stderr[-2000:]}")


def extract(to: Path) -> None:
    """The template of the code's messages, sorted and without locations: it changes only when
    a message does, not when a line moves."""
    keywords = [arg for k in KEYWORDS for arg in ("-k", k)]
    pybabel(
        "extract", "-F", str(LOCALE / "babel.cfg"), "--no-default-keywords", *keywords,
        "--no-location", "--sort-output", "--project", "convlab", "--copyright-holder",
        "convlab maintainers", "-o", str(to), "convlab",
    )  # fmt: skip


def read(path: Path):
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        return read_po(f)


def catalogue(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def msgids(path: Path) -> set[str]:
    return {m.id for m in read(path) if m.id}


def placeholders(text: str) -> set[str]:
    """The named fields of a ``str.format`` text: ``{got}``, ``{name!r}`` -> ``{"got", "name"}``."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def problems(lang: str, wanted: set[str], po: Path | None = None) -> list[str]:
    """What keeps ``lang``'s catalogue (``po``, by default the course's) from translating every
    message of the template."""
    found = {m.id: m for m in read(po or catalogue(lang)) if m.id}
    out = []
    for msgid in sorted(wanted):
        m = found.get(msgid)
        if m is None or not m.string:
            out.append(f"{lang}: no translation of {msgid!r}")
        elif m.fuzzy:
            out.append(f"{lang}: fuzzy translation of {msgid!r}")
        elif placeholders(m.string) != placeholders(msgid):
            theirs = sorted(placeholders(m.string))
            out.append(f"{lang}: placeholders {theirs} in the translation of {msgid!r}")
    out += [f"{lang}: obsolete entry {msgid!r}" for msgid in sorted(set(found) - wanted)]
    return out


def check() -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "fresh.pot"
        extract(fresh)
        wanted = msgids(fresh)
    out = []
    stored = msgids(TEMPLATE) if TEMPLATE.is_file() else set()
    out += [f"not in {TEMPLATE.name}: {m!r}" for m in sorted(wanted - stored)]
    out += [f"in {TEMPLATE.name}, gone from the code: {m!r}" for m in sorted(stored - wanted)]
    for lang in LANGUAGES:
        out += problems(lang, wanted)
    return out


def update() -> None:
    extract(TEMPLATE)
    for lang in LANGUAGES:
        po = catalogue(lang)
        if po.is_file():
            merge = ("-i", str(TEMPLATE), "-o", str(po), "-l", lang)
            pybabel("update", *merge, "--ignore-obsolete", "--previous")
        else:
            po.parent.mkdir(parents=True, exist_ok=True)
            pybabel("init", "-i", str(TEMPLATE), "-o", str(po), "-l", lang)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convlab.i18n_sync", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; fail when a catalogue is stale")
    if parser.parse_args(argv).check:
        found = check()
        for line in found[:40]:
            print(line)
        if len(found) > 40:
            print(f"... and {len(found) - 40} more")
        verdict = f"{len(found)} problems (python -m convlab.i18n_sync)" if found else "in sync"
        print(f"message catalogues: {verdict}")
        return 1 if found else 0
    update()
    return 0


if __name__ == "__main__":
    sys.exit(main())
