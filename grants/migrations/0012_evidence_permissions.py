# Written by hand on 2026-11-30: the roles get the permissions of the evidence
# models (documents, LPJ evidence and reviews, overrides, reminders).

from django.contrib.auth.management import create_permissions
from django.db import migrations

OPERATOR, VERIFIKATOR, PIMPINAN, BENDAHARA = (
    "Operator",
    "Verifikator",
    "Pimpinan",
    "Bendahara",
)

# (app, codename): roles. Scans carry NPWPs and bank-book pages, so the
# Pengamat, who only reads lists and reports, does not see them.
ROLE_PERMISSIONS = {
    ("institutions", "add_institutiondocument"): (OPERATOR,),
    ("institutions", "view_institutiondocument"): (
        OPERATOR,
        VERIFIKATOR,
        PIMPINAN,
        BENDAHARA,
    ),
    ("grants", "add_lpjevidence"): (OPERATOR,),
    ("grants", "view_lpjevidence"): (OPERATOR, VERIFIKATOR, PIMPINAN, BENDAHARA),
    ("grants", "add_lpjround"): (OPERATOR,),
    ("grants", "view_lpjround"): (OPERATOR, VERIFIKATOR, PIMPINAN, BENDAHARA),
    ("grants", "add_lpjitemreview"): (VERIFIKATOR,),
    ("grants", "view_lpjitemreview"): (OPERATOR, VERIFIKATOR, PIMPINAN, BENDAHARA),
    ("grants", "add_eligibilityoverride"): (PIMPINAN,),
    ("grants", "view_eligibilityoverride"): (
        OPERATOR,
        VERIFIKATOR,
        PIMPINAN,
        BENDAHARA,
    ),
    ("grants", "view_lpjreminder"): (OPERATOR, VERIFIKATOR, PIMPINAN),
}


def grant_permissions(apps, schema_editor):
    # Permissions are normally created after all migrations; roles need them now.
    for label in ("institutions", "grants"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for (app_label, codename), roles in ROLE_PERMISSIONS.items():
        permission = Permission.objects.get(
            content_type__app_label=app_label, codename=codename
        )
        for group in Group.objects.filter(name__in=roles):
            group.permissions.add(permission)


def revoke_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for (app_label, codename), roles in ROLE_PERMISSIONS.items():
        for group in Group.objects.filter(name__in=roles):
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename=codename
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("grants", "0011_evidence"),
        ("institutions", "0011_evidence"),
    ]

    operations = [migrations.RunPython(grant_permissions, revoke_permissions)]
