"""Retention of the audit log, and where its chain starts after a purge.

On PostgreSQL the append-only trigger now lets a row be deleted once it is 180 days old (the
Cybersecurity Law's six months; `manage.py purge_audit` archives such rows first) and still
refuses every UPDATE and every younger DELETE, even through raw SQL. Purge checkpoints are
append-only in the same way.
"""

import django.utils.timezone
from django.db import migrations, models

RETENTION = """
CREATE OR REPLACE FUNCTION portal_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.at < now() - interval '180 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'portal_auditentry is append-only: % refused (rows are kept 180 days)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION portal_auditcheckpoint_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'portal_auditcheckpoint is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS portal_auditcheckpoint_append_only ON portal_auditcheckpoint;
CREATE TRIGGER portal_auditcheckpoint_append_only
    BEFORE UPDATE OR DELETE ON portal_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION portal_auditcheckpoint_append_only();
"""

# The function of migration 0002: every UPDATE and DELETE refused.
NO_RETENTION = """
CREATE OR REPLACE FUNCTION portal_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'portal_auditentry is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS portal_auditcheckpoint_append_only ON portal_auditcheckpoint;
DROP FUNCTION IF EXISTS portal_auditcheckpoint_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(RETENTION, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NO_RETENTION, params=None)


class Migration(migrations.Migration):
    dependencies = [("portal", "0005_audit_hash_chain")]

    operations = [
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, editable=False, verbose_name="time"
                    ),
                ),
                (
                    "actor_label",
                    models.CharField(blank=True, max_length=150, verbose_name="user name"),
                ),
                ("before", models.DateTimeField(verbose_name="purged rows before")),
                ("last_id", models.BigIntegerField(unique=True, verbose_name="last purged entry")),
                (
                    "last_hash",
                    models.CharField(max_length=128, verbose_name="hash of the last purged entry"),
                ),
                ("rows", models.PositiveIntegerField(verbose_name="rows purged")),
                ("archive", models.CharField(max_length=500, verbose_name="archive file")),
                (
                    "archive_sha256",
                    models.CharField(max_length=64, verbose_name="SHA-256 of the archive file"),
                ),
            ],
            options={
                "verbose_name": "audit checkpoint",
                "verbose_name_plural": "audit checkpoints",
                "ordering": ["-last_id"],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
