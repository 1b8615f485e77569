"""Test settings: only what makes the suite faster or hermetic."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-only-secret-key-not-for-anything-else-bansos"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATABASES = {
    "default": env.db("DATABASE_URL", default="sqlite:///:memory:"),
}
# Tests serve static files through the finders; there is no collected folder.
STATIC_ROOT = None
WHITENOISE_AUTOREFRESH = True
# The suite checks the policy as production enforces it, whatever DEBUG says.
CONTENT_SECURITY_POLICY = BANSOS_CONTENT_SECURITY_POLICY  # noqa: F405
CONTENT_SECURITY_POLICY_REPORT_ONLY = None
# Tasks run at once, in the test, when their transaction commits (see tests/conftest.py).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# A cache of the test process alone: no page cached by an earlier run.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
