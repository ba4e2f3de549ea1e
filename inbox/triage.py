"""Inbox triage writes: assign, status (open / done / snoozed until), tags, internal notes, read state,
saved replies, and bulk versions of the first three. Every change is audited.

Callers hand in objects already scoped to the workspace (selectors.conversation_for_workspace); the bulk
services take raw ids and scope them here, so an id of another workspace is silently not touched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from inbox.models import Conversation, ConversationRead, ConversationStatus, Note, SavedReply, Tag
from workspaces.audit import audit_record
from workspaces.models import Member, Role, Workspace

# Who works the inbox (assign, tag, notes, done, reply) and who can be assigned a thread.
WORKER_ROLES: tuple[str, ...] = (Role.ADMIN, Role.COMMUNITY_MANAGER)
NOTE_MAX = 5000
TAG_MAX = 50
SAVED_TITLE_MAX = 100
SAVED_BODY_MAX = 5000
BULK_MAX = 500
PLACEHOLDERS = ("author_name", "author_handle", "channel_name", "my_name")
_TAG_SPACE = re.compile(r"\s+")


def _audit(conversation: Conversation, actor: Any, action: str, **details: Any) -> None:
    audit_record(workspace=conversation.workspace_id, actor=actor, action=action, target=conversation,
                 target_label=(conversation.title or conversation.author_name or str(conversation))[:300],
                 details=details)


# -- reopening (called by inbox.services at ingest) -----------------------------------------------------

def conversations_reopen(conversation_ids: Iterable[int]) -> int:
    """Threads that got a new item from someone else are open again, however they were left."""
    ids = [pk for pk in conversation_ids if pk]
    if not ids:
        return 0
    return (Conversation.objects.filter(pk__in=ids, status__in=(ConversationStatus.DONE, ConversationStatus.SNOOZED))
            .update(status=ConversationStatus.OPEN, snoozed_until=None))


# -- assign -------------------------------------------------------------------------------------------

def assignable_user(workspace: Workspace | int, user_id: int | None) -> Any:
    """The user for `user_id` if they may be assigned in this workspace, else a ValidationError."""
    if user_id is None:
        return None
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    member = (Member.objects.select_related("user")
              .filter(workspace_id=workspace_id, user_id=user_id, role__in=WORKER_ROLES).first())
    if member is None:
        raise ValidationError(_("Only admins and community managers of this workspace can be assigned."),
                              code="not_assignable")
    return member.user


def conversation_assign(conversation: Conversation, assignee: Any, *, actor: Any) -> Conversation:
    """Give the thread to `assignee` (a user who may be assigned) or to no one (None)."""
    assignee = assignable_user(conversation.workspace_id, getattr(assignee, "pk", None))
    before = conversation.assignee_id
    if before == getattr(assignee, "pk", None):
        return conversation
    Conversation.objects.filter(pk=conversation.pk).update(assignee=assignee)
    conversation.assignee = assignee
    _audit(conversation, actor, "conversation.assigned", assignee=assignee.get_username() if assignee else "",
           previous=before)
    return conversation


# -- status -------------------------------------------------------------------------------------------

def conversation_set_status(conversation: Conversation, status: str, *, actor: Any,
                            snoozed_until: datetime | None = None, now: datetime | None = None) -> Conversation:
    """Open, done, or snoozed until a future time (after which it counts as open again)."""
    now = now or timezone.now()
    if status not in ConversationStatus.values:
        raise ValidationError(_("Unknown status %(status)s: use open, done or snoozed.")
                              % {"status": repr(status)[:40]}, code="status")
    if status == ConversationStatus.SNOOZED:
        if snoozed_until is None or timezone.is_naive(snoozed_until):
            raise ValidationError(_("Pick when the conversation should come back."), code="snooze_time")
        if snoozed_until <= now:
            raise ValidationError(_("Snooze until a time in the future."), code="snooze_past")
    else:
        snoozed_until = None
    Conversation.objects.filter(pk=conversation.pk).update(status=status, snoozed_until=snoozed_until)
    conversation.status, conversation.snoozed_until = status, snoozed_until
    _audit(conversation, actor, f"conversation.{status}",
           until=snoozed_until.isoformat() if snoozed_until else None)
    return conversation


# -- tags ---------------------------------------------------------------------------------------------

def clean_tag(name: Any) -> str:
    """A tag as stored: trimmed, inner whitespace collapsed, lower case (so "Billing" and "billing" are one)."""
    cleaned = _TAG_SPACE.sub(" ", str(name or "")).strip().lower()
    if not cleaned:
        raise ValidationError(_("A tag needs a name."), code="tag_empty")
    if len(cleaned) > TAG_MAX:
        raise ValidationError(_("A tag can have at most %(n)d characters.") % {"n": TAG_MAX}, code="tag_long")
    return cleaned


def _tags(workspace_id: int, names: Iterable[str]) -> list[Tag]:
    wanted = list(dict.fromkeys(clean_tag(name) for name in names))
    Tag.objects.bulk_create([Tag(workspace_id=workspace_id, name=name) for name in wanted], ignore_conflicts=True)
    return list(Tag.objects.filter(workspace_id=workspace_id, name__in=wanted))


def conversation_tag(conversation: Conversation, add: Iterable[str] = (), remove: Iterable[str] = (), *,
                     actor: Any) -> list[str]:
    """Add and remove tags by name (added ones are created on first use). Returns the thread's tags."""
    added = _tags(conversation.workspace_id, add)
    removed_names = [clean_tag(name) for name in remove]
    with transaction.atomic():
        conversation.tags.add(*added)
        gone = Tag.objects.filter(workspace_id=conversation.workspace_id, name__in=removed_names)
        conversation.tags.remove(*gone)
    names = sorted(conversation.tags.values_list("name", flat=True))
    if added or removed_names:
        _audit(conversation, actor, "conversation.tagged", added=[t.name for t in added], removed=removed_names)
    return names


# -- notes and read state -----------------------------------------------------------------------------

def note_add(conversation: Conversation, text: str, *, author: Any) -> Note:
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write something in the note first."), code="note_empty")
    if len(text) > NOTE_MAX:
        raise ValidationError(_("A note can have at most %(n)d characters.") % {"n": NOTE_MAX}, code="note_long")
    note = Note.objects.create(workspace_id=conversation.workspace_id, conversation=conversation,
                               author=author if getattr(author, "is_authenticated", False) else None, text=text)
    _audit(conversation, author, "conversation.noted", note=note.pk)
    return note


def conversation_mark_read(conversation: Conversation, user: Any, at: datetime | None = None) -> None:
    """`user` has seen the thread as of `at` (now). Not audited: it is a person's own reading position."""
    if not getattr(user, "is_authenticated", False):
        return
    at = at or timezone.now()
    updated = ConversationRead.objects.filter(conversation=conversation, user=user, read_at__lt=at).update(read_at=at)
    if not updated:
        try:
            with transaction.atomic():
                ConversationRead.objects.get_or_create(conversation=conversation, user=user, defaults={"read_at": at})
        except IntegrityError:  # two tabs marking it at once: the other one's row is just as good
            pass


# -- saved replies ------------------------------------------------------------------------------------

def _saved_fields(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    errors = []
    if not title:
        errors.append(ValidationError(_("Give the saved reply a title."), code="title_empty"))
    elif len(title) > SAVED_TITLE_MAX:
        errors.append(ValidationError(_("A title can have at most %(n)d characters.") % {"n": SAVED_TITLE_MAX},
                                      code="title_long"))
    if not body:
        errors.append(ValidationError(_("Write the reply's text."), code="body_empty"))
    elif len(body) > SAVED_BODY_MAX:
        errors.append(ValidationError(_("A saved reply can have at most %(n)d characters.") % {"n": SAVED_BODY_MAX},
                                      code="body_long"))
    if errors:
        raise ValidationError(errors)
    return title, body


def _save_unique(saved: SavedReply) -> None:
    try:
        with transaction.atomic():
            saved.save()
    except IntegrityError:
        raise ValidationError(_("A saved reply called %(title)s exists already.") % {"title": saved.title},
                              code="title_taken") from None


def saved_reply_create(workspace: Workspace, title: str, body: str, *, actor: Any) -> SavedReply:
    title, body = _saved_fields(title, body)
    saved = SavedReply(workspace=workspace, title=title, body=body,
                       created_by=actor if getattr(actor, "is_authenticated", False) else None)
    _save_unique(saved)
    audit_record(workspace=workspace, actor=actor, action="saved_reply.created", target=saved)
    return saved


def saved_reply_update(saved: SavedReply, title: str, body: str, *, actor: Any) -> SavedReply:
    saved.title, saved.body = _saved_fields(title, body)
    saved.updated_at = timezone.now()
    _save_unique(saved)
    audit_record(workspace=saved.workspace_id, actor=actor, action="saved_reply.updated", target=saved)
    return saved


def saved_reply_delete(saved: SavedReply, *, actor: Any) -> None:
    pk, workspace_id = saved.pk, saved.workspace_id
    saved.delete()
    saved.pk = pk
    audit_record(workspace=workspace_id, actor=actor, action="saved_reply.deleted", target=saved)


def saved_reply_render(body: str, conversation: Conversation, user: Any) -> str:
    """The body with its placeholders filled in, as plain text (the template escapes it when shown).

    Plain replacement of the four known names, not str.format: a body like "{0.__class__}" stays text."""
    my_name = (user.get_full_name() or user.get_username()) if user is not None else ""
    handle = conversation.author_handle
    values = {
        "author_name": conversation.author_name or handle or _("there"),
        "author_handle": f"@{handle.lstrip('@')}" if handle else "",
        "channel_name": conversation.channel.display_name,
        "my_name": my_name,
    }
    for name in PLACEHOLDERS:
        body = body.replace("{" + name + "}", values[name])
    return body


# -- bulk ---------------------------------------------------------------------------------------------

BULK_ACTIONS = ("done", "open", "assign", "tag")


def conversations_bulk(workspace: Workspace, ids: Iterable[Any], action: str, *, actor: Any,
                       assignee_id: int | None = None, tag: str = "") -> int:
    """Apply one action to many threads of this workspace. Returns how many were changed.

    Unknown ids and ids of other workspaces are ignored: the selection came from a page that may be stale."""
    wanted = [int(pk) for pk in ids if str(pk).isdigit() and int(pk) < 2**63][:BULK_MAX]
    if action not in BULK_ACTIONS:
        raise ValidationError(_("Pick what to do with the selected conversations."), code="bulk_action")
    if not wanted:
        raise ValidationError(_("Select at least one conversation."), code="bulk_empty")
    rows = Conversation.objects.filter(workspace=workspace, pk__in=wanted)
    found = list(rows.values_list("pk", flat=True))
    if action in ("done", "open"):
        changed = rows.update(status=action, snoozed_until=None)
    elif action == "assign":
        user = assignable_user(workspace, assignee_id)
        changed = rows.update(assignee=user)
    else:
        (tag_row,) = _tags(workspace.pk, [tag])
        through = Conversation.tags.through
        through.objects.bulk_create([through(conversation_id=pk, tag_id=tag_row.pk) for pk in found],
                                    ignore_conflicts=True)
        changed = len(found)
    audit_record(workspace=workspace, actor=actor, action="conversation.bulk",
                 target_label=ngettext("%(n)d conversation", "%(n)d conversations", len(found)) % {"n": len(found)},
                 details={"action": action, "ids": found, "assignee": assignee_id, "tag": tag if action == "tag"
                          else ""})
    return changed
