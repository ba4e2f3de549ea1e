# Written by hand (three helpers change inbox/models.py at once): the Reply and ReplyAttempt tables only.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

REPLY_STATES = [
    ("queued", "Queued"), ("sending", "Sending"), ("sent", "Sent"), ("retry_wait", "Waiting to retry"),
    ("failed", "Failed"), ("unknown", "Checking"), ("needs_check", "Needs checking"),
    ("needs_reconnect", "Needs reconnect"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("inbox", "0002_sync_state_and_item_details"),
        ("platforms", "0003_channel_health_notices"),
        ("workspaces", "0002_audit_approval_language"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Reply",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("text", models.TextField()),
                ("state", models.CharField(choices=REPLY_STATES, default="queued", max_length=20)),
                ("attempt_token", models.UUIDField(blank=True, null=True)),
                ("lease_expires_at", models.DateTimeField(blank=True, null=True)),
                ("attempt_count", models.PositiveIntegerField(default=0)),
                ("next_attempt_at", models.DateTimeField(blank=True, null=True)),
                ("first_sent_at", models.DateTimeField(blank=True, null=True)),
                ("external_id", models.CharField(blank=True, max_length=200)),
                ("permalink", models.CharField(blank=True, max_length=1000)),
                ("error_code", models.CharField(blank=True, max_length=64)),
                ("error_message", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("author", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                             related_name="inbox_replies", to=settings.AUTH_USER_MODEL)),
                ("channel", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="replies",
                                              to="platforms.channel")),
                ("conversation", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                   related_name="replies", to="inbox.conversation")),
                ("in_reply_to", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                  related_name="answers", to="inbox.inboxitem")),
                ("sent_item", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                related_name="+", to="inbox.inboxitem")),
                ("workspace", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="replies",
                                                to="workspaces.workspace")),
            ],
            options={"ordering": ["created_at", "pk"]},
        ),
        migrations.CreateModel(
            name="ReplyAttempt",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.UUIDField(db_index=True)),
                ("started_at", models.DateTimeField()),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("outcome", models.CharField(blank=True, max_length=20)),
                ("error_class", models.CharField(blank=True, max_length=64)),
                ("error_message", models.TextField(blank=True)),
                ("duration_ms", models.PositiveIntegerField(blank=True, null=True)),
                ("reply", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="attempts",
                                            to="inbox.reply")),
            ],
            options={"ordering": ["started_at", "pk"]},
        ),
        migrations.AddIndex(
            model_name="reply",
            index=models.Index(fields=["conversation", "created_at"], name="reply_thread"),
        ),
        migrations.AddIndex(
            model_name="reply",
            index=models.Index(fields=["state", "lease_expires_at"], name="reply_lease"),
        ),
        migrations.AddIndex(
            model_name="reply",
            index=models.Index(fields=["state", "next_attempt_at"], name="reply_due"),
        ),
    ]
