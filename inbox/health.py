"""Reads for the sync health page: per channel, how inbox collection is doing and why it stopped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from inbox.models import SyncState
from inbox.selectors import platforms_with_inbox
from platforms.models import Channel, Health
from platforms.selectors import channels_for_workspace
from workspaces.models import Workspace


@dataclass(frozen=True)
class ChannelSync:
    channel: Channel
    state: SyncState | None
    stopped: str  # why this channel is not collected at all ("" while it is)
    lag: timedelta | None  # now - last success
    behind: bool  # no success for three sync intervals: something is wrong even without an error

    @property
    def tone(self) -> str:
        if self.stopped:
            return "danger"
        if self.state is not None and (self.state.consecutive_failures or self.behind):
            return "warning"
        return "success" if self.state is not None and self.state.last_success_at else "secondary"


def _stopped(channel: Channel, has_inbox: bool) -> str:
    if not has_inbox:
        return _("This platform has no inbox in SMO.")
    if channel.health == Health.NEEDS_RECONNECT:
        return _("Sync stopped: reconnect the channel.")
    if channel.health == Health.ERROR:
        return _("Sync stopped: the channel has an error. Check it on the channels page.")
    return ""


def sync_health(workspace: Workspace, now: datetime) -> list[ChannelSync]:
    """Every channel of the workspace with its SyncState (None before the first sync tick): two queries."""
    channels = list(channels_for_workspace(workspace))
    states = {s.channel_id: s for s in SyncState.objects.filter(channel__in=[c.pk for c in channels])}
    inbox_platforms = set(platforms_with_inbox())
    interval = timedelta(seconds=float(getattr(settings, "INBOX_SYNC_INTERVAL_SECONDS", 300)))
    rows = []
    for channel in channels:
        state = states.get(channel.pk)
        stopped = _stopped(channel, channel.platform in inbox_platforms)
        success = state.last_success_at if state is not None else None
        lag = now - success if success is not None else None
        behind = not stopped and state is not None and state.last_synced_at is not None and (
            lag is None or lag > 3 * interval)
        rows.append(ChannelSync(channel=channel, state=state, stopped=stopped, lag=lag, behind=behind))
    return rows
