"""Reports read from the PostgreSQL replica, when there is one.

With DATABASE_REPLICA_URL set (config/settings/prod.py) there is a second
database alias, "replica": a streaming replica of the primary. Reads of the
report summaries (the `reports` app's models) go there, so that the report
pages' reads do not load the primary; everything else, and every write, uses
"default". Without a replica every answer is "default".

A read inside a transaction on the primary stays on the primary: the recount of
a year reads and rewrites its summaries in one transaction, and must see its
own writes (the replica lags behind by a moment). Migrations run on the primary
only; the replica receives them through replication.
"""

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
REPLICA_APPS = frozenset({"reports"})


class ReportsReplicaRouter:
    def __init__(self):
        self.has_replica = REPLICA in settings.DATABASES

    def db_for_read(self, model, **hints):
        if not self.has_replica or model._meta.app_label not in REPLICA_APPS:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same data.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
