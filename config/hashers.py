"""The password hasher: Argon2id with its cost written down, not left to the
library's defaults (see "Logins and sessions" in docs/deployment.md)."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class BansosArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id, 64 MiB, 3 passes, 2 lanes: about 0.2 s per check on the 2-core
    server it was measured on, within the 0.5 s budget of a login and above
    OWASP's minimum (19 MiB, 2 passes). Each login being checked holds 64 MiB
    for that time.

    The algorithm name stays "argon2": hashes made with other costs still
    verify, and Django re-hashes them with these on the next login
    (`must_update`), as it does PBKDF2 hashes (the hashers after this one)."""

    time_cost = 3
    memory_cost = 64 * 1024  # KiB
    parallelism = 2
