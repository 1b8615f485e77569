"""Production settings: secrets come from the environment, with no defaults."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import BASE_DIR, DEV_SECRET_KEY, env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")
if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be a long random value in production.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# Scaling out ("Scaling out" in docs/deployment.md): a streaming replica of the
# primary, from which the report pages read (config/db_router.py).
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    # Tests (and `migrate`) never create or change the replica itself.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}

# `collectstatic` (run by `make serve`) writes here; WhiteNoise serves it, with
# hashed names (cached for a year) and gzip/Brotli variants made beforehand.
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploaded files (import lists) on S3-compatible storage instead of MEDIA_ROOT,
# so that several app servers share them: needs the optional dependencies
# (`pip install -e '.[s3]'`, i.e. django-storages with boto3). Private: files
# are read through the app (signed URLs otherwise), never public.
BANSOS_S3_BUCKET = env.str("BANSOS_S3_BUCKET", default="")
if BANSOS_S3_BUCKET:
    try:
        import storages.backends.s3  # noqa: F401
    except ImportError as exc:
        raise ImproperlyConfigured(
            "BANSOS_S3_BUCKET is set but django-storages (with boto3) is not "
            "installed: run `pip install -e '.[s3]'`, or unset BANSOS_S3_BUCKET "
            "to keep the uploaded files in MEDIA_ROOT."
        ) from exc
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": BANSOS_S3_BUCKET,
            "endpoint_url": env.str("BANSOS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("BANSOS_S3_REGION", default="") or None,
            "access_key": env.str("BANSOS_S3_ACCESS_KEY_ID"),
            "secret_key": env.str("BANSOS_S3_SECRET_ACCESS_KEY"),
            "location": env.str("BANSOS_S3_PREFIX", default=""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
