"""Seed the statistics of DOMAIN.md §5–6 (idempotent: only missing rows)."""

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
    dependencies = [("reporting", "0001_initial"), ("portal", "0003_seed_regions")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
