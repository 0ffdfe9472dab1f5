"""The course's language on the hub: each person picks English or 中文 when their server starts.

JupyterHub shows :func:`options_form` before it starts a server (English preselected, else the
person's last choice, which JupyterHub keeps as the server's ``user_options``);
:func:`options_from_form` reads it back. The value reaches the server only through
:func:`chosen`, which accepts nothing but one of :data:`CHOICES`: the form, JupyterHub's REST
API (``POST /hub/api/users/<name>/server`` with any ``user_options``) and an old value in the
hub's database all pass there, and anything else stops the spawn with a message saying so.

The server then gets ``CONVLAB_LANG`` (its kernels' checks and widgets speak the language,
:mod:`convlab.i18n`; nbgrader's *Fetch* hands out that language's edition,
:mod:`convlab.hub.editions`) and JupyterLab's own interface in it. JupyterLab reads the
interface's language from the setting ``locale`` of ``@jupyterlab/translation-extension:plugin``,
whose default an ``overrides.json`` in ``LabApp.app_settings_dir`` replaces: :func:`lab_settings`
puts one such folder per language under the hub's ``config/`` (root's, read-only to all), and
the server reads it through one more folder on its ``JUPYTER_CONFIG_PATH``. Nothing is written
into anyone's home (root writing where a user can plant a link is how files get overwritten);
a setting the person changes in JupyterLab's *Settings → Language* is theirs and wins.
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

from convlab.grading.authoring.editions import LANGUAGES
from convlab.i18n import LOCALE

ENGLISH = "en"
CHOICES = (ENGLISH, *(lang for lang in LANGUAGES if lang != ENGLISH))
LABELS = {ENGLISH: "English", "zh_CN": "中文"}
FIELD = "lang"


class UnknownLanguage(ValueError):
    """A language the course has no edition in; the message is shown to the person."""


def chosen(user_options: dict) -> str:
    """The language ``user_options`` names: one of :data:`CHOICES` (English when none is named),
    or :class:`UnknownLanguage`."""
    lang = user_options.get(FIELD, ENGLISH)
    if not isinstance(lang, str) or lang not in CHOICES:
        known = ", ".join(f"{c} ({LABELS.get(c, c)})" for c in CHOICES)
        raise UnknownLanguage(f"Unknown language / 未知语言: {str(lang)[:40]!r}; choose one of {known}")
    return lang


def options_form(spawner) -> str:
    """The choice, in both languages, with the person's last choice (or English) selected."""
    try:
        last = chosen(spawner.user_options or {})
    except UnknownLanguage:
        last = ENGLISH
    rows = "".join(
        f'<label class="convlab-language"><input type="radio" name="{FIELD}" value="{html.escape(c)}"'
        f"{' checked' if c == last else ''}> {html.escape(LABELS.get(c, c))}</label><br>"
        for c in CHOICES
    )
    return f"<p>Language of the course / 课程语言</p>{rows}"


def options_from_form(form_data: dict) -> dict:
    """JupyterHub's form data (every field a list of strings) as ``{"lang": <one of CHOICES>}``."""
    values = form_data.get(FIELD) or [ENGLISH]
    if len(values) != 1:
        raise UnknownLanguage("Choose one language / 请选择一种语言")
    return {FIELD: chosen({FIELD: values[0]})}


def language_config(config: Path, lang: str) -> Path:
    """The Jupyter configuration folder that gives a server ``lang``'s interface."""
    return config / "languages" / chosen({FIELD: lang})


def lab_settings(config: Path, lab_app_dir: Path) -> None:
    """One configuration folder per language but English (whose interface is JupyterLab's
    default): ``LabApp.app_settings_dir`` pointing at a settings folder holding the language's
    ``overrides.json`` (``convlab/locale/<lang>/jupyterlab/``, the one ``make lab EDITION=``
    uses), which sets the interface's locale. JupyterLab looks for its built application's
    ``static/`` beside that folder, so each language's has a link to the shared environment's
    (``lab_app_dir``)."""
    for lang in CHOICES[1:]:
        folder = language_config(config, lang)
        app = folder / "lab"
        (app / "settings").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(LOCALE / lang / "jupyterlab" / "overrides.json", app / "settings" / "overrides.json")
        static = app / "static"
        if not static.is_symlink() or static.readlink() != lab_app_dir / "static":
            static.unlink(missing_ok=True)
            static.symlink_to(lab_app_dir / "static")
        (folder / "jupyter_server_config.json").write_text(
            json.dumps({"LabApp": {"app_settings_dir": str(app / "settings")}}, indent=1)
        )


def apply(spawner, config: Path) -> None:
    """Give ``spawner``'s server the language of its ``user_options``: ``CONVLAB_LANG`` and, for
    a language other than English, its interface folder after the role's configuration.
    :class:`UnknownLanguage` (the spawn stops) for a value that is not one of :data:`CHOICES`."""
    lang = chosen(spawner.user_options or {})
    spawner.environment["CONVLAB_LANG"] = lang
    if lang != ENGLISH:
        role = spawner.environment["JUPYTER_CONFIG_PATH"]
        spawner.environment["JUPYTER_CONFIG_PATH"] = f"{role}:{language_config(config, lang)}"
