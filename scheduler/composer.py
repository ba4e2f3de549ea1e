"""The composer: the form's input, what each channel would receive, and the writes (draft, schedule, publish now).

Drafts are saved first and scheduled second, so a refusal (over the limit, a past time) never loses what was
typed; scheduling itself is scheduler.services.post_schedule, which re-validates every channel. Autosave
finds its draft again by the form's draft key, so saving every few seconds never creates a second post.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from approvals.services import approval_request, post_content_changed
from platforms.health import ChannelHealth, channel_health
from platforms.media_probe import ProbeError
from platforms.models import Channel
from platforms.selectors import channels_for_workspace
from platforms.types import PublishRequest
from scheduler import counter, queues, services
from scheduler.campaign_selectors import campaign_for_workspace
from scheduler.campaigns import audience_keys, check_post_audience
from scheduler.composer_options import options_for, raw_options
from scheduler.models import Campaign, Delivery, DeliveryState, Post, Variant
from scheduler.rendering import render_with
from scheduler.selectors import post_for_workspace
from scheduler.timezones import is_nonexistent, local_to_utc
from workspaces.audit import audit_record
from workspaces.models import Workspace

ACTIONS = ("schedule", "publish_now", "draft", "queue", "request_approval")
DRAFT_KEY_TTL = 24 * 3600
MEDIA_PATH_PREFIX = "media:"  # a line naming a file of ours (Post.media {"path": …}) rather than a URL
EDITABLE_STATES = (DeliveryState.DRAFT, DeliveryState.CANCELLED)
_url = URLValidator(schemes=["http", "https"])


@dataclass
class VariantInput:
    """A channel tab's overrides; None inherits the base post's value."""

    text: str | None = None
    link: str | None = None
    media: list[dict[str, Any]] | None = None
    options: dict[str, Any] = field(default_factory=dict)  # as typed; kept to the platform's fields on use

    @property
    def empty(self) -> bool:
        return self.text is None and self.link is None and self.media is None and not self.options


@dataclass
class ComposeInput:
    text: str = ""
    link: str = ""
    media: list[dict[str, Any]] = field(default_factory=list)
    channel_ids: list[int] = field(default_factory=list)
    variants: dict[int, VariantInput] = field(default_factory=dict)
    at: datetime | None = None  # aware UTC
    post_id: int | None = None
    campaign_id: int | None = None
    audience: str = ""  # the key of one of the campaign's audiences; "" = everybody
    draft_key: str = ""
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # not errors: e.g. a wall time moved by a DST gap
    queued: list[Any] = field(default_factory=list)  # queues.Placement per channel after "Add to queue"

    @property
    def blank(self) -> bool:
        return not (self.text.strip() or self.link or self.media or any(not v.empty for v in self.variants.values()))


# -- parsing --------------------------------------------------------------------------------------


def media_lines(items: list[Any] | None) -> str:
    """Post.media as the textarea shows it: one item a line, `url | alt text`."""
    lines = []
    for item in items or []:
        item = {"url": item} if isinstance(item, str) else item
        where = item.get("url") or f"{MEDIA_PATH_PREFIX}{item.get('path', '')}"
        lines.append(f"{where} | {item['alt_text']}" if item.get("alt_text") else where)
    return "\n".join(lines)


def parse_media(raw: str, label: str, errors: list[str]) -> list[dict[str, Any]]:
    items = []
    for number, line in enumerate(raw.splitlines(), start=1):
        where, _bar, alt = (part.strip() for part in line.partition("|"))
        if not where:
            continue
        if where.startswith(MEDIA_PATH_PREFIX):
            items.append({"path": where.removeprefix(MEDIA_PATH_PREFIX), "alt_text": alt})
            continue
        try:
            _url(where)
        except ValidationError:
            errors.append(_("%(where)s: media line %(number)d is not a web address (http:// or https://).")
                          % {"where": label, "number": number})
            continue
        mime = mimetypes.guess_type(urlsplit(where).path)[0] or ""
        items.append({"url": where, "mime_type": mime if mime.startswith(("image/", "video/")) else "",
                      "alt_text": alt})
    return items


def _link(raw: str, label: str, errors: list[str]) -> str:
    link = raw.strip()
    if link:
        try:
            _url(link)
        except ValidationError:
            errors.append(_("%(where)s: the link is not a web address (http:// or https://).") % {"where": label})
    return link


def _time(raw: str, workspace: Workspace, result: ComposeInput) -> None:
    raw = raw.strip()
    if not raw:
        return
    try:
        local = datetime.fromisoformat(raw)
    except ValueError:
        result.errors.append(_("The time is not a date and time such as 2026-05-04 09:30."))
        return
    if local.tzinfo is not None:  # ?at= from the calendar may carry an offset: an instant, not a wall time
        local = local.astimezone(_zone(workspace)).replace(tzinfo=None)
    result.at = local_to_utc(local, workspace.time_zone)
    if is_nonexistent(local, workspace.time_zone):
        result.notes.append(_("%(time)s does not exist on %(date)s in %(zone)s (the clocks go forward); the post "
                              "goes out when that hour starts.")
                            % {"time": f"{local:%H:%M}", "date": date_format(local, "SHORT_DATE_FORMAT"),
                               "zone": workspace.time_zone})


def _zone(workspace: Workspace) -> ZoneInfo:
    try:
        return ZoneInfo(workspace.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_compose(data: QueryDict, workspace: Workspace) -> ComposeInput:
    result = ComposeInput(text=data.get("text", ""), draft_key=data.get("draft_key", "")[:64])
    result.link = _link(data.get("link", ""), _("Base post"), result.errors)
    result.media = parse_media(data.get("media", ""), _("Base post"), result.errors)
    result.channel_ids = [int(v) for v in data.getlist("channels") if v.isdigit()]
    result.post_id = int(data["post"]) if data.get("post", "").isdigit() else None
    result.campaign_id = int(data["campaign"]) if data.get("campaign", "").isdigit() else None
    result.audience = data.get("audience", "").strip()[:50]
    for channel_id in result.channel_ids:
        result.variants[channel_id] = _variant(data, channel_id, result.errors)
    _time(data.get("at", ""), workspace, result)
    return result


def _variant(data: QueryDict, channel_id: int, errors: list[str]) -> VariantInput:
    prefix, label = f"v{channel_id}-", _("A channel tab")
    text, link, media = (data.get(prefix + name, "") for name in ("text", "link", "media"))
    return VariantInput(
        text=text if text.strip() else None,
        link=_link(link, label, errors) if link.strip() else None,
        media=parse_media(media, label, errors) if media.strip() else None,
        options=raw_options(data, channel_id),
    )


# -- reads ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelChoice:
    channel: Channel
    health: ChannelHealth


def composer_channels(workspace: Workspace) -> list[ChannelChoice]:
    """The workspace's channels, healthy ones first, each with its health verdict (one query)."""
    now = timezone.now()
    choices = [ChannelChoice(c, channel_health(c, now)) for c in channels_for_workspace(workspace)]
    return sorted(choices, key=lambda choice: not choice.health.healthy)


def chosen_channels(workspace: Workspace, data: ComposeInput) -> list[Channel]:
    """The chosen channels of this workspace in a stable order; ids of other workspaces are dropped."""
    if not data.channel_ids:
        return []
    return list(channels_for_workspace(workspace).filter(pk__in=data.channel_ids))


def composer_campaign(workspace: Workspace, data: ComposeInput) -> Campaign | None:
    """The chosen campaign if it is one of this workspace's (another workspace's id reads as none)."""
    return campaign_for_workspace(workspace, data.campaign_id) if data.campaign_id else None


def _unsaved_post(workspace: Workspace, data: ComposeInput, existing: Post | None) -> Post:
    post = Post(workspace=workspace, text=data.text, link=data.link, media=data.media)
    if existing is not None:  # fields the composer does not show yet are kept, so counts match the send
        for name in ("thread", "first_comment", "quote_of", "poll_options", "poll_minutes"):
            setattr(post, name, getattr(existing, name))
    # The campaign's UTM defaults show in the previews; a stale audience (campaign just changed) is left out.
    post.campaign = composer_campaign(workspace, data)
    post.audience = data.audience if data.audience in audience_keys(post.campaign) else ""
    return post


def requests_for(workspace: Workspace, data: ComposeInput, channels: list[Channel]
                 ) -> list[tuple[Channel, Any]]:
    """(channel, builder of its PublishRequest) without touching the database's posts."""
    existing = post_for_workspace(workspace, data.post_id) if data.post_id else None
    post = _unsaved_post(workspace, data, existing)

    def builder(channel: Channel) -> Any:
        v = data.variants.get(channel.pk) or VariantInput()
        variant = Variant(channel=channel, text=v.text, link=v.link, media=v.media,
                          options=options_for(channel, v.options))
        return lambda: render_with(post, channel, variant)

    return [(channel, builder(channel)) for channel in channels]


def compose_counts(workspace: Workspace, data: ComposeInput, channels: list[Channel]) -> list[counter.Count]:
    return [counter.count_or_problem(channel, build) for channel, build in requests_for(workspace, data, channels)]


def compose_previews(workspace: Workspace, data: ComposeInput, channels: list[Channel]
                     ) -> list[tuple[Channel, PublishRequest | None, str]]:
    """(channel, request or None when it cannot be built, the text the platform will show)."""
    previews = []
    for channel, build in requests_for(workspace, data, channels):
        try:
            request = build()
        except ProbeError:  # an unreadable media file: the counter lists it as a problem
            previews.append((channel, None, ""))
            continue
        previews.append((channel, request, counter.shown_text(channel.platform, request)))
    return previews


def local_input_value(moment: datetime | None, workspace: Workspace) -> str:
    """An aware instant as the datetime-local field shows it, on the workspace's wall clock."""
    return moment.astimezone(_zone(workspace)).strftime("%Y-%m-%dT%H:%M") if moment else ""


def prefill_at(raw: str, workspace: Workspace) -> str:
    """?at=<iso> from the calendar, as the field's value; "" when it is not a date."""
    probe = ComposeInput()
    _time(raw or "", workspace, probe)
    return local_input_value(probe.at, workspace)


def draft_form(post: Post) -> dict[str, Any]:
    """What the composer shows for a saved draft: base fields, chosen channels, variant overrides, time."""
    deliveries = list(post.deliveries.exclude(state=DeliveryState.CANCELLED).order_by("pk"))
    variants = {v.channel_id: v for v in post.variants.all()}
    return {
        "text": post.text, "link": post.link, "media": media_lines(post.media),
        "campaign_id": post.campaign_id, "audience": post.audience,
        "channel_ids": [d.channel_id for d in deliveries],
        "variants": {cid: {"text": v.text or "", "link": v.link or "", "media": media_lines(v.media),
                           "options": v.options or {}}
                     for cid, v in variants.items()},
        "at": next((d.scheduled_for or d.due_at for d in deliveries if d.scheduled_for or d.due_at), None),
        "editable": all(d.state in EDITABLE_STATES for d in deliveries),
    }


# -- writes ---------------------------------------------------------------------------------------


def _draft_cache_key(workspace: Workspace, user_id: int | None, draft_key: str) -> str:
    return f"composer:draft:{workspace.pk}:{user_id}:{draft_key}"


def _resolve_post(workspace: Workspace, user_id: int | None, data: ComposeInput) -> Post | None:
    """The draft this form edits: by its id, else by the draft key an earlier autosave registered."""
    drafts = Post.objects.select_for_update().filter(workspace=workspace)
    if data.post_id is not None:
        post = drafts.filter(pk=data.post_id).first()
        if post is None:
            raise ValidationError(_("This draft no longer exists in this workspace."), code="no_post")
        return post
    remembered = cache.get(_draft_cache_key(workspace, user_id, data.draft_key)) if data.draft_key else None
    # A remembered draft that was deleted since is simply gone: this form starts a new one.
    return drafts.filter(pk=remembered).first() if remembered else None


def composer_save_draft(workspace: Workspace, user: Any, data: ComposeInput) -> Post:
    """Create or update the draft: content, one variant per overriding channel, a draft delivery per channel.

    Refused once any delivery left draft: a scheduled post is changed through its page, where the
    publisher's locks apply (services.post_update_content).
    """
    channels = chosen_channels(workspace, data)
    with transaction.atomic():
        post = _resolve_post(workspace, user.pk, data)
        created = post is None
        if post is None:
            post = Post(workspace=workspace, created_by=user)
        elif post.deliveries.exclude(state__in=EDITABLE_STATES).exists():
            raise ValidationError(_("This post is already scheduled or sent; change it from its page."),
                                  code="not_a_draft")
        post.text, post.link, post.media = data.text, data.link, data.media
        _set_campaign(post, workspace, data)
        post.save()
        _save_variants(post, data, channels, user)
        _save_draft_deliveries(post, channels, data.at)
        post_content_changed(post, user)  # the channel set may have changed too: a stale approval is voided
        if created:  # later autosaves of the draft are not logged: they come every few seconds
            audit_record(workspace=workspace, actor=user, action="post.created", target=post)
    if data.draft_key:
        cache.set(_draft_cache_key(workspace, user.pk, data.draft_key), post.pk, DRAFT_KEY_TTL)
    return post


def _set_campaign(post: Post, workspace: Workspace, data: ComposeInput) -> None:
    post.campaign = composer_campaign(workspace, data)
    if data.campaign_id and post.campaign is None:
        raise ValidationError(_("This campaign no longer exists in this workspace; pick another one."),
                              code="no_campaign")
    post.audience = data.audience
    check_post_audience(post.campaign, post.audience)


def _save_variants(post: Post, data: ComposeInput, channels: list[Channel], user: Any = None) -> None:
    """Text, link, media and platform options are edited here: a variant's thread or first comment is kept."""
    overrides = [(channel, data.variants.get(channel.pk) or VariantInput()) for channel in channels]
    services.post_set_variants(post, [{"channel": channel, "text": v.text, "link": v.link, "media": v.media,
                                       "options": options_for(channel, v.options)}
                                      for channel, v in overrides if not v.empty], actor=user)


def _save_draft_deliveries(post: Post, channels: list[Channel], at: datetime | None) -> None:
    ids = [channel.pk for channel in channels]
    Delivery.objects.filter(post=post, state=DeliveryState.DRAFT).exclude(channel_id__in=ids).delete()
    for channel in channels:
        Delivery.objects.update_or_create(
            post=post, channel=channel,
            defaults={"workspace_id": post.workspace_id, "state": DeliveryState.DRAFT, "due_at": at,
                      "scheduled_for": at},
        )


def composer_autosave(workspace: Workspace, user: Any, data: ComposeInput) -> Post | None:
    """Save the draft unless the form is still empty (an untouched composer leaves no empty posts)."""
    if data.blank and data.post_id is None:
        return None
    return composer_save_draft(workspace, user, data)


def composer_submit(workspace: Workspace, user: Any, data: ComposeInput, action: str) -> Post:
    """Save the draft, then do `action`. Raises ValidationError (the draft stays saved) when refused."""
    if action not in ACTIONS:
        raise ValidationError(_("Unknown action."), code="action")
    if data.errors:
        raise ValidationError(data.errors, code="invalid_input")
    post = composer_save_draft(workspace, user, data)
    channels = chosen_channels(workspace, data)
    if action == "draft":
        return post
    if action == "request_approval":
        approval_request(post, user)
        return post
    if action == "queue":  # each channel's next free queue slot; the time field is not used
        data.queued = queues.post_add_to_queue(post, channels, actor=user)
        return post
    if action == "publish_now":
        services.post_schedule(post, channels, timezone.now(), publish_now=True, actor=user)
    elif data.at is None:
        raise ValidationError(_("Pick a date and time to schedule this post, or publish it now."), code="no_time")
    else:
        services.post_schedule(post, channels, data.at, actor=user)
    return post
