# Written by hand (three inbox migrations were made in parallel): the triage fields and models only.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("inbox", "0002_sync_state_and_item_details"),
        ("workspaces", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Tag",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=50)),
                ("workspace", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                related_name="inbox_tags", to="workspaces.workspace")),
            ],
            options={"ordering": ["name"]},
        ),
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.UniqueConstraint(fields=("workspace", "name"), name="inbox_tag_once_per_workspace"),
        ),
        migrations.AddField(
            model_name="conversation",
            name="status",
            field=models.CharField(choices=[("open", "Open"), ("done", "Done"), ("snoozed", "Snoozed")],
                                   default="open", max_length=8),
        ),
        migrations.AddField(
            model_name="conversation",
            name="snoozed_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="conversation",
            name="assignee",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="assigned_conversations", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name="conversation",
            name="tags",
            field=models.ManyToManyField(blank=True, related_name="conversations", to="inbox.tag"),
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(fields=["workspace", "status", "-last_item_at"], name="conversation_status"),
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(fields=["workspace", "assignee", "-last_item_at"], name="conversation_assignee"),
        ),
        migrations.CreateModel(
            name="ConversationRead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("read_at", models.DateTimeField()),
                ("conversation", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                   related_name="reads", to="inbox.conversation")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="inbox_reads",
                                           to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.AddConstraint(
            model_name="conversationread",
            constraint=models.UniqueConstraint(fields=("conversation", "user"), name="conversation_read_once"),
        ),
        migrations.CreateModel(
            name="Note",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("text", models.TextField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("author", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                             related_name="inbox_notes", to=settings.AUTH_USER_MODEL)),
                ("conversation", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                   related_name="notes", to="inbox.conversation")),
                ("workspace", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                related_name="inbox_notes", to="workspaces.workspace")),
            ],
            options={"ordering": ["created_at", "pk"]},
        ),
        migrations.AddIndex(
            model_name="note",
            index=models.Index(fields=["conversation", "created_at"], name="inbox_note_thread"),
        ),
        migrations.CreateModel(
            name="SavedReply",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=100)),
                ("body", models.TextField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                 related_name="+", to=settings.AUTH_USER_MODEL)),
                ("workspace", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                related_name="saved_replies", to="workspaces.workspace")),
            ],
            options={"ordering": ["title", "pk"]},
        ),
        migrations.AddConstraint(
            model_name="savedreply",
            constraint=models.UniqueConstraint(fields=("workspace", "title"), name="saved_reply_title_once"),
        ),
    ]
