from django.db import migrations


class Migration(migrations.Migration):
    """The table takes the app's name now that nothing in institutions uses it."""

    dependencies = [
        ("imports", "0001_initial"),
        ("institutions", "0007_import_batch_moved"),
        ("grants", "0009_import_batch_moved"),
    ]

    operations = [migrations.AlterModelTable(name="importbatch", table=None)]
