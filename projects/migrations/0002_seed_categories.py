"""Seed the six 2023 categories with their KPIs and default rubric (idempotent: only missing ones)."""

from django.db import migrations


def seed(apps, schema_editor):
    from projects.seeds import seed_categories

    seed_categories(
        apps.get_model("projects", "Category"),
        apps.get_model("projects", "KPITemplate"),
        apps.get_model("projects", "RubricCriterion"),
    )


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
