"""Settings shared by every environment; values come from the environment or `.env`."""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# A development key exists only so that `make run` works out of the box; without
# DEBUG the key must come from the environment (Django refuses an empty one).
DEV_SECRET_KEY = "django-insecure-dev-only-bansos-gorontalo-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY if DEBUG else "")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "import_export",
    "common",
    "institutions",
    "grants",
    "imports",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login unless its view says otherwise.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "institutions.context_processors.today",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Language, time and formats: Bahasa Indonesia first, WITA, and never month-first
# dates (Django's own `id` locale accepts 02/13/2025 as 13 February).
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Makassar"
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]
# Also for code that reads the global setting rather than the locale's formats.
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
]
# Years and NIKs must never be shown as `2.025`; money has its own filter.
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"

# Regions: the province whose Kemendagri regions `load_regions` loads.
BANSOS_PROVINCE_CODE = env.str("BANSOS_PROVINCE_CODE", default="75")

# The documents a programme checks before verification unless it sets its own
# (Pergub Gorontalo 9/2021 leaves the list to each programme).
BANSOS_DEFAULT_CHECKLIST = [
    "Proposal permohonan bantuan",
    "Surat keterangan terdaftar / SK pembentukan lembaga",
    "Fotokopi KTP ketua lembaga",
    "Fotokopi rekening bank atas nama lembaga",
    "NPWP lembaga",
    "Surat keterangan domisili dari desa/kelurahan",
]
# LPJ due: this day of January of the year after the programme's year.
BANSOS_LPJ_DUE_DAY = env.int("BANSOS_LPJ_DUE_DAY", default=10)

# Largest recipient or beneficiary list accepted for import, in bytes.
BANSOS_IMPORT_MAX_BYTES = env.int("BANSOS_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
# What an XLSX may inflate to once unzipped, each part and all together, in
# bytes: a 1 MB upload can otherwise hold half a gigabyte of text (zip bomb).
BANSOS_IMPORT_MAX_INFLATED_BYTES = env.int(
    "BANSOS_IMPORT_MAX_INFLATED_BYTES", default=100 * 1024 * 1024
)
# The longest cell (in characters) and the most columns with data in a row
# that an imported list may have, CSV or XLSX; more is refused, naming the row.
BANSOS_IMPORT_MAX_CELL_CHARS = env.int("BANSOS_IMPORT_MAX_CELL_CHARS", default=10_000)
# openpyxl holds an XLSX's shared strings in memory (about 4.5x their size).
BANSOS_IMPORT_MAX_SHARED_STRINGS_BYTES = env.int(
    "BANSOS_IMPORT_MAX_SHARED_STRINGS_BYTES", default=40 * 1024 * 1024
)
BANSOS_IMPORT_MAX_COLUMNS = env.int("BANSOS_IMPORT_MAX_COLUMNS", default=200)
# Where an import keeps its plan while checking a file (a temporary SQLite file,
# deleted afterwards); empty means the system's temporary directory.
BANSOS_IMPORT_SCRATCH_DIR = env.str("BANSOS_IMPORT_SCRATCH_DIR", default="") or None
# Days an unconfirmed preview, or a rejected or failed import, keeps its file
# (`manage.py purge_import_files`); imported lists keep theirs.
BANSOS_IMPORT_RETENTION_DAYS = env.int("BANSOS_IMPORT_RETENTION_DAYS", default=7)

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint narrates every step of every PDF at INFO.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
