from django.db import migrations, models

import institutions.models


class Migration(migrations.Migration):
    dependencies = [
        ("institutions", "0009_participant_verification_code"),
    ]

    operations = [
        migrations.AlterField(
            model_name="participant",
            name="verification_code",
            field=models.CharField(
                default=institutions.models.new_verification_code,
                editable=False,
                max_length=10,
                unique=True,
                verbose_name="kode verifikasi sertifikat",
            ),
        ),
    ]
