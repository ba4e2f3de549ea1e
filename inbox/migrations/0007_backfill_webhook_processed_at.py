"""Events processed before batching have a ProcessedEvent but no WebhookEvent.processed_at; stamp them so
they leave the partial index of pending events that the batch claim scans."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def stamp(apps, schema_editor):
    WebhookEvent = apps.get_model("platforms", "WebhookEvent")
    ProcessedEvent = apps.get_model("inbox", "ProcessedEvent")
    done = ProcessedEvent.objects.filter(event=OuterRef("pk")).values("processed_at")[:1]
    WebhookEvent.objects.filter(processed_at__isnull=True, inbox_processing__isnull=False).update(
        processed_at=Subquery(done))


class Migration(migrations.Migration):
    dependencies = [("inbox", "0006_merge"), ("platforms", "0003_channel_health_notices")]
    operations = [migrations.RunPython(stamp, migrations.RunPython.noop)]
