"""Seed the mappings of exchange/seeds.py; only missing codes are created."""

from django.db import migrations


def seed(apps, schema_editor):
    from exchange.seeds import seed_mappings

    seed_mappings(apps.get_model("exchange", "Mapping"))


class Migration(migrations.Migration):
    dependencies = [("exchange", "0001_mappings_runs")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
