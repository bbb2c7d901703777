"""Seed Shaanxi, its ten cities, Ankang's counties and the two internal reporting units."""

from django.db import migrations

from portal.seeds import seed_regions


def seed(apps, schema_editor):
    seed_regions(apps.get_model("portal", "Region"), apps.get_model("portal", "RegionCodeAlias"))


class Migration(migrations.Migration):
    dependencies = [("portal", "0002_audit_append_only")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
