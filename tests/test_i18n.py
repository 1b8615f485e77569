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


# Text marked where it is written ------------------------------------------------
#
# makemessages extracts only literals inside a gettext call: a literal shown
# through `messages.success(request, "...")`, or kept unmarked in a constant
# that is translated later with `_(CONSTANT)`, never reaches the catalogue.

APPS = ("common", "config", "grants", "imports", "institutions", "reports")
GETTEXT = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}
MESSAGE_LEVELS = {"debug", "info", "success", "warning", "error"}
WORD = re.compile(r"[^\W\d_]{2,}")


def _called(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def _is_gettext(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and _called(node) in GETTEXT


def _has_words(text: str) -> bool:
    return WORD.search(text) is not None


def unmarked_text(node: ast.AST) -> str | None:
    """A literal with words that is shown as it is, or None: a bare string, an
    f-string, or a string formatted with `%` or `.format()`, outside gettext."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if _has_words(node.value) else None
    if isinstance(node, ast.JoinedStr):
        text = "".join(
            part.value for part in node.values if isinstance(part, ast.Constant)
        )
        return ast.unparse(node) if _has_words(text) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return unmarked_text(node.left)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    ):
        return unmarked_text(node.func.value)
    return None


class Module:
    """One source module: its top-level constants and what it imports."""

    def __init__(self, name: str, path: Path):
        self.name, self.where = name, path.name
        if path.is_relative_to(ROOT):
            self.where = str(path.relative_to(ROOT))
        self.tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        self.constants: dict[str, ast.expr] = {}
        self.imports: dict[str, str] = {}  # local name -> dotted name
        self.star_imports: list[str] = []
        for node in self.tree.body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.constants[target.id] = node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                if isinstance(node.target, ast.Name):
                    self.constants[node.target.id] = node.value
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[
                        : len(package.split(".")) - node.level + 1
                    ]
                    base = ".".join([*parent, *([base] if base else [])])
                for alias in node.names:
                    if alias.name == "*":
                        self.star_imports.append(base)
                    else:
                        self.imports[alias.asname or alias.name] = (
                            f"{base}.{alias.name}"
                        )
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = alias.name


def source_modules() -> dict[str, Module]:
    modules = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).with_suffix("")
            if "migrations" in relative.parts:
                continue
            parts = (
                relative.parts[:-1] if relative.name == "__init__" else relative.parts
            )
            modules[".".join(parts)] = Module(".".join(parts), path)
    return modules


def constant_value(
    modules: dict, module: Module, name: str, seen=()
) -> ast.expr | None:
    """The value a name has at the top of a module, following imports."""
    if (module.name, name) in seen:
        return None
    seen = (*seen, (module.name, name))
    if name in module.constants:
        return module.constants[name]
    dotted = module.imports.get(name)
    if dotted is not None:
        source, _dot, imported = dotted.rpartition(".")
        if source in modules:
            return constant_value(modules, modules[source], imported, seen)
        return None
    for source in module.star_imports:
        if source in modules:
            found = constant_value(modules, modules[source], name, seen)
            if found is not None:
                return found
    return None


def translated_constant(modules: dict, module: Module, node: ast.expr):
    """The constant a `_(...)` argument reads (`NAME`, `mod.NAME`, `NAME[key]`,
    `NAME.get(key)`), or None when it is not a module's constant."""
    if isinstance(node, ast.Subscript):
        return translated_constant(modules, module, node.value)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr == "get":
            return translated_constant(modules, module, node.func.value)
        return None
    if isinstance(node, ast.Name):
        return constant_value(modules, module, node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        owner = module.imports.get(node.value.id)
        if owner in modules:
            return constant_value(modules, modules[owner], node.attr)
    return None


def unmarked_literals(value: ast.expr) -> list[str]:
    """The texts in a constant that no gettext call marks: the whole value, or
    the values of a dict, or the items of a list, tuple or set."""
    if _is_gettext(value):
        return []
    if isinstance(value, ast.Dict):
        return [text for item in value.values for text in unmarked_literals(item)]
    if isinstance(value, ast.List | ast.Tuple | ast.Set):
        return [text for item in value.elts for text in unmarked_literals(item)]
    text = unmarked_text(value)
    return [] if text is None else [text]


def untranslatable_text(modules: dict[str, Module]) -> list[str]:
    problems = []
    for module in modules.values():
        where = module.where
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == "messages"
                and func.attr in MESSAGE_LEVELS | {"add_message"}
            ):
                index = 2 if func.attr == "add_message" else 1
                shown = node.args[index] if len(node.args) > index else None
                keywords = {keyword.arg: keyword.value for keyword in node.keywords}
                shown = keywords.get("message", shown)
                text = None if shown is None else unmarked_text(shown)
                if text is not None:
                    problems.append(
                        f"{where}:{node.lineno}: messages.{func.attr}: {text!r}"
                    )
            if _is_gettext(node) and _called(node) != "gettext_noop":
                for argument in node.args[:2]:
                    if isinstance(argument, ast.Constant):
                        continue
                    value = translated_constant(modules, module, argument)
                    for text in [] if value is None else unmarked_literals(value):
                        problems.append(
                            f"{where}:{node.lineno}: {ast.unparse(argument)}: {text!r}"
                        )
    return problems


def test_text_shown_to_users_is_marked_where_it_is_written():
    problems = untranslatable_text(source_modules())
    assert not problems, "mark these with gettext_noop/gettext_lazy:\n" + "\n".join(
        problems
    )


def test_unmarked_text_is_found_in_messages_and_translated_constants(tmp_path):
    source = tmp_path / "views.py"
    source.write_text(
        "from django.contrib import messages\n"
        "from django.utils.translation import gettext as _, gettext_noop\n"
        "NOTES = {'a': 'Satu baris untuk satu lembaga.', 'b': gettext_noop('Ditandai')}\n"
        "DONE = gettext_noop('Sudah ditandai.')\n"
        "def view(request, kind, count, error):\n"
        "    messages.success(request, 'Perubahan disimpan.')\n"
        "    messages.error(request, f'Gagal menyimpan {kind}')\n"
        "    messages.info(request, '%(n)s baris dibaca' % {'n': count})\n"
        "    messages.add_message(request, 20, message='Kegiatan {} dicatat'.format(kind))\n"
        "    messages.warning(request, _('Sudah benar, %(n)s.') % {'n': count})\n"
        "    messages.success(request, f'{kind}: {_(DONE)}')\n"
        "    messages.error(request, error.message)\n"
        "    return _(NOTES[kind]) + _(DONE)\n",
        encoding="utf-8",
    )

    problems = untranslatable_text({"views": Module("views", source)})

    assert sorted(problems) == sorted(
        [
            "views.py:6: messages.success: 'Perubahan disimpan.'",
            "views.py:7: messages.error: \"f'Gagal menyimpan {kind}'\"",
            "views.py:8: messages.info: '%(n)s baris dibaca'",
            "views.py:9: messages.add_message: 'Kegiatan {} dicatat'",
            "views.py:13: NOTES[kind]: 'Satu baris untuk satu lembaga.'",
        ]
    )
