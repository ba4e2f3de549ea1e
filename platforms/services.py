"""Channel writes: connect (OAuth), token refresh, the reconnect flag and disconnect.

Network calls here go through adapters only. The token refresh is the one place that holds a row
lock across an HTTP call, on purpose: X's refresh tokens are single-use, so two workers refreshing
the same channel at once would burn the token and disconnect the account.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from platforms import webhook_events
from platforms.errors import AuthExpired, PlatformError
from platforms.models import Channel, Health, WebhookEvent
from platforms.registry import get_adapter
from platforms.selectors import channel_ref, channels_needing_refresh
from platforms.types import AccountInfo, AuthorizationStart, ChannelRef, Credentials, TokenGrant
from workspaces.audit import audit_record
from workspaces.models import Workspace

__all__ = [
    "channel_connect_finish",
    "channel_connect_grant",
    "channel_connect_pages",
    "channel_connect_pages_start",
    "channel_connect_start",
    "channel_disconnect",
    "channel_mark_needs_reconnect",
    "channel_ref",
    "channel_refresh_expiring",
    "channel_refresh_info",
    "channel_refresh_token",
    "webhook_event_record",
    "webhook_events_store",
]

logger = logging.getLogger(__name__)
LAST_ERROR_MAX = 1000
DISCONNECTED_REASON = "Disconnected by a workspace admin. Connect the account again to publish."
REFRESH_FAILED = "refresh_failed"  # last_error_code of a refresh that may work next time


def channel_connect_start(workspace: Workspace, platform: str, redirect_uri: str) -> AuthorizationStart:
    """Where to send the browser; the caller keeps `state` and `code_verifier` for the callback."""
    return get_adapter(platform).authorization_url(redirect_uri)


def channel_connect_finish(workspace: Workspace, platform: str, code: str, redirect_uri: str,
                           code_verifier: str, *, actor: Any = None) -> Channel:
    """Exchange the code, learn whose account it is, then create or update the channel."""
    adapter = get_adapter(platform)
    grant = adapter.exchange_code(code, redirect_uri, code_verifier)
    account = adapter.verify(_probe(platform, grant))
    channel = _upsert_channel(workspace, platform, account, grant, actor)
    logger.info("Connected %s channel %s in workspace %s", platform, channel.pk, workspace.pk)
    return channel


def channel_connect_grant(workspace: Workspace, platform: str, grant: TokenGrant, *, actor: Any = None) -> Channel:
    """Connect with credentials the admin typed instead of an OAuth redirect (a Bluesky app password
    turned into a session): verify them, then create or update the channel."""
    adapter = get_adapter(platform)
    account = adapter.verify(_probe(platform, grant))
    return _upsert_channel(workspace, platform, account, grant, actor)


def channel_refresh_info(channel: Channel, *, actor: Any = None) -> Channel:
    """Ask the platform about the account again (name, avatar, Pinterest boards, TikTok creator info)."""
    account = get_adapter(channel.platform).verify(channel_ref(channel))
    _apply_account(channel, account)
    channel.save(update_fields=["display_name", "handle", "avatar_url", "platform_info", "updated_at"])
    audit_record(workspace=channel.workspace, actor=actor, action="channel.refreshed", target=channel,
                 details={"platform": channel.platform})
    return channel


def _probe(platform: str, grant: TokenGrant) -> ChannelRef:
    """A channel reference for a grant that belongs to no channel yet (verifying a fresh sign-in)."""
    return ChannelRef(platform=platform, external_id="", handle="",
                      credentials=Credentials(access_token=grant.access_token, refresh_token=grant.refresh_token,
                                              token_secret=grant.token_secret, expires_at=grant.expires_at,
                                              extra=grant.extra))


def channel_connect_pages_start(platform: str, code: str, redirect_uri: str,
                                code_verifier: str) -> tuple[TokenGrant, list[AccountInfo], dict[str, AccountInfo]]:
    """For platforms whose sign-in yields several Pages (Facebook): exchange the code for a user
    token and list the Pages it manages, for the admin to pick from, with the Instagram account
    linked to each Page (Page id -> account) where there is one. Nothing is stored yet."""
    adapter = get_adapter(platform)
    grant = adapter.exchange_code(code, redirect_uri, code_verifier)
    pages = adapter.list_pages(grant.access_token)  # type: ignore[attr-defined]
    linked = {page.account.external_id: page.instagram for page in pages if getattr(page, "instagram", None)}
    return grant, [page.account for page in pages], linked


def channel_connect_pages(workspace: Workspace, platform: str, user_grant: TokenGrant,
                          page_ids: list[str], instagram_page_ids: Iterable[str] = (), *,
                          actor: Any = None) -> list[Channel]:
    """One channel per picked Page, holding that Page's own token, plus an `instagram` channel for
    each Page whose linked Instagram account was picked: Instagram with Facebook Login publishes
    with that same Page token. Pages are listed again with the user token so the Page tokens are
    fresh and never had to wait in the session."""
    adapter = get_adapter(platform)
    wanted, wanted_ig = set(page_ids), set(instagram_page_ids)
    channels = []
    for page in adapter.list_pages(user_grant.access_token):  # type: ignore[attr-defined]
        # Facebook Page tokens do not expire; a "page" holding the member's own token (LinkedIn's member and
        # organizations) keeps the sign-in's expiry and refresh token, so it is refreshed and warned about.
        own = page.access_token == user_grant.access_token
        grant = TokenGrant(access_token=page.access_token, scopes=user_grant.scopes,
                           refresh_token=user_grant.refresh_token if own else "",
                           expires_at=user_grant.expires_at if own else None)
        if page.account.external_id in wanted:
            channels.append(_upsert_channel(workspace, platform, page.account, grant, actor))
        if page.account.external_id in wanted_ig and getattr(page, "instagram", None):
            channels.append(_upsert_channel(workspace, "instagram", page.instagram, grant, actor))
    logger.info("Connected %s channels from %s Pages in workspace %s", len(channels), platform, workspace.pk)
    return channels


def _upsert_channel(workspace: Workspace, platform: str, account: AccountInfo, grant: TokenGrant,
                    actor: Any = None) -> Channel:
    with transaction.atomic():
        channel, created = Channel.objects.select_for_update().get_or_create(
            workspace=workspace, platform=platform, external_id=account.external_id,
            defaults={"display_name": account.display_name},
        )
        was_waiting = not created and channel.health == Health.NEEDS_RECONNECT
        _apply_account(channel, account)
        _apply_grant(channel, grant, keep_secret=False)
        channel.health, channel.last_error, channel.last_error_code = Health.OK, "", ""
        channel.save()
        if was_waiting:
            _resume_deliveries(channel)
    audit_record(workspace=workspace, actor=actor, action="channel.connected" if created else "channel.reconnected",
                 target=channel, details={"platform": platform, "handle": channel.handle})
    return channel


def channel_mark_needs_reconnect(channel: Channel, reason: str, code: str = "auth_expired") -> None:
    """Flag the channel: its token is expired or revoked and only a new connect can fix it."""
    channel.health, channel.last_error = Health.NEEDS_RECONNECT, reason[:LAST_ERROR_MAX]
    channel.last_error_code = (code or "auth_expired")[:64]
    # A plain UPDATE: callers (the publisher) may be inside their own short transaction.
    Channel.objects.filter(pk=channel.pk).update(health=channel.health, last_error=channel.last_error,
                                                 last_error_code=channel.last_error_code, updated_at=timezone.now())
    logger.info("Channel %s needs reconnecting", channel.pk)


def channel_refresh_token(channel: Channel) -> Channel:
    """Refresh the access token under a row lock and return the up-to-date channel.

    If another worker refreshed while we waited for the lock, its result is used and the token
    endpoint is not called again. AuthExpired flags the channel and is re-raised; TransientError and
    the rest leave the channel untouched.
    """
    adapter = get_adapter(channel.platform)
    seen_token = (channel.credentials or {}).get("access_token", "")
    failure: AuthExpired | None = None
    with transaction.atomic():
        locked = Channel.objects.select_for_update().get(pk=channel.pk)
        if (locked.credentials or {}).get("access_token", "") != seen_token:
            return locked  # refreshed by someone else while we waited
        try:
            grant = adapter.refresh(channel_ref(locked))
        except AuthExpired as exc:
            failure = exc  # flag inside the transaction so it commits, raise once outside it
            channel_mark_needs_reconnect(locked, exc.message, exc.platform_code)
        else:
            _apply_grant(locked, grant, keep_secret=True)
            if locked.last_error_code == REFRESH_FAILED:  # this refresh worked: the old complaint is void
                locked.last_error, locked.last_error_code = "", ""
            locked.save(update_fields=["credentials", "token_expires_at", "scopes", "last_error", "last_error_code",
                                       "updated_at"])
    if failure is not None:
        raise failure
    return locked


def channel_refresh_expiring(within: timedelta, now: datetime | None = None) -> dict[str, int]:
    """Refresh every healthy channel whose token expires within `within`; one channel's trouble never
    stops the others. Returns how many were refreshed, flagged for reconnecting, or left to retry."""
    counts = {"refreshed": 0, "needs_reconnect": 0, "retry": 0}
    for channel_id in list(channels_needing_refresh(within, now).values_list("pk", flat=True)):
        channel = Channel.objects.filter(pk=channel_id, health=Health.OK).first()
        if channel is None:
            continue  # flagged or deleted since the list was read
        counts[_refresh_one(channel)] += 1
    return counts


def _refresh_one(channel: Channel) -> str:
    try:
        channel_refresh_token(channel)
    except AuthExpired:
        return "needs_reconnect"  # already flagged by channel_refresh_token
    except Exception as exc:  # noqa: BLE001 - one channel's failure must not stop the batch
        # RateLimited, TransientError and the rest: the token may still be good, so never disconnect;
        # the channel stays in channels_needing_refresh and the next run tries again.
        logger.warning("Refreshing channel %s failed (%s); will retry", channel.pk, type(exc).__name__)
        detail = exc.message if isinstance(exc, PlatformError) else "unexpected error"
        reason = f"Renewing the login failed: {detail}"[:LAST_ERROR_MAX]
        Channel.objects.filter(pk=channel.pk, health=Health.OK).update(
            last_error=reason, last_error_code=REFRESH_FAILED, updated_at=timezone.now())
        return "retry"
    return "refreshed"


def channel_disconnect(channel: Channel, *, actor: Any = None) -> None:
    """Forget the tokens. The channel row stays, so its posts and their history are kept, and its
    scheduled deliveries wait (as for any channel needing reconnection) until it is connected again."""
    channel.credentials, channel.token_expires_at, channel.scopes = {}, None, []
    channel.health, channel.last_error = Health.NEEDS_RECONNECT, DISCONNECTED_REASON
    channel.last_error_code = "disconnected"
    channel.save(update_fields=["credentials", "token_expires_at", "scopes", "health", "last_error",
                                "last_error_code", "updated_at"])
    audit_record(workspace=channel.workspace_id, actor=actor, action="channel.disconnected", target=channel,
                 details={"platform": channel.platform, "handle": channel.handle})
    logger.info("Disconnected channel %s", channel.pk)


def _apply_account(channel: Channel, account: AccountInfo) -> None:
    channel.display_name = account.display_name[:200]
    channel.handle = account.handle[:200]
    channel.avatar_url = account.avatar_url if account.avatar_url.startswith(("https://", "http://")) else ""
    if account.info:
        channel.platform_info = dict(account.info)


def _apply_grant(channel: Channel, grant: TokenGrant, *, keep_secret: bool) -> None:
    """Store a new token. A grant without a refresh token keeps the stored one: X omits it on some
    refreshes, and wiping it would disconnect the channel two hours later."""
    stored: dict[str, Any] = dict(channel.credentials or {})
    stored["access_token"] = grant.access_token
    stored["refresh_token"] = grant.refresh_token or stored.get("refresh_token", "")
    if not keep_secret:
        stored.pop("token_secret", None)  # an OAuth 2.0 token must not be signed as OAuth 1.0a
    if grant.token_secret:
        # OAuth 1.0a (X): the pair never expires and has no refresh token; an older OAuth 2.0 one must go.
        stored["token_secret"], stored["refresh_token"] = grant.token_secret, ""
    stored.update(grant.extra)  # e.g. which login variant the token belongs to
    channel.credentials = stored
    channel.token_expires_at = grant.expires_at
    if grant.scopes:
        channel.scopes = list(grant.scopes)


def _resume_deliveries(channel: Channel) -> None:
    """Let the scheduler release deliveries that waited for this reconnect (if it offers the hook)."""
    try:
        from scheduler import services as scheduler_services
    except ImportError:
        return
    resume = getattr(scheduler_services, "deliveries_resume_for_channel", None)
    if resume is not None:
        resume(channel)


def webhook_event_record(platform: str, raw_body: bytes, payload: dict[str, Any]) -> tuple[WebhookEvent, bool]:
    """Store one verified webhook event unless it was stored before; returns (event, created).

    Race-safe: get_or_create relies on the (platform, event_id) unique constraint, so two workers
    receiving the same re-delivery at once end with one row, and the loser gets that row back.
    """
    account = webhook_events.account_id(platform, payload)
    event, created = WebhookEvent.objects.get_or_create(
        platform=platform, event_id=webhook_events.event_id(payload),
        defaults={"account_id": account, "channel": _webhook_channel(platform, account),
                  "raw_body": bytes(raw_body), "payload": webhook_events.storable(payload)},
    )
    if created:
        logger.info("Stored %s webhook event %s (channel %s)", platform, event.pk, event.channel_id)
    return event, created


def webhook_events_store(raw_body: bytes, events: list[tuple[str, dict[str, Any]]]) -> list[int]:
    """Store verified webhook events in one round trip; returns the primary keys of those newly stored.

    One `INSERT … ON CONFLICT (platform, event_id) DO NOTHING RETURNING id`: atomic on its own (a batch
    is stored whole or not at all), race-safe on the unique constraint, and a replay returns no id. The
    channel is matched inside the statement by the rule of _webhook_channel (the one channel of the
    account, NULL when none or several). Backends without RETURNING fall back to webhook_event_record.
    """
    if not events:
        return []
    if connection.vendor not in ("postgresql", "sqlite") or not connection.features.can_return_columns_from_insert:
        with transaction.atomic():
            recorded = [webhook_event_record(platform, raw_body, payload) for platform, payload in events]
        return [event.pk for event, created in recorded if created]
    fields = {f.name: f for f in WebhookEvent._meta.concrete_fields}
    quote = connection.ops.quote_name
    columns = ", ".join(quote(fields[name].column) for name in
                        ("platform", "event_id", "account_id", "channel", "raw_body", "payload", "received_at"))
    # MIN = MAX: exactly one channel (COUNT in a HAVING clause without GROUP BY needs SQLite 3.39).
    pk, platform_column, account_column = (quote(Channel._meta.get_field(name).column)
                                           for name in ("id", "platform", "external_id"))
    channel = (f"(SELECT CASE WHEN MIN({pk}) = MAX({pk}) THEN MIN({pk}) END FROM {quote(Channel._meta.db_table)} "
               f"WHERE {platform_column} = %s AND {account_column} = %s)")
    body, now = fields["raw_body"].get_db_prep_save(bytes(raw_body), connection), timezone.now()
    rows, params = [], []
    for platform, payload in events:
        account = webhook_events.account_id(platform, payload)
        rows.append(f"(%s, %s, %s, {channel}, %s, %s, %s)")
        params += [platform, webhook_events.event_id(payload), account, platform, account or None, body,
                   fields["payload"].get_db_prep_save(webhook_events.storable(payload), connection),
                   fields["received_at"].get_db_prep_save(now, connection)]
    sql = (f"INSERT INTO {quote(WebhookEvent._meta.db_table)} ({columns}) VALUES {', '.join(rows)} "
           f"ON CONFLICT ({quote(fields['platform'].column)}, {quote(fields['event_id'].column)}) DO NOTHING "
           f"RETURNING {quote(fields['id'].column)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        stored = [row[0] for row in cursor.fetchall()]
    if stored:
        logger.info("Stored %s of %s webhook event(s): %s", len(stored), len(events), stored[:20])
    return stored


def _webhook_channel(platform: str, account: str) -> Channel | None:
    """The one channel connected to this account. Several workspaces may have connected the same
    Page; then none is picked, so no workspace sees another's events by guesswork."""
    if not account:
        return None
    matches = list(Channel.objects.filter(platform=platform, external_id=account)[:2])
    return matches[0] if len(matches) == 1 else None
