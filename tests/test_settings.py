import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import formats, translation

ROOT = Path(__file__).resolve().parents[1]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean_env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        SECRET_KEY="x" * 20 + "-production-secret-key-for-the-check-only-0123456789",
        ALLOWED_HOSTS="bansos.example.go.id",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    result = run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        ALLOWED_HOSTS="bansos.example.go.id",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_the_office_works_in_indonesian_and_wita():
    assert settings.LANGUAGE_CODE == "id"
    assert settings.TIME_ZONE == "Asia/Makassar"
    assert {code for code, _name in settings.LANGUAGES} == {"id", "en"}


@pytest.mark.parametrize("language", ["id", "en"])
def test_dates_are_day_first_in_every_language(language):
    with translation.override(language):
        assert formats.get_format("SHORT_DATE_FORMAT") == "d/m/Y"
        assert formats.get_format("DATE_INPUT_FORMATS")[0] == "%d/%m/%Y"
        assert "%m/%d/%Y" not in formats.get_format("DATE_INPUT_FORMATS")


@pytest.mark.parametrize("language", ["id", "en"])
def test_month_first_input_is_refused(language):
    from django import forms

    class DateForm(forms.Form):
        day = forms.DateField()

    with translation.override(language):
        assert not DateForm({"day": "02/13/2025"}).is_valid()
        form = DateForm({"day": "13/02/2025"})
        assert form.is_valid()
        assert form.cleaned_data["day"].month == 2
