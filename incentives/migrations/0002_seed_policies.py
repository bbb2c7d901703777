"""Seed the policies of DOMAIN.md §4 (incentives/seeds.py); only missing codes are created."""

from django.db import migrations


def seed(apps, schema_editor):
    from incentives.seeds import seed_policies

    seed_policies(apps.get_model("incentives", "Policy"), apps.get_model("portal", "Region"))


class Migration(migrations.Migration):
    dependencies = [
        ("incentives", "0001_policies_claims_budgets"),
        ("portal", "0003_seed_regions"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
