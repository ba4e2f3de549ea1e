"""Sentiment at ingest, the "needs attention" flag, and the alert that tells the workspace about it.

The seed's "damaging news" case: a post goes out and the replies turn hostile. A new item flags its
conversation when it is
  * a comment, reply or mention on one of our posts published within INBOX_ATTENTION_WINDOW_HOURS
    (default 48) whose VADER compound is at or below INBOX_ATTENTION_THRESHOLD (default -0.5), or
  * a direct message from the same window that is strongly negative: at or below
    INBOX_ATTENTION_DM_THRESHOLD (default -0.75; a DM is one person, not a public pile-on).
Only the flag's first raising alerts: one in-app AttentionAlert and one e-mail to the admins and
community managers, from a task on the sync queue after ingest commits, at most once per conversation
per hour (a compare-and-set on attention_alerted_at decides, so two workers cannot both send).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from inbox.cleaning import clean_field
from inbox.models import AttentionAlert, Conversation, InboxItem, ItemKind
from inbox.sentiment import score
from workspaces.audit import audit_record
from workspaces.models import Member, Role, Workspace

logger = logging.getLogger(__name__)
ALERT_EVERY = timedelta(hours=1)
ALERT_ROLES = (Role.ADMIN, Role.COMMUNITY_MANAGER)
EXCERPT_CHARS = 200


@dataclass(frozen=True)
class Rules:
    threshold: float
    dm_threshold: float
    window: timedelta

    @classmethod
    def from_settings(cls) -> Rules:
        return cls(threshold=float(getattr(settings, "INBOX_ATTENTION_THRESHOLD", -0.5)),
                   dm_threshold=float(getattr(settings, "INBOX_ATTENTION_DM_THRESHOLD", -0.75)),
                   window=timedelta(hours=float(getattr(settings, "INBOX_ATTENTION_WINDOW_HOURS", 48))))


def alerts_enabled() -> bool:
    return bool(getattr(settings, "INBOX_ATTENTION_ALERTS", True))


# -- at ingest ---------------------------------------------------------------------------------------------

def sentiment_apply(items: list[InboxItem]) -> None:
    """Score unsaved items in place (pure CPU, no queries: ~0.05 ms for a short comment)."""
    for item in items:
        item.sentiment, item.sentiment_label = score(item.text)


def attention_after_ingest(workspace_id: int, items: list[InboxItem], now: datetime | None = None) -> list[int]:
    """After new items were stored (inside ingest's transaction): refresh the threads' sentiment and
    flag the ones that need attention. Returns the conversation ids flagged by this call; their alerts
    are enqueued when the transaction commits. A constant number of queries plus one per flagged thread."""
    if not items:
        return []
    moment = now or timezone.now()
    _refresh_labels({item.conversation_id for item in items if not item.from_us})
    reasons = _reasons(items, moment, Rules.from_settings())
    if not reasons:
        return []
    flagged = [pk for pk, reason in reasons.items()
               if Conversation.objects.filter(pk=pk, needs_attention=False).update(
                   needs_attention=True, attention_reason=reason[:300], attention_at=moment)]
    if flagged and alerts_enabled():
        transaction.on_commit(lambda: _enqueue_alerts(flagged))
    return flagged


def _refresh_labels(conversation_ids: set[int]) -> None:
    # From the rows, like the counts: an older item arriving late cannot overwrite a newer one's label.
    if not conversation_ids:
        return
    newest = (InboxItem.objects.filter(conversation=OuterRef("pk"), from_us=False)
              .order_by("-created_at", "-pk").values("sentiment_label")[:1])
    Conversation.objects.filter(pk__in=conversation_ids).update(sentiment_label=Subquery(newest))


def _reasons(items: list[InboxItem], now: datetime, rules: Rules) -> dict[int, str]:
    """Conversation id -> why it needs attention, for the items that qualify (the most negative wins)."""
    candidates = [item for item in items if not item.from_us and item.sentiment is not None
                  and item.sentiment <= max(rules.threshold, rules.dm_threshold)
                  and now - item.created_at <= rules.window]
    if not candidates:
        return {}
    public = {item.conversation_id for item in candidates if item.kind != ItemKind.MESSAGE}
    published = dict(Conversation.objects.filter(pk__in=public, delivery__published_at__isnull=False)
                     .values_list("pk", "delivery__published_at")) if public else {}
    found: dict[int, tuple[float, str]] = {}
    language = Workspace.objects.filter(pk=candidates[0].workspace_id).values_list("language", flat=True).first()
    with translation.override(language or settings.LANGUAGE_CODE):
        for item in sorted(candidates, key=lambda i: i.sentiment):
            reason = _reason(item, published.get(item.conversation_id), now, rules)
            if reason:
                found.setdefault(item.conversation_id, (item.sentiment, reason))
    return {pk: reason for pk, (_score, reason) in found.items()}


def _reason(item: InboxItem, published_at: datetime | None, now: datetime, rules: Rules) -> str:
    if item.kind == ItemKind.MESSAGE:
        if item.sentiment <= rules.dm_threshold:
            return _("Strongly negative direct message (sentiment %(score).2f).") % {"score": item.sentiment}
        return ""
    if item.sentiment > rules.threshold or published_at is None or now - published_at > rules.window:
        return ""
    hours = max(int((now - published_at).total_seconds() // 3600), 0)
    # One whole sentence per kind: in German the kind's gender changes the words around it.
    sentences = {
        ItemKind.REPLY: _("Negative reply on our post published %(hours)s h ago (sentiment %(score).2f)."),
        ItemKind.MENTION: _("Negative mention on our post published %(hours)s h ago (sentiment %(score).2f)."),
    }
    sentence = sentences.get(item.kind) or _(
        "Negative comment on our post published %(hours)s h ago (sentiment %(score).2f).")
    return sentence % {"hours": hours, "score": item.sentiment}


def _enqueue_alerts(conversation_ids: list[int]) -> None:
    from inbox.tasks import alert_attention  # tasks import services, which import this module

    for pk in conversation_ids:
        try:
            alert_attention.delay(pk)
        except Exception:  # noqa: BLE001 - a broker outage must not fail the ingest that already committed
            logger.exception("Could not enqueue the attention alert for conversation %s", pk)


# -- the alert (a task on the sync queue) ---------------------------------------------------------------------

def attention_alert(conversation_id: int, now: datetime | None = None) -> AttentionAlert | None:
    """Record the in-app alert and mail the admins and community managers, unless this conversation
    was alerted within the last hour, no longer needs attention, or alerts are off."""
    moment = now or timezone.now()
    conversation = Conversation.objects.select_related("workspace", "channel").filter(
        pk=conversation_id, needs_attention=True).first()
    if conversation is None or not alerts_enabled():
        return None
    quiet = Q(attention_alerted_at__isnull=True) | Q(attention_alerted_at__lte=moment - ALERT_EVERY)
    if not Conversation.objects.filter(quiet, pk=conversation.pk).update(attention_alerted_at=moment):
        return None
    alert = AttentionAlert.objects.create(workspace=conversation.workspace, conversation=conversation,
                                          reason=conversation.attention_reason, created_at=moment)
    recipients = alert_recipients(conversation.workspace)
    if recipients:
        try:
            alert_email(conversation, recipients).send()
            alert.emailed_to = len(recipients)
            alert.save(update_fields=["emailed_to"])
        except Exception:  # noqa: BLE001 - SMTP trouble: the in-app alert stays, the e-mail is not retried
            logger.exception("Could not mail the attention alert for conversation %s", conversation.pk)
    audit_record(workspace=conversation.workspace, actor=None, action="conversation.attention_alerted",
                 target=conversation, details={"reason": conversation.attention_reason,
                                               "emailed_to": len(recipients)})
    return alert


def alert_recipients(workspace: Workspace) -> list[str]:
    members = Member.objects.filter(workspace=workspace, role__in=ALERT_ROLES, user__is_active=True)
    return sorted({email for email in members.values_list("user__email", flat=True) if email})


def defang(text: str) -> str:
    """One line of a stranger's text for an e-mail: no line breaks, and links made unclickable, since
    mail programs turn anything that looks like a URL into a link."""
    line = clean_field(text, EXCERPT_CHARS)
    line = re.sub(r"(?i)\b([a-z][a-z0-9+.-]{1,15}):(//)?", lambda m: f"{m.group(1)}[:]{m.group(2) or ''}", line)
    return re.sub(r"(?i)\bwww\.", "www[.]", line)


def inbox_url(conversation: Conversation) -> str:
    """The conversation opened in the inbox (the page by URL name; a plain path if it is not wired)."""
    base = str(getattr(settings, "PUBLIC_BASE_URL", "")).rstrip("/")
    slug = conversation.workspace.slug
    try:
        return base + reverse("inbox:conversation", kwargs={"slug": slug, "conversation_id": conversation.pk})
    except NoReverseMatch:
        return f"{base}/w/{slug}/inbox/"


def alert_email(conversation: Conversation, recipients: list[str]) -> EmailMultiAlternatives:
    """Subject and layout are ours; the stranger's words appear only as an escaped, defanged excerpt."""
    workspace = conversation.workspace
    # The most negative thing said in the thread: most likely the item that raised the flag.
    worst = (InboxItem.objects.filter(conversation=conversation, from_us=False, sentiment__isnull=False)
             .order_by("sentiment", "-created_at").first())
    context = {"workspace": workspace, "conversation": conversation, "reason": conversation.attention_reason,
               "channel": conversation.channel.display_name,
               "author": defang(worst.author_handle or worst.author_name) if worst else "",
               "excerpt": defang(worst.text) if worst else "", "inbox_url": inbox_url(conversation)}
    with translation.override(workspace.language):
        subject = _("SMO: a conversation in %(workspace)s needs attention") % {"workspace": workspace.name}
        text = render_to_string("emails/attention_alert.txt", context)
        html = render_to_string("emails/attention_alert.html", context)
    message = EmailMultiAlternatives(clean_field(subject, 200), text, to=recipients)
    message.attach_alternative(html, "text/html")
    return message


# -- people --------------------------------------------------------------------------------------------------

def conversation_attention_clear(workspace: Workspace, conversation_id: int, user: object) -> bool:
    """Someone handled it: lower the flag (a new negative item may raise it again). False if not ours."""
    conversation = Conversation.objects.filter(workspace=workspace, pk=conversation_id).first()
    if conversation is None:
        return False
    if Conversation.objects.filter(pk=conversation.pk, needs_attention=True).update(needs_attention=False):
        AttentionAlert.objects.filter(conversation=conversation, dismissed_at__isnull=True).update(
            dismissed_at=timezone.now())
        audit_record(workspace=workspace, actor=user, action="conversation.attention_cleared",
                     target=conversation, details={"reason": conversation.attention_reason})
    return True


def attention_alert_dismiss(workspace: Workspace, alert_id: int) -> bool:
    """Hide an alert for everyone in the workspace; False when it is not this workspace's."""
    found = AttentionAlert.objects.filter(workspace=workspace, pk=alert_id)
    found.filter(dismissed_at__isnull=True).update(dismissed_at=timezone.now())
    return found.exists()
