"""Who may import: Operators upload and confirm lists; every role sees the batches."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = "view_importbatch"
ADD = "add_importbatch"
ROLES_VIEWING = ["Operator", "Verifikator", "Pimpinan", "Bendahara", "Pengamat"]


def grant_permissions(apps, schema_editor):
    # Permissions are normally created after all migrations; roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = {
        codename: Permission.objects.get(
            content_type__app_label="institutions", codename=codename
        )
        for codename in (VIEW, ADD)
    }
    for group in Group.objects.filter(name__in=ROLES_VIEWING):
        group.permissions.add(perms[VIEW])
        if group.name == "Operator":
            group.permissions.add(perms[ADD])


def revoke_permissions(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    perms = Permission.objects.filter(
        content_type__app_label="institutions", codename__in=[VIEW, ADD]
    )
    for group in Group.objects.filter(name__in=ROLES_VIEWING):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("institutions", "0003_import_batch"),
        ("grants", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant_permissions, revoke_permissions)]
