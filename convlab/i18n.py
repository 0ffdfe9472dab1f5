"""The course's messages in the student's language: English msgids in the code, one gettext
catalogue per other language (``convlab/locale/<lang>/LC_MESSAGES/convlab.po``), read with
Babel when first needed. English needs no catalogue: the msgid is the message, byte for byte.

A message is a :class:`Msg`, a ``str`` whose value is the English text (so code that joins,
compares or counts it sees what it always did) and which remembers its msgid and named
placeholders (``Msg("expected {want}, got {got}", want=..., got=...)``), so that
:func:`translate` can look the msgid up and fill the same placeholders in the translation.
:func:`N_` marks a constant message where it is written (``pybabel extract`` finds both).

The language is ``CONVLAB_LANG`` (``en``, the default, or ``zh_CN``), read at every
:func:`translate`: a kernel started with it set speaks that language; nothing else changes.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

LOCALE = Path(__file__).parent / "locale"
DOMAIN = "convlab"
ENGLISH = "en"


class Msg(str):
    """A message: its English text as a ``str``, its msgid and its placeholders' values."""

    msgid: str
    params: dict

    def __new__(cls, msgid: str, **params):
        self = super().__new__(cls, msgid.format(**params) if params else msgid)
        self.msgid, self.params = msgid, params
        return self

    def __reduce__(self):  # pickles (a record sent between processes) as the English text
        return (str, (str(self),))


def N_(msgid: str) -> Msg:  # noqa: N802 (gettext's name for "mark, translate later")
    """A constant message, translated where it is shown."""
    return Msg(msgid)


def language() -> str:
    """``CONVLAB_LANG`` when it names a catalogue here, else English: any other value (a typo,
    a path such as ``../locale/zh_CN``) gives the English text, never a failed message."""
    lang = os.environ.get("CONVLAB_LANG", "").strip()
    return lang if lang in _catalogued() else ENGLISH


@functools.cache
def _catalogued() -> frozenset[str]:
    """The languages with a catalogue: the folders of ``convlab/locale`` holding one."""
    return frozenset(p.parts[-3] for p in LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


@functools.cache
def _catalogue(lang: str):
    """The ``gettext.NullTranslations`` of ``lang``: the .po read with Babel (no compiled .mo
    is kept in the repository, so the catalogue cannot be stale)."""
    from io import BytesIO

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import NullTranslations, Translations

    po = LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.is_file():
        return NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang, domain=DOMAIN)
    mo = BytesIO()
    write_mo(mo, catalog, use_fuzzy=False)
    mo.seek(0)
    return Translations(mo, domain=DOMAIN)


def gettext(msgid: str, lang: str | None = None) -> str:
    lang = lang or language()
    return msgid if lang == ENGLISH else _catalogue(lang).gettext(msgid)


def translate(text, lang: str | None = None) -> str:
    """``text`` in the language: a :class:`Msg` looked up and its placeholders (messages too)
    filled in; any other ``str`` (a name, a number, a label made of data) as it is."""
    if not isinstance(text, Msg):
        return text
    lang = lang or language()
    if lang == ENGLISH:
        return str(text)
    params = {k: translate(v, lang) for k, v in text.params.items()}
    found = gettext(text.msgid, lang)
    return found.format(**params) if params else found


# A message as data (JSON), so that a record can carry it out of the student's kernel in no
# language and a reader (the class report) can word it in another: {"msgid": ..., "params": {...}}.


def as_data(text) -> dict | None:
    """``text``'s msgid and placeholders as JSON-safe data (a placeholder that is a message
    nests as one; a number stays a number, for its format spec; anything else becomes its
    ``str``), or ``None`` when ``text`` is not a :class:`Msg` (no msgid to look up)."""
    if not isinstance(text, Msg):
        return None
    return {"msgid": text.msgid, "params": {k: _value(v) for k, v in text.params.items()}}


def _value(v):
    if isinstance(v, Msg):
        return as_data(v)
    if isinstance(v, bool | int) or (isinstance(v, float) and v == v and abs(v) != float("inf")):
        return v
    if getattr(v, "ndim", None) == 0 and hasattr(v, "item"):  # a 0-d tensor: its number
        return _value(v.item())
    return str(v)


def from_data(data) -> Msg | None:
    """The :class:`Msg` that :func:`as_data` gave ``data``, or ``None`` when ``data`` is not one
    of the course's messages with its placeholders: ``data`` may come from a student's notebook,
    and only a msgid the code defines (the template, ``convlab.pot``) is formatted, with
    plain values, never ``data``'s own text used as a format string."""
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("msgid"), str)
        or data["msgid"] not in _defined()
    ):
        return None
    params = data.get("params") or {}
    if not isinstance(params, dict):
        return None
    values = {}
    for name, v in params.items():
        if isinstance(v, dict):
            v = from_data(v)
        elif not isinstance(v, str | int | float | type(None)):
            v = None
        if v is None:
            return None
        values[str(name)] = v
    try:
        return Msg(data["msgid"], **values)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):  # placeholders not its own
        return None


@functools.cache
def _defined() -> frozenset[str]:
    """The msgids of the code's messages: those of the template ``convlab.pot``."""
    from babel.messages.pofile import read_po

    with (LOCALE / f"{DOMAIN}.pot").open("rb") as f:
        return frozenset(m.id for m in read_po(f) if m.id and isinstance(m.id, str))


def languages() -> tuple[str, ...]:
    """The languages a text can be shown in: English, then those with a catalogue."""
    return (ENGLISH, *sorted(_catalogued()))
