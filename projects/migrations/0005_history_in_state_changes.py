"""Applications' history moves to the portal's one workflow history table (portal.StateChange)."""

from django.db import migrations


def forward(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ApplicationEvent = apps.get_model("projects", "ApplicationEvent")
    StateChange = apps.get_model("portal", "StateChange")
    content_type, _created = ContentType.objects.get_or_create(
        app_label="projects", model="application"
    )
    batch = []
    for event in ApplicationEvent.objects.order_by("pk").iterator(chunk_size=2000):
        batch.append(
            StateChange(
                content_type_id=content_type.pk,
                object_id=event.application_id,
                workflow="projects.application",
                action=event.action,
                from_state=event.from_status,
                to_state=event.to_status,
                actor_id=event.actor_id,
                reason=event.reason,
                payload={},
                at=event.at,
            )
        )
        if len(batch) >= 2000:
            StateChange.objects.bulk_create(batch)
            batch = []
    StateChange.objects.bulk_create(batch)


def backward(apps, schema_editor):
    ApplicationEvent = apps.get_model("projects", "ApplicationEvent")
    StateChange = apps.get_model("portal", "StateChange")
    ApplicationEvent.objects.bulk_create(
        ApplicationEvent(
            application_id=change.object_id,
            action=change.action,
            from_status=change.from_state,
            to_status=change.to_state,
            actor_id=change.actor_id,
            reason=change.reason,
            at=change.at,
        )
        for change in StateChange.objects.filter(workflow="projects.application").iterator()
    )
    StateChange.objects.filter(workflow="projects.application").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("portal", "0007_workflow_history_and_counters"),
        ("projects", "0004_application_list_order"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(name="ApplicationEvent"),
    ]
