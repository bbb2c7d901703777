import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("portal", "0006_audit_retention"),
    ]

    operations = [
        migrations.CreateModel(
            name="Counter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=60, unique=True)),
                ("value", models.PositiveBigIntegerField(default=0)),
            ],
            options={"verbose_name": "counter", "verbose_name_plural": "counters"},
        ),
        migrations.CreateModel(
            name="StateChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("object_id", models.PositiveBigIntegerField()),
                ("workflow", models.CharField(max_length=40, verbose_name="workflow")),
                ("action", models.CharField(max_length=32, verbose_name="action")),
                ("from_state", models.CharField(blank=True, max_length=24, verbose_name="from")),
                ("to_state", models.CharField(max_length=24, verbose_name="to")),
                ("reason", models.TextField(blank=True, verbose_name="reason")),
                (
                    "payload",
                    models.JSONField(
                        blank=True,
                        default=dict,
                        encoder=django.core.serializers.json.DjangoJSONEncoder,
                        verbose_name="details",
                    ),
                ),
                ("at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="at")),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="by",
                    ),
                ),
                (
                    "content_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="contenttypes.contenttype",
                    ),
                ),
            ],
            options={
                "verbose_name": "state change",
                "verbose_name_plural": "state changes",
                "ordering": ["at", "pk"],
                "indexes": [
                    models.Index(
                        fields=["content_type", "object_id", "at"], name="state_change_record"
                    ),
                    models.Index(fields=["workflow", "action", "at"], name="state_change_action"),
                ],
            },
        ),
    ]
