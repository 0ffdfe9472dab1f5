"""The hub's language choice and editions, without a hub (fast): the form and what it accepts,
what a server gets for each choice, and nbgrader's release and fetch through the plugins of
convlab/hub/editions.py in a temporary exchange, compared with plain nbgrader's own copy.
The whole loop in a browser, on a hub: tests/test_hub.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from convlab.grading.environ import tools_first
from convlab.hub import languages
from tests.support.course import copy_course
from tests.support.editions import LANG, chinese_edition

AID = "01_cross_correlation"
HOSTILE = ["../zh_CN", "zh_CN/", "zh_CN\n", "", "EN", "<script>", "/etc", "zh_CN; rm -rf ~"]


def a_spawner(user_options=None, config_path="/srv/config/students"):
    return SimpleNamespace(user_options=user_options, environment={"JUPYTER_CONFIG_PATH": config_path})


def test_the_form_offers_both_languages_english_first_then_the_last_choice():
    form = languages.options_form(a_spawner({}))
    assert 'value="en" checked' in form and 'value="zh_CN">' in form and "中文" in form and "English" in form
    again = languages.options_form(a_spawner({"lang": "zh_CN"}))
    assert 'value="zh_CN" checked' in again and 'value="en">' in again
    # an unknown value kept in the hub's database preselects English, never shows itself
    odd = languages.options_form(a_spawner({"lang": '"><script>alert(1)</script>'}))
    assert 'value="en" checked' in odd and "<script>" not in odd


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_a_known_choice_reaches_the_server_as_itself(lang):
    assert languages.options_from_form({"lang": [lang]}) == {"lang": lang}
    spawner = a_spawner({"lang": lang})
    languages.apply(spawner, Path("/srv/config"))
    assert spawner.environment["CONVLAB_LANG"] == lang
    paths = spawner.environment["JUPYTER_CONFIG_PATH"].split(":")
    assert paths[0] == "/srv/config/students"
    assert paths[1:] == ([] if lang == "en" else ["/srv/config/languages/zh_CN"])


def test_no_choice_is_english():
    spawner = a_spawner(None)
    languages.apply(spawner, Path("/srv/config"))
    assert spawner.environment == {"JUPYTER_CONFIG_PATH": "/srv/config/students", "CONVLAB_LANG": "en"}
    assert languages.options_from_form({}) == {"lang": "en"}


@pytest.mark.parametrize("value", HOSTILE)
def test_any_other_choice_is_refused_before_it_reaches_an_environment_or_a_path(value):
    with pytest.raises(languages.UnknownLanguage, match="Unknown language / 未知语言"):
        languages.options_from_form({"lang": [value]})
    # the REST API can send user_options without the form: the spawn refuses them too
    spawner = a_spawner({"lang": value})
    with pytest.raises(languages.UnknownLanguage):
        languages.apply(spawner, Path("/srv/config"))
    assert spawner.environment == {"JUPYTER_CONFIG_PATH": "/srv/config/students"}
    with pytest.raises(languages.UnknownLanguage):
        languages.options_from_form({"lang": ["en", "zh_CN"]})


def test_each_language_but_english_has_a_read_only_interface_setting(tmp_path):
    lab = tmp_path / "env" / "share" / "jupyter" / "lab"
    (lab / "static").mkdir(parents=True)
    languages.lab_settings(tmp_path / "config", lab)
    languages.lab_settings(tmp_path / "config", lab)  # a second make hub
    folder = tmp_path / "config" / "languages"
    assert sorted(p.name for p in folder.iterdir()) == ["zh_CN"]
    server = json.loads((folder / "zh_CN" / "jupyter_server_config.json").read_text())
    settings = Path(server["LabApp"]["app_settings_dir"])
    overrides = json.loads((settings / "overrides.json").read_text())
    assert overrides == {"@jupyterlab/translation-extension:plugin": {"locale": "zh_CN"}}
    assert (settings.parent / "static").resolve() == lab / "static"


def nbgrader(cwd: Path, *argv: str, lang: str | None = None) -> str:
    env = tools_first()
    env.pop("CONVLAB_LANG", None)
    if lang is not None:
        env["CONVLAB_LANG"] = lang
    done = subprocess.run([sys.executable, "-m", "nbgrader", *argv], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """The course with a Chinese edition of AID, released into a fresh exchange with
    EditionRelease; (course, exchange, what the release logged)."""
    base = tmp_path_factory.mktemp("editions")
    course, exchange = copy_course(base), base / "exchange"
    edition = course / "notebooks" / LANG / AID
    edition.mkdir(parents=True, exist_ok=True)
    nbformat.write(chinese_edition(AID), edition / f"{AID}.ipynb")
    log = nbgrader(course, "release_assignment", AID, "--course", "convlab", f"--Exchange.root={exchange}",
                   "--ExchangeFactory.release_assignment=convlab.hub.editions.EditionRelease")  # fmt: skip
    return course, exchange, log


def fetch(tmp_path: Path, exchange: Path, lang: str | None, plugin: bool = True) -> Path:
    home = tmp_path / f"home-{abs(hash(lang))}-{plugin}"
    home.mkdir()
    extra = ["--ExchangeFactory.fetch_assignment=convlab.hub.editions.EditionFetch"] if plugin else []
    nbgrader(
        home, "fetch_assignment", AID, "--course", "convlab", f"--Exchange.root={exchange}", *extra, lang=lang
    )
    return home / AID


def test_a_release_puts_each_edition_beside_the_english(released):
    course, exchange, _ = released
    english, edition = exchange / "convlab" / "outbound" / AID, exchange / "convlab" / "editions" / LANG / AID
    assert (english / f"{AID}.ipynb").read_bytes() == (
        course / "notebooks" / AID / f"{AID}.ipynb"
    ).read_bytes()
    assert (edition / f"{AID}.ipynb").read_bytes() == (
        course / "notebooks" / LANG / AID / f"{AID}.ipynb"
    ).read_bytes()
    assert sorted(p.name for p in edition.rglob("*")) == sorted(p.name for p in english.rglob("*"))
    # nbgrader's own list sees one assignment, not one per edition
    listed = nbgrader(course, "list", "--course", "convlab", f"--Exchange.root={exchange}")
    assert listed.count(AID) == 1 and LANG not in listed.replace(str(exchange), ""), listed


def test_fetch_gives_the_chinese_edition_under_the_usual_name(released, tmp_path):
    course, exchange, _ = released
    got = fetch(tmp_path, exchange, LANG)
    assert (got / f"{AID}.ipynb").read_bytes() == (
        course / "notebooks" / LANG / AID / f"{AID}.ipynb"
    ).read_bytes()
    assert nbformat.read(got / f"{AID}.ipynb", as_version=4).metadata["convlab"]["edition"] == LANG
    plain = fetch(tmp_path, exchange, None, plugin=False)  # the same folder as plain nbgrader's
    assert sorted(p.relative_to(got) for p in got.rglob("*")) == sorted(
        p.relative_to(plain) for p in plain.rglob("*")
    )


@pytest.mark.parametrize("lang", [None, "en", "../zh_CN", "zh_CN/"])
def test_english_or_any_other_value_fetches_what_plain_nbgrader_fetches(released, tmp_path, lang):
    _, exchange, _ = released
    got, plain = fetch(tmp_path, exchange, lang), fetch(tmp_path, exchange, None, plugin=False)
    assert (got / f"{AID}.ipynb").read_bytes() == (plain / f"{AID}.ipynb").read_bytes()
    assert "edition" not in nbformat.read(got / f"{AID}.ipynb", as_version=4).metadata.get("convlab", {})


def test_an_edition_with_other_graded_cells_is_not_released(tmp_path):
    course, exchange = copy_course(tmp_path), tmp_path / "exchange"
    nb = chinese_edition(AID)
    graded = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))
    graded.metadata["nbgrader"]["grade_id"] += "-renamed"
    (course / "notebooks" / LANG / AID).mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, course / "notebooks" / LANG / AID / f"{AID}.ipynb")
    log = nbgrader(course, "release_assignment", AID, "--course", "convlab", f"--Exchange.root={exchange}",
                   "--ExchangeFactory.release_assignment=convlab.hub.editions.EditionRelease")  # fmt: skip
    assert f"The {LANG} edition of {AID} is not released" in log and "other graded cells" in log, log
    assert not (exchange / "convlab" / "editions" / LANG / AID).exists()
    got = fetch(tmp_path, exchange, LANG)  # its students get the English, and are told
    assert (got / f"{AID}.ipynb").read_bytes() == (course / "notebooks" / AID / f"{AID}.ipynb").read_bytes()


def test_the_hub_asks_for_the_language_and_checks_it_at_every_spawn(tmp_path, monkeypatch):
    from tests.test_hub_setup import hub_config

    config = hub_config(tmp_path, monkeypatch, True)
    assert config.Spawner.options_form is languages.options_form
    assert config.Spawner.options_from_form is languages.options_from_form
    spawner = a_spawner({"lang": "../zh_CN"})
    spawner.user = SimpleNamespace(name="ada")
    with pytest.raises(languages.UnknownLanguage):
        config.Spawner.pre_spawn_hook(spawner)
    spawner.user_options = {"lang": "zh_CN"}
    config.Spawner.pre_spawn_hook(spawner)
    assert spawner.environment["CONVLAB_LANG"] == "zh_CN"
    assert spawner.environment["JUPYTER_CONFIG_PATH"] == "/srv/config/students:/srv/config/languages/zh_CN"
