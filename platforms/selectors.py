"""Channel reads. Every query is scoped to a workspace, except the engine's own maintenance reads."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from platforms.health import channel_problems
from platforms.models import Channel, Health, Notice, NoticeKind
from platforms.types import ChannelRef, Credentials
from workspaces.models import Workspace

if TYPE_CHECKING:
    from scheduler.models import Delivery

CREDENTIAL_FIELDS = ("access_token", "refresh_token", "token_secret")
WATCHED_STATES = ("scheduled", "retry_wait")  # waiting for the dispatcher, which skips unhealthy channels
STILL_WAITING_STATES = (*WATCHED_STATES, "needs_reconnect")


def channel_ref(channel: Channel) -> ChannelRef:
    """What an adapter gets for one call: ids plus decrypted credentials (never logged: see Credentials)."""
    stored = dict(channel.credentials or {})
    values = {name: str(stored.pop(name, "") or "") for name in CREDENTIAL_FIELDS}
    stored.pop("expires_at", None)  # the column is the source of truth; older rows may carry a copy
    credentials = Credentials(**values, expires_at=channel.token_expires_at, extra=stored)
    return ChannelRef(platform=channel.platform, external_id=channel.external_id, handle=channel.handle,
                      credentials=credentials)


def channels_for_workspace(workspace: Workspace) -> QuerySet[Channel]:
    return Channel.objects.filter(workspace=workspace).order_by("platform", "display_name", "pk")


def channel_for_workspace(workspace: Workspace, channel_id: int) -> Channel | None:
    return channels_for_workspace(workspace).filter(pk=channel_id).first()


def channels_needing_refresh(within: timedelta = timedelta(minutes=15), now: datetime | None = None
                             ) -> QuerySet[Channel]:
    """Healthy channels whose access token expires within `within` (for a periodic refresh job)."""
    moment = now or timezone.now()
    return Channel.objects.filter(
        health=Health.OK, token_expires_at__isnull=False, token_expires_at__lte=moment + within
    ).order_by("token_expires_at")


def deliveries_at_risk(now: datetime, within: timedelta) -> list[tuple[Delivery, list[str]]]:
    """(delivery, problems) for every waiting delivery due by now + within whose channel has a problem."""
    from scheduler.models import Delivery  # imported here: scheduler.models imports platforms.models

    horizon = now + within
    rows = (Delivery.objects.filter(state__in=WATCHED_STATES, due_at__isnull=False, due_at__lte=horizon)
            .filter(~Q(channel__health=Health.OK) | Q(channel__paused_until__gt=now)
                    | Q(channel__token_expires_at__lte=horizon))
            .select_related("channel", "workspace", "post").order_by("due_at", "pk"))
    found = [(delivery, channel_problems(delivery.channel, delivery.due_at, now)) for delivery in rows]
    return [(delivery, problems) for delivery, problems in found if problems]


def notices_open(workspace: Workspace, now: datetime | None = None) -> QuerySet[Notice]:
    """Undismissed notices whose post still waits and whose problem still holds: a reconnect, a
    lifted pause or a renewed login makes the warning disappear without anyone dismissing it."""
    moment = now or timezone.now()
    still = (
        (Q(kind=NoticeKind.NEEDS_RECONNECT) & ~Q(channel__health=Health.OK))
        | (Q(kind=NoticeKind.PAUSED) & Q(channel__paused_until__gt=moment))
        | (Q(kind=NoticeKind.TOKEN_EXPIRED) & (Q(channel__token_expires_at__lte=moment)
                                               | Q(channel__token_expires_at__lte=F("delivery__due_at"))))
    )
    return (Notice.objects.filter(workspace=workspace, dismissed_at__isnull=True,
                                  delivery__state__in=STILL_WAITING_STATES)
            .filter(still).select_related("channel").order_by("-created_at", "-pk"))
