from django.db import migrations, models

import institutions.models


def fill_verification_codes(apps, schema_editor):
    Participant = apps.get_model("institutions", "Participant")
    used = set()
    for participant in Participant.objects.filter(verification_code__isnull=True):
        code = institutions.models.new_verification_code()
        while code in used:
            code = institutions.models.new_verification_code()
        used.add(code)
        participant.verification_code = code
        participant.save(update_fields=["verification_code"])


class Migration(migrations.Migration):
    # Added empty, filled row by row, then made unique (0010): a default alone
    # would give every existing participant the same code.

    dependencies = [
        ("institutions", "0008_personal_data_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="participant",
            name="verification_code",
            field=models.CharField(
                editable=False,
                max_length=10,
                null=True,
                verbose_name="kode verifikasi sertifikat",
            ),
        ),
        migrations.RunPython(fill_verification_codes, migrations.RunPython.noop),
    ]
