"""The English catalogue and the language switch.

Bahasa Indonesia is the source language (the msgids); English comes from
locale/en/LC_MESSAGES/django.po, compiled to the committed django.mo.
Regenerate both with `make messages`.
"""

import ast
import datetime
import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES"
PO = CATALOGUE / "django.po"
MO = CATALOGUE / "django.mo"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgid, msgid_plural, msgstr (by plural index),
    flags and references. Enough of the format for what makemessages writes;
    obsolete (`#~`) entries are left out."""
    entries = []
    entry: dict | None = None
    field = None

    def close():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            close()
            entry, field = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "refs": [], "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#:"):
            entry["refs"].extend(line[2:].split())
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            field = "msgctxt"
            entry[field] = ast.literal_eval(line[len("msgctxt ") :])
        elif line.startswith("msgid_plural "):
            field = "msgid_plural"
            entry[field] = ast.literal_eval(line[len("msgid_plural ") :])
        elif line.startswith("msgid "):
            field = "msgid"
            entry[field] = ast.literal_eval(line[len("msgid ") :])
        elif line.startswith("msgstr["):
            index = int(line[len("msgstr[") : line.index("]")])
            field = index
            entry["msgstr"][index] = ast.literal_eval(
                line[line.index("]") + 1 :].strip()
            )
        elif line.startswith("msgstr "):
            field = 0
            entry["msgstr"][0] = ast.literal_eval(line[len("msgstr ") :])
        elif line.startswith('"'):
            text = ast.literal_eval(line)
            if isinstance(field, int):
                entry["msgstr"][field] += text
            else:
                entry[field] += text
    close()
    return entries


def messages() -> list[dict]:
    return [entry for entry in read_po(PO) if entry["msgid"]]


def where(entry: dict) -> str:
    return f"{entry['msgid']!r} ({', '.join(entry['refs'][:2])})"


def mo_catalogue(path: Path) -> dict:
    with path.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)


# The catalogue -----------------------------------------------------------------


def test_english_catalogue_header():
    header = read_po(PO)[0]
    assert header["msgid"] == ""
    assert "fuzzy" not in header["flags"]
    assert "Language: en\n" in header["msgstr"][0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header["msgstr"][0]


def test_every_message_is_translated_and_none_is_fuzzy():
    entries = messages()
    assert len(entries) > 500, "the catalogue looks truncated"
    fuzzy = [where(e) for e in entries if "fuzzy" in e["flags"]]
    untranslated = [
        where(e)
        for e in entries
        if not e["msgstr"]
        or not all(e["msgstr"].values())
        or ("msgid_plural" in e and sorted(e["msgstr"]) != [0, 1])
    ]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    assert not untranslated, (
        f"untranslated entries (run `make messages` and translate them): {untranslated}"
    )


def test_translations_keep_every_placeholder():
    wrong = []
    for entry in messages():
        wanted = sorted(set(PLACEHOLDER.findall(entry["msgid"])))
        for text in entry["msgstr"].values():
            if sorted(set(PLACEHOLDER.findall(text))) != wanted:
                wrong.append(where(entry))
    assert not wrong, f"placeholders changed: {wrong}"


def test_compiled_catalogue_matches_the_po(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (GNU gettext) is not installed; cannot recompile the .po")
    fresh = tmp_path / "django.mo"
    result = subprocess.run(
        [msgfmt, "--check", "-o", str(fresh), str(PO)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert MO.exists(), "django.mo is missing: run `make messages`"
    assert mo_catalogue(MO) == mo_catalogue(fresh), (
        "django.mo is out of date with django.po: run `make messages`"
    )


def test_django_uses_the_english_catalogue():
    with translation.override("en"):
        assert translation.gettext("Beranda") == "Home"
        assert translation.gettext("Lembaga") == "Institutions"
        assert translation.ngettext("%(counter)s data", "%(counter)s data", 1) == (
            "%(counter)s record"
        )
        assert translation.ngettext("%(counter)s data", "%(counter)s data", 2) == (
            "%(counter)s records"
        )
    with translation.override("id"):
        assert translation.gettext("Beranda") == "Beranda"


# The language switch ------------------------------------------------------------


@pytest.mark.django_db
def test_indonesian_without_a_cookie_even_for_an_english_browser(client):
    response = client.get("/masuk/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="id">' in page
    assert "Masuk" in page
    assert "Log in" not in page


@pytest.mark.django_db
def test_language_switch_turns_the_login_page_english(client):
    response = client.post(
        "/i18n/setlang/",
        {"language": "en", "next": "/masuk/"},
        HTTP_ACCEPT_LANGUAGE="id",
    )
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"

    page = client.get("/masuk/").content.decode()
    assert '<html lang="en">' in page
    assert "<h1>Log in</h1>" in page
    assert "Gorontalo Provincial Social Affairs Office" in page


@pytest.mark.django_db
def test_english_navigation_for_a_logged_in_user(client):
    client.force_login(UserFactory(role="Operator"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="en">' in page
    for label in ("Home", "Institutions", "Reports", "Import", "Log out"):
        assert f">{label}<" in page, label
    assert "Programmes &" in page

    client.post("/i18n/setlang/", {"language": "id", "next": "/"})
    page = client.get("/").content.decode()
    assert '<html lang="id">' in page
    assert ">Lembaga<" in page


# Formats stay Indonesian in English ---------------------------------------------


@pytest.mark.parametrize("language", ["id", "en"])
def test_dates_stay_day_first(language):
    template = Template('{{ day|date:"SHORT_DATE_FORMAT" }}')
    with translation.override(language):
        rendered = template.render(Context({"day": datetime.date(2024, 8, 1)}))
    assert rendered == "01/08/2024"


@pytest.mark.parametrize("language", ["id", "en"])
def test_money_stays_rupiah(language):
    template = Template("{% load rupiah %}{{ amount|rupiah }}")
    with translation.override(language):
        rendered = template.render(Context({"amount": 10_000_000}))
    assert rendered == "Rp10.000.000"


def test_the_catalogue_holds_every_message_of_the_source(tmp_path):
    """New interface text must reach the English catalogue (`make messages`)."""
    if shutil.which("xgettext") is None:
        pytest.skip("xgettext (GNU gettext) is not installed; cannot collect messages")
    ignore = shutil.ignore_patterns(
        ".venv",
        ".git",
        "locale",
        "staticfiles",
        "test-artifacts",
        "__pycache__",
        "*.sqlite3",
    )
    copy = tmp_path / "source"
    shutil.copytree(ROOT, copy, ignore=ignore)
    (copy / "locale").mkdir()
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "en",
            "--ignore=tests",
            "--no-location",
        ],
        cwd=copy,
        env={
            **os.environ,
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    wanted = {
        entry["msgid"]
        for entry in read_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")
        if entry["msgid"]
    }
    translated = {
        entry["msgid"]
        for entry in messages()
        if all(entry["msgstr"].values()) and "fuzzy" not in entry["flags"]
    }
    missing = sorted(wanted - translated)
    assert not missing, (
        f"{len(missing)} messages not translated; run `make messages`: {missing[:10]}"
    )
