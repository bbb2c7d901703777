"""Seed what is new in reporting/seeds.py (the indicators of patents taken up by a region's
enterprises and of projects approved); the seed creates only missing rows, so nothing the bureau
edited changes."""

from django.db import migrations


def seed(apps, schema_editor):
    from reporting.seeds import seed_reporting

    seed_reporting(
        apps.get_model("reporting", "DataElement"),
        apps.get_model("reporting", "ReturnForm"),
        apps.get_model("reporting", "ValidationRule"),
        apps.get_model("reporting", "Indicator"),
        apps.get_model("reporting", "Target"),
        apps.get_model("portal", "Region"),
    )


class Migration(migrations.Migration):
    dependencies = [("reporting", "0006_upload_failure")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
