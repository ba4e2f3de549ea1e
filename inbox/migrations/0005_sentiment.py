# Sentiment (VADER) on inbox items and conversations, the "needs attention" flag and its alerts.
# Written by hand: two other inbox migrations (0003_triage, 0004_replies) branch from 0002 at the same time.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

SENTIMENT_CHOICES = [("positive", "Positive"), ("neutral", "Neutral"), ("negative", "Negative")]


def score_stored_items(apps, schema_editor):
    """Items stored before sentiment existed get their score, and threads their label, in chunks."""
    from django.db.models import OuterRef, Subquery

    from inbox.sentiment import score

    InboxItem = apps.get_model("inbox", "InboxItem")
    Conversation = apps.get_model("inbox", "Conversation")
    last = 0
    while True:
        chunk = list(InboxItem.objects.filter(pk__gt=last, sentiment__isnull=True).order_by("pk")
                     .only("pk", "text")[:2000])
        if not chunk:
            break
        for item in chunk:
            item.sentiment, item.sentiment_label = score(item.text)
        InboxItem.objects.bulk_update(chunk, ["sentiment", "sentiment_label"], batch_size=500)
        last = chunk[-1].pk
    newest = (InboxItem.objects.filter(conversation=OuterRef("pk"), from_us=False)
              .order_by("-created_at", "-pk").values("sentiment_label")[:1])
    talked = InboxItem.objects.filter(from_us=False).values("conversation_id")
    Conversation.objects.filter(pk__in=talked).update(sentiment_label=Subquery(newest))


class Migration(migrations.Migration):

    dependencies = [
        ("inbox", "0002_sync_state_and_item_details"),
        ("workspaces", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation", name="sentiment_label",
            field=models.CharField(blank=True, choices=SENTIMENT_CHOICES, max_length=8),
        ),
        migrations.AddField(
            model_name="conversation", name="needs_attention",
            field=models.BooleanField(db_index=True, default=False),
        ),
        migrations.AddField(
            model_name="conversation", name="attention_reason",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name="conversation", name="attention_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="conversation", name="attention_alerted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="inboxitem", name="sentiment",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="inboxitem", name="sentiment_label",
            field=models.CharField(blank=True, choices=SENTIMENT_CHOICES, max_length=8),
        ),
        migrations.CreateModel(
            name="AttentionAlert",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("reason", models.CharField(max_length=300)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("emailed_to", models.PositiveIntegerField(default=0)),
                ("dismissed_at", models.DateTimeField(blank=True, null=True)),
                ("conversation", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                   related_name="attention_alerts", to="inbox.conversation")),
                ("workspace", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                related_name="attention_alerts", to="workspaces.workspace")),
            ],
            options={"ordering": ["-created_at", "-pk"]},
        ),
        migrations.AddIndex(
            model_name="attentionalert",
            index=models.Index(condition=models.Q(("dismissed_at__isnull", True)), fields=["workspace", "-created_at"],
                               name="attention_alert_open"),
        ),
        migrations.RunPython(score_stored_items, migrations.RunPython.noop, elidable=True),
    ]
