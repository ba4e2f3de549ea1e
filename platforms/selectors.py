"""Channel reads. Every query is scoped to a workspace, except the engine's own maintenance reads."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from platforms.models import Channel, Health
from platforms.types import ChannelRef, Credentials
from workspaces.models import Workspace

CREDENTIAL_FIELDS = ("access_token", "refresh_token", "token_secret")


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
