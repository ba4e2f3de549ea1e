"""Due-soon warnings: scheduled posts whose channel cannot publish them, told to the workspace in time.

A periodic job finds deliveries due within a window on channels that need reconnecting, are paused
by a rate limit, or whose login has expired, and records one Notice per (delivery, problem). New
notices are mailed to the workspace's admins, once: the unique constraint makes the notice itself
idempotent, and `emailed_at` is claimed before sending so two overlapping runs cannot both mail.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from platforms.models import Channel, Notice, NoticeKind
from platforms.selectors import deliveries_at_risk
from workspaces.models import Member, Role, Workspace

if TYPE_CHECKING:
    from scheduler.models import Delivery

logger = logging.getLogger(__name__)


def notices_warn_due_soon(now: datetime | None = None, within: timedelta | None = None) -> int:
    """Record a notice per at-risk delivery and problem, then mail the admins about new ones.
    Returns how many notices were created by this run."""
    moment = now or timezone.now()
    window = within or timedelta(minutes=settings_minutes())
    created = 0
    for delivery, problems in deliveries_at_risk(moment, window):
        for kind in problems:
            created += _notice_once(delivery, kind, moment)
    for workspace_id in _workspaces_with_unmailed(moment):
        _mail_admins(Workspace.objects.get(pk=workspace_id), moment)
    return created


def settings_minutes() -> int:
    return int(getattr(settings, "DUE_SOON_WARNING_MINUTES", 60))


def _notice_once(delivery: Delivery, kind: str, now: datetime) -> int:
    _notice, created = Notice.objects.get_or_create(
        delivery=delivery, kind=kind,
        defaults={"workspace_id": delivery.workspace_id, "channel_id": delivery.channel_id,
                  "message": notice_message(delivery, kind), "created_at": now},
    )
    return int(created)


def notice_message(delivery: Delivery, kind: str) -> str:
    """Plain text in the workspace's language and time zone (escaped wherever it is shown)."""
    workspace, channel = delivery.workspace, delivery.channel
    with translation.override(workspace.language):
        due = timezone.localtime(delivery.due_at, _zone(workspace)).strftime("%Y-%m-%d %H:%M %Z")
        reason = _reason(channel, kind, workspace, timezone.now())
        snippet = (delivery.post.text or _("(no text)"))[:60]
        return _("The post “%(post)s” is due on %(channel)s at %(due)s, but %(reason)s. "
                 "Fix the channel before then or the post will wait.") % {
            "post": snippet, "channel": channel.display_name, "due": due, "reason": reason}


def _reason(channel: Channel, kind: str, workspace: Workspace, now: datetime) -> str:
    if kind == NoticeKind.PAUSED:
        return _("the platform paused this channel until %(until)s") % {
            "until": _local(channel.paused_until, workspace)}
    if kind == NoticeKind.TOKEN_EXPIRED:
        expires = channel.token_expires_at
        if expires is not None and expires > now:
            return _("the channel's login expires at %(at)s and SMO cannot renew it") % {
                "at": _local(expires, workspace)}
        return _("the channel's login expired at %(at)s") % {"at": _local(expires, workspace)}
    return _("the channel needs reconnecting")


def _zone(workspace: Workspace) -> ZoneInfo:
    try:
        return ZoneInfo(workspace.time_zone)
    except (ValueError, LookupError):
        return ZoneInfo("UTC")


def _local(moment: datetime | None, workspace: Workspace) -> str:
    return timezone.localtime(moment, _zone(workspace)).strftime("%Y-%m-%d %H:%M %Z") if moment else "?"


def _workspaces_with_unmailed(now: datetime) -> list[int]:
    fresh = Notice.objects.filter(emailed_at__isnull=True, dismissed_at__isnull=True,
                                  created_at__gte=now - timedelta(days=1))
    return sorted(set(fresh.values_list("workspace_id", flat=True)))


def _mail_admins(workspace: Workspace, now: datetime) -> None:
    """Claim the workspace's unmailed notices, then send one email listing them. A failed send hands
    the claim back so the next run tries again."""
    with transaction.atomic():
        claimed = list(Notice.objects.select_for_update(skip_locked=True)
                       .filter(workspace=workspace, emailed_at__isnull=True, dismissed_at__isnull=True,
                               created_at__gte=now - timedelta(days=1))
                       .order_by("created_at", "pk"))
        Notice.objects.filter(pk__in=[n.pk for n in claimed]).update(emailed_at=now)
    recipients = admin_emails(workspace)
    if not claimed or not recipients:
        return
    try:
        _build_email(workspace, claimed, recipients).send()
    except Exception:  # SMTP trouble: keep the notices and retry on the next run
        logger.exception("Could not mail due-soon warnings for workspace %s", workspace.pk)
        Notice.objects.filter(pk__in=[n.pk for n in claimed]).update(emailed_at=None)


def admin_emails(workspace: Workspace) -> list[str]:
    members = Member.objects.filter(workspace=workspace, role=Role.ADMIN, user__is_active=True)
    return sorted({email for email in members.values_list("user__email", flat=True) if email})


def _build_email(workspace: Workspace, notices: list[Notice], recipients: list[str]) -> EmailMultiAlternatives:
    base = str(getattr(settings, "PUBLIC_BASE_URL", "")).rstrip("/")
    context = {"workspace": workspace, "notices": notices,
               "channels_url": base + reverse("platforms:list", kwargs={"slug": workspace.slug})}
    with translation.override(workspace.language):
        subject = _("SMO: %(count)s scheduled post(s) at risk in %(workspace)s") % {
            "count": len(notices), "workspace": workspace.name}
        text = render_to_string("emails/due_soon_warning.txt", context)
        html = render_to_string("emails/due_soon_warning.html", context)
    message = EmailMultiAlternatives(subject.replace("\n", " "), text, to=recipients)
    message.attach_alternative(html, "text/html")
    return message


def notice_dismiss(workspace: Workspace, notice_id: int) -> bool:
    """Hide a notice for everyone in the workspace; False when it is not this workspace's."""
    updated = Notice.objects.filter(workspace=workspace, pk=notice_id, dismissed_at__isnull=True).update(
        dismissed_at=timezone.now())
    return bool(updated) or Notice.objects.filter(workspace=workspace, pk=notice_id).exists()
