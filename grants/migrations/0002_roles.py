"""Create the staff roles as groups with their permissions.

The table is frozen here on purpose: a later change of a role's rights is a
new migration, so every database gets the same groups.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_ALL = [
    "institutions.view_regency",
    "institutions.view_district",
    "institutions.view_village",
    "institutions.view_institution",
    "institutions.view_beneficiary",
    "institutions.view_beneficiaryenrollment",
    "institutions.view_trainingevent",
    "institutions.view_speaker",
    "institutions.view_participant",
    "grants.view_program",
    "grants.view_grant",
    "grants.view_grantevent",
    "grants.view_disbursement",
    "grants.view_accountabilityreport",
]

ROLE_PERMISSIONS = {
    "Operator": VIEW_ALL
    + [
        "institutions.add_institution",
        "institutions.change_institution",
        "institutions.add_beneficiary",
        "institutions.change_beneficiary",
        "institutions.add_beneficiaryenrollment",
        "institutions.change_beneficiaryenrollment",
        "institutions.delete_beneficiaryenrollment",
        "institutions.add_trainingevent",
        "institutions.change_trainingevent",
        "institutions.add_speaker",
        "institutions.change_speaker",
        "institutions.delete_speaker",
        "institutions.add_participant",
        "institutions.change_participant",
        "institutions.delete_participant",
        "grants.add_grant",
        "grants.propose_grant",
        "grants.add_accountabilityreport",
        "grants.change_accountabilityreport",
    ],
    "Verifikator": VIEW_ALL + ["grants.verify_grant"],
    "Pimpinan": VIEW_ALL
    + ["grants.add_program", "grants.change_program", "grants.approve_grant"],
    "Bendahara": VIEW_ALL + ["grants.disburse_grant", "grants.add_disbursement"],
    "Pengamat": VIEW_ALL,
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(
                Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.set(wanted)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=list(ROLE_PERMISSIONS)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("grants", "0001_initial"),
        ("institutions", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
