"""Seed the mappings added to exchange/seeds.py (pledge, contract and product-filing imports; the
registration batch, transfer/licence records and classified statistics exports); only missing
codes are created."""

from django.db import migrations


def seed(apps, schema_editor):
    from exchange.seeds import seed_mappings

    seed_mappings(apps.get_model("exchange", "Mapping"))


class Migration(migrations.Migration):
    dependencies = [("exchange", "0002_seed_mappings")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
