"""Chain the audit log: each row gets the hash of its predecessor and its own hash.

Existing rows are chained here, in id order (portal/audit.py documents what is hashed). The
append-only trigger refuses UPDATE, so on PostgreSQL it is dropped for the backfill and created
again in the same transaction: no other connection ever sees the table without it.
"""

import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

DROP_TRIGGER = "DROP TRIGGER IF EXISTS portal_auditentry_append_only ON portal_auditentry;"
CREATE_TRIGGER = """
CREATE TRIGGER portal_auditentry_append_only
    BEFORE UPDATE OR DELETE ON portal_auditentry
    FOR EACH ROW EXECUTE FUNCTION portal_auditentry_append_only();
"""


def chain_existing_rows(apps, schema_editor):
    from portal import audit

    AuditEntry = apps.get_model("portal", "AuditEntry")
    postgres = schema_editor.connection.vendor == "postgresql"
    if not AuditEntry.objects.exists():
        return
    if postgres:
        schema_editor.execute(DROP_TRIGGER, params=None)
    algorithm = settings.AUDIT_HASH_ALGORITHM
    previous = ""
    batch = []
    rows = AuditEntry.objects.order_by("id").values_list(*audit.CHAIN_FIELDS)
    for values in rows.iterator(chunk_size=2000):
        row = dict(zip(audit.CHAIN_FIELDS, values, strict=True))
        row["hash_algorithm"], row["prev_hash"] = algorithm, previous
        previous = audit.digest(row)
        batch.append(
            AuditEntry(id=row["id"], hash_algorithm=algorithm, prev_hash=row["prev_hash"],
                       hash=previous)
        )  # fmt: skip
        if len(batch) >= 1000:
            AuditEntry.objects.bulk_update(batch, ["hash_algorithm", "prev_hash", "hash"])
            batch = []
    if batch:
        AuditEntry.objects.bulk_update(batch, ["hash_algorithm", "prev_hash", "hash"])
    if postgres:
        schema_editor.execute(CREATE_TRIGGER, params=None)


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_password_history_user_sessions")]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="at",
            field=models.DateTimeField(
                db_index=True,
                default=django.utils.timezone.now,
                editable=False,
                verbose_name="time",
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="hash_algorithm",
            field=models.CharField(blank=True, max_length=16, verbose_name="hash algorithm"),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(blank=True, max_length=128, verbose_name="previous hash"),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="hash",
            field=models.CharField(blank=True, max_length=128, verbose_name="hash"),
        ),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
    ]
