"""The class report's language: its own texts, the mistakes' names and their hints, worded in
the language the instructor asks for, whichever edition each student handed in.

A mistake is counted under its English msgid (``CheckFailure.mistake``), so one report merges
both editions; here it is looked up in the page's language. A hint is worded from the form in
no language that the record kept (``hint_msgid``, ``hint_params``); an older record, without
it, shows the hint as the student saw it. A student's own message is never re-worded.
"""

from __future__ import annotations

from convlab.failure import NOT_ATTEMPTED
from convlab.grading.results.mistakes import NOT_RUN, OTHER, MistakeMade
from convlab.i18n import ENGLISH, N_, from_data, gettext, languages, translate

UNNAMED_NAMES = {  # the names the report gives what no check named (mistakes.UNNAMED)
    NOT_ATTEMPTED: N_("not attempted"),
    NOT_RUN: N_("not run: a limit stopped the notebook"),
    OTHER: N_("other"),
}


class UnknownLanguage(ValueError):
    pass


def chosen(lang: str | None) -> str:
    """``lang`` if the course has it (English when not given); else :class:`UnknownLanguage`."""
    lang = lang or ENGLISH
    if lang not in languages():
        raise UnknownLanguage(f"no language {lang!r}: the report can be written in {', '.join(languages())}")
    return lang


def mistake_name(mistake: str, lang: str) -> str:
    """The mistake's name in ``lang``: its msgid looked up (a name with no entry, e.g. one a
    forged record made up, stays as it is)."""
    return translate(UNNAMED_NAMES[mistake], lang) if mistake in UNNAMED_NAMES else gettext(mistake, lang)


def hint(made: MistakeMade, lang: str) -> str:
    """The hint ``made``'s student was given, worded in ``lang``; as recorded when the record
    kept no form in no language (or one that is not the course's)."""
    msg = from_data(made.hint_data())
    if msg is None:
        return made.hint
    try:
        return translate(msg, lang)
    except (KeyError, IndexError, ValueError, TypeError):  # a translation's format spec refused a value
        return made.hint
