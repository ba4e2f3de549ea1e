"""Serializers of the inbox API. Output only for conversations; inputs are small request bodies that the
views hand to inbox.triage / inbox.replies. Everything from platforms is returned as plain text, as stored."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers import object_id
from inbox.models import Conversation, ConversationStatus, InboxItem, ItemKind, Note, Reply

SENTIMENTS = ("negative", "neutral", "positive")
STATUS_FILTERS = ("open", "snoozed", "done", "all")


class InboxFilterSerializer(serializers.Serializer):
    """The list's filters: the same as the inbox page's query string."""

    status = serializers.ChoiceField(choices=STATUS_FILTERS, required=False, default="open",
                                     help_text="open (the default; includes snoozes that have run out), snoozed, "
                                               "done or all.")
    unread = serializers.BooleanField(required=False, default=False, help_text="Only threads unread by you.")
    assigned = serializers.RegexField(r"^(me|none|\d{1,18})$", required=False,
                                      help_text="me, none, or a user id.")
    platform = serializers.RegexField(r"^[a-z0-9_]{1,30}$", required=False)
    channel = object_id(required=False)
    kind = serializers.ChoiceField(choices=ItemKind.values, required=False)
    sentiment = serializers.ChoiceField(choices=SENTIMENTS, required=False)
    attention = serializers.BooleanField(required=False, default=False, help_text="Only threads needing attention.")
    tag = serializers.CharField(required=False, max_length=50)
    q = serializers.CharField(required=False, max_length=200, help_text="Text in the author's name or handle, "
                                                                         "the snippet, or any message.")


class AuthorSerializer(serializers.Serializer):
    id = serializers.CharField(source="author_id")
    name = serializers.CharField(source="author_name")
    handle = serializers.CharField(source="author_handle")
    avatar_url = serializers.CharField(source="author_avatar_url")


class ConversationSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField(help_text="open, done or snoozed; a snooze that has run out is open.")
    platform = serializers.CharField(source="channel.platform")
    author = AuthorSerializer(source="*")
    assignee = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    unread = serializers.SerializerMethodField()
    sentiment = serializers.SerializerMethodField()
    needs_attention = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields = ("id", "channel", "platform", "kind", "status", "snoozed_until", "assignee", "tags", "unread",
                  "title", "snippet", "author", "item_count", "last_item_at", "delivery", "post_external_id",
                  "sentiment", "needs_attention", "created_at")
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=ConversationStatus.values))
    def get_status(self, conversation: Conversation) -> str:
        return getattr(conversation, "effective_status", conversation.status)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_assignee(self, conversation: Conversation) -> int | None:
        return conversation.assignee_id

    def get_tags(self, conversation: Conversation) -> list[str]:
        return [tag.name for tag in conversation.tags.all()]

    def get_unread(self, conversation: Conversation) -> bool:
        return bool(getattr(conversation, "is_unread", False))

    @extend_schema_field(serializers.CharField(help_text="negative, neutral, positive, or empty when not scored."))
    def get_sentiment(self, conversation: Conversation) -> str:
        return getattr(conversation, "sentiment_label", "") or ""

    def get_needs_attention(self, conversation: Conversation) -> bool:
        return bool(getattr(conversation, "needs_attention", False))


class InboxItemSerializer(serializers.ModelSerializer):
    author = AuthorSerializer(source="*")

    class Meta:
        model = InboxItem
        fields = ("id", "external_id", "kind", "author", "author_url", "permalink", "text", "in_reply_to", "hidden",
                  "from_us", "created_at")
        read_only_fields = fields


class NoteSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = Note
        fields = ("id", "author", "text", "created_at")
        read_only_fields = fields

    def get_author(self, note: Note) -> str:
        return note.author.get_username() if note.author else ""


class ReplySerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = Reply
        fields = ("id", "state", "text", "in_reply_to", "author", "external_id", "permalink", "error_message",
                  "created_at", "sent_at")
        read_only_fields = fields

    def get_author(self, reply: Reply) -> str:
        return reply.author.get_username() if reply.author else ""


class ConversationDetailSerializer(ConversationSerializer):
    items = serializers.SerializerMethodField()
    notes = serializers.SerializerMethodField()
    replies = serializers.SerializerMethodField()

    class Meta(ConversationSerializer.Meta):
        fields = (*ConversationSerializer.Meta.fields, "items", "notes", "replies")
        read_only_fields = fields

    @extend_schema_field(InboxItemSerializer(many=True))
    def get_items(self, conversation: Conversation) -> list[dict[str, Any]]:
        items = InboxItem.objects.filter(conversation=conversation, workspace_id=conversation.workspace_id)
        return InboxItemSerializer(items.order_by("created_at", "pk"), many=True).data

    @extend_schema_field(NoteSerializer(many=True))
    def get_notes(self, conversation: Conversation) -> list[dict[str, Any]]:
        return NoteSerializer(conversation.notes.select_related("author").order_by("created_at", "pk"), many=True).data

    @extend_schema_field(ReplySerializer(many=True))
    def get_replies(self, conversation: Conversation) -> list[dict[str, Any]]:
        replies = Reply.objects.filter(conversation=conversation, workspace_id=conversation.workspace_id)
        return ReplySerializer(replies.select_related("author").order_by("created_at", "pk"), many=True).data


class AssignSerializer(serializers.Serializer):
    assignee = object_id(allow_null=True, help_text="A user id of an admin or community manager; null unassigns.")


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ConversationStatus.values)
    snoozed_until = serializers.DateTimeField(required=False, allow_null=True,
                                              help_text="Required for snoozed: when it comes back (in the future).")


class TagsSerializer(serializers.Serializer):
    add = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=20)
    remove = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=20)


class ReplyInSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=50_001, trim_whitespace=False)
    in_reply_to = object_id(required=False, allow_null=True,
                            help_text="The inbox item answered (in this conversation); default: the newest one "
                                      "not written by us.")
