"""Imports get a status the workflow engine changes (portal/workflow.py): checked → applied |
failed, read from what the rows already recorded."""

from django.db import migrations, models


def forward(apps, schema_editor):
    Model = apps.get_model("exchange", "run")
    Model.objects.filter(applied_at__isnull=False).update(status="applied")
    Model.objects.filter(applied_at__isnull=True, failed_at__isnull=False).update(status="failed")


class Migration(migrations.Migration):
    dependencies = [("exchange", "0004_run_failure")]

    operations = [
        migrations.AddField(
            model_name="run",
            name="status",
            field=models.CharField(
                choices=[
                    ("checked", "Checked, awaiting confirmation"),
                    ("applied", "Applied"),
                    ("failed", "Failed, nothing stored"),
                ],
                default="checked",
                max_length=8,
                verbose_name="status",
            ),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
