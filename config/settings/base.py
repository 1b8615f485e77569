"""Settings shared by every environment; values come from the environment or `.env`."""

import datetime
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
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
    "axes",  # login throttling: see "Logins and sessions" below
    # Optional two-factor login (config/otp.py; see "Two-factor login" below).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_filters",
    "import_export",
    "csp",
    "common",
    "institutions",
    "grants",
    "imports",
    "reports",
    # Background tasks: see "# Background tasks" below.
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.headers.StaffPageHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether a TOTP code was entered this session.
    "django_otp.middleware.OTPMiddleware",
    # A database outage answers 503 (config/outage.py); right after auth.
    "config.outage.DatabaseOutageMiddleware",
    # Every page needs a login unless its view says otherwise.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Logs a user out BANSOS_SESSION_MAX_HOURS after login (after auth and messages).
    "config.session_limits.SessionLifetimeMiddleware",
    # With TOTP on, nothing but the code page and logout until a code is entered.
    "config.otp.OTPStepMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a locked-out login into the lockout page; axes wants it last.
    "axes.middleware.AxesMiddleware",
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
# Report summaries read from the "replica" alias when prod.py defines one
# (DATABASE_REPLICA_URL); otherwise everything uses "default".
DATABASE_ROUTERS = ["config.db_router.ReportsReplicaRouter"]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Logins and sessions (config/session_limits.py, config/hashers.py; see
# "Logins and sessions" in docs/deployment.md) ---------------------------------
AUTHENTICATION_BACKENDS = [
    # django-axes: refuses a login while that username is locked out at that address.
    "config.session_limits.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2 first; PBKDF2 still verifies older hashes, which are re-hashed with Argon2
# at the next login.
PASSWORD_HASHERS = [
    "config.hashers.BansosArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
# A session ends after this many minutes without a request (each request extends
# it) or when the browser closes (office computers are shared) ...
BANSOS_SESSION_IDLE_MINUTES = max(env.int("BANSOS_SESSION_IDLE_MINUTES", default=30), 1)
SESSION_COOKIE_AGE = BANSOS_SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
# Django's database sessions, each request's save being a single UPDATE.
SESSION_ENGINE = "config.session_limits"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# ... and, however active, this many hours after logging in: never more than 12.
BANSOS_SESSION_MAX_HOURS = min(
    max(env.float("BANSOS_SESSION_MAX_HOURS", default=12.0), 0.25), 12.0
)
# django-axes: 5 failures of one username from one address lock that pair for 15
# minutes (counted from the last failure; tries while locked do not extend it);
# a success clears the count. Colleagues behind the same NAT address, and the same
# user elsewhere, are not affected. `manage.py axes_reset_username NAME` unlocks.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "config.session_limits.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# The client address: REMOTE_ADDR, or the header the proxy in front sets itself
# (nginx: `proxy_set_header X-Real-IP $remote_addr;` and BANSOS_CLIENT_IP_HEADER=X-Real-IP).
# Never name a header the proxy passes through from the client.
BANSOS_CLIENT_IP_HEADER = env.str("BANSOS_CLIENT_IP_HEADER", default="")
AXES_CLIENT_IP_CALLABLE = "config.session_limits.client_ip"
# Successful logins go to the `bansos.security` log instead of a table nobody reads;
# the axes tables stay out of the admin (unlock with the axes_reset_* commands).
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
# Two-factor login (config/otp.py): superusers, staff administrators and Pimpinan
# may turn on a TOTP app on "Keamanan akun"; with BANSOS_TOTP_REQUIRED they must.
BANSOS_TOTP_REQUIRED = env.bool("BANSOS_TOTP_REQUIRED", default=False)
OTP_TOTP_ISSUER = "Bansos Dinsos Gorontalo"

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
# Each scan (document, NPHD, LPJ evidence) is refused above this size. Django's
# own limits stay: DATA_UPLOAD_MAX_MEMORY_SIZE counts the form fields, not the
# files, and files above FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) are spooled to a
# temporary file. The proxy's body limit must allow several scans per request.
BANSOS_UPLOAD_MAX_BYTES = env.int("BANSOS_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)

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

# Background tasks (django-tasks; "Background tasks" in docs/deployment.md) -----
# Report recounts and large import confirms run after the request commits, in a
# worker: `manage.py db_worker` for the database backend (the default: no other
# service needed), `manage.py rqworker --job-class django_tasks_rq.Job` for RQ on
# Redis (BANSOS_TASKS_BACKEND=rq with REDIS_URL), for installs that outgrow one
# machine. `immediate` runs each task at once in the process that enqueues it.
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
BANSOS_TASKS_BACKEND = env.str("BANSOS_TASKS_BACKEND", default="database")
REDIS_URL = env.str("REDIS_URL", default="")
if BANSOS_TASKS_BACKEND not in TASK_BACKENDS or (
    BANSOS_TASKS_BACKEND == "rq" and not REDIS_URL
):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "BANSOS_TASKS_BACKEND must be database, immediate, or rq with REDIS_URL."
    )
TASKS = {"default": {"BACKEND": TASK_BACKENDS[BANSOS_TASKS_BACKEND]}}
if BANSOS_TASKS_BACKEND == "rq":
    # django-rq holds the queue settings and the `rqworker` command.
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
# A previewed list with more rows than this is confirmed by a background task,
# its page showing the progress; smaller ones are confirmed within the request.
BANSOS_IMPORT_BACKGROUND_ROWS = env.int("BANSOS_IMPORT_BACKGROUND_ROWS", default=2000)

# A large import's progress is written while its own transaction is still open,
# so it goes to a cache every process reads: Redis when REDIS_URL is set, else
# files under BANSOS_CACHE_DIR (also shared by the web workers' page cache).
BANSOS_CACHE_DIR = env.path("BANSOS_CACHE_DIR", default=BASE_DIR / "var" / "cache")

# E-mail (LPJ reminders, `manage.py send_lpj_reminders`) ------------------------
# EMAIL_URL (e.g. smtp+tls://user:password@mail.example.go.id:587) or EMAIL_HOST
# with EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS. Without
# either, development (DEBUG) prints the messages to the console and production
# hands them to an SMTP server on localhost.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="bansos@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
if env.str("EMAIL_URL", default=""):
    _email = env.email_url("EMAIL_URL")
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
    EMAIL_PORT = _email.get("EMAIL_PORT", 25)
    EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
elif env.str("EMAIL_HOST", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env.str("EMAIL_HOST")
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
# Reminders of an LPJ not yet handed in: so many days before its due date, and
# so many days after it (each sent once per grant and recipient).
BANSOS_LPJ_REMINDER_DAYS_BEFORE = env.list(
    "BANSOS_LPJ_REMINDER_DAYS_BEFORE", cast=int, default=[14, 3]
)
BANSOS_LPJ_REMINDER_DAYS_OVERDUE = env.list(
    "BANSOS_LPJ_REMINDER_DAYS_OVERDUE", cast=int, default=[1, 14, 30]
)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "bansos",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(BANSOS_CACHE_DIR),
        }
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint narrates every step of every PDF at INFO.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Failed logins, lockouts, logins and forced logouts (config/session_limits.py),
        # to the console whatever LOG_LEVEL says; axes's own chatter only from WARNING.
        "bansos.security": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}


# Content-Security-Policy (django-csp): nothing from elsewhere, no inline script
# or style without the page's nonce, no framing.
BANSOS_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
CONTENT_SECURITY_POLICY = BANSOS_CONTENT_SECURITY_POLICY
if DEBUG:
    # Django's debug pages style themselves inline: in development the policy
    # is reported in the browser console instead of enforced (tests enforce it).
    CONTENT_SECURITY_POLICY_REPORT_ONLY = BANSOS_CONTENT_SECURITY_POLICY
    CONTENT_SECURITY_POLICY = None
