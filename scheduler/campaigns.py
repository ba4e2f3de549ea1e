"""Campaign writes: create, change, archive, delete, and tailoring one post per audience.

Every field is cleaned here, so the campaign pages and the API accept exactly the same input (the API's
serializer calls the same `clean_*` functions to report errors per field). Posts keep existing when their
campaign is deleted: they lose the campaign and, with it, their audience.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from scheduler.models import Campaign, Delivery, DeliveryState, Post, Variant
from workspaces.audit import audit_record
from workspaces.models import Workspace

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
# Placeholders a UTM default may carry, filled per delivery by scheduler.rendering.link_with_tracking.
UTM_PLACEHOLDERS = ("{platform}", "{audience}")
CAMPAIGN_FIELDS = ("name", "goal", "starts_on", "ends_on", "utm_defaults", "labels", "audiences")
NAME_MAX, GOAL_MAX = 200, 5000
UTM_VALUE_MAX = 100
LABEL_MAX, LABELS_MAX = 50, 30
AUDIENCE_ATTRIBUTES = ("region", "language", "climate")
AUDIENCE_NAME_MAX, AUDIENCE_KEY_MAX, ATTRIBUTE_MAX, AUDIENCES_MAX = 100, 50, 100, 30
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_BRACED = re.compile(r"\{[^{}]*\}")
# Fields copied onto each tailored copy; the copy then belongs to its audience and is edited on its own.
_COPIED_FIELDS = ("text", "link", "media", "thread", "first_comment", "quote_of", "poll_options", "poll_minutes")
_COPIED_VARIANT_FIELDS = ("text", "link", "media", "thread", "first_comment", "options")


# -- cleaning (shared with api.serializers) -------------------------------------------------------


def clean_utm_defaults(value: Any) -> dict[str, str]:
    """Only the five utm_ keys; values without spaces, at most 100 characters; empty values dropped."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError(_("UTM defaults must be an object such as {\"utm_source\": \"newsletter\"}."),
                              code="utm")
    unknown = sorted(str(key) for key in value if key not in UTM_KEYS)
    if unknown:
        raise ValidationError(_("Unknown UTM parameter(s) %(unknown)s; use %(known)s.")
                              % {"unknown": ", ".join(unknown), "known": ", ".join(UTM_KEYS)}, code="utm")
    cleaned: dict[str, str] = {}
    for key in UTM_KEYS:
        raw = value.get(key)
        if raw is None:
            continue
        if not isinstance(raw, str):
            raise ValidationError(_("%(key)s must be text.") % {"key": key}, code="utm")
        text = raw.strip()
        if text:
            cleaned[key] = _utm_value(key, text)
    return cleaned


def _utm_value(key: str, text: str) -> str:
    if len(text) > UTM_VALUE_MAX:
        raise ValidationError(_("%(key)s is longer than %(max)d characters.") % {"key": key, "max": UTM_VALUE_MAX},
                              code="utm")
    if any(char.isspace() for char in text):
        raise ValidationError(_("%(key)s contains a space; use - or _ instead (for example spring-sale).")
                              % {"key": key}, code="utm")
    for token in _BRACED.findall(text):
        if token not in UTM_PLACEHOLDERS:
            raise ValidationError(_("%(key)s: %(token)s is not a placeholder; use %(known)s.")
                                  % {"key": key, "token": token, "known": " or ".join(UTM_PLACEHOLDERS)},
                                  code="utm")
    return text


def clean_labels(value: Any) -> list[str]:
    """A list of labels (or one comma-separated string): trimmed, duplicates (any case) and blanks dropped."""
    if value in (None, ""):
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValidationError(_("Labels must be a list of words."), code="labels")
    labels: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ValidationError(_("Each label must be text."), code="labels")
        label = " ".join(item.split())
        if "," in label:
            raise ValidationError(_("A label cannot contain a comma: %(label)s") % {"label": label}, code="labels")
        if len(label) > LABEL_MAX:
            raise ValidationError(_("The label %(label)s… is longer than %(max)d characters.")
                                  % {"label": label[:20], "max": LABEL_MAX}, code="labels")
        if label and label.casefold() not in {known.casefold() for known in labels}:
            labels.append(label)
    if len(labels) > LABELS_MAX:
        raise ValidationError(_("A campaign has at most %(max)d labels.") % {"max": LABELS_MAX}, code="labels")
    return labels


def clean_audiences(value: Any) -> list[dict[str, Any]]:
    """[{"key", "name", "attributes": {"region", "language", "climate"}}]; the key is a unique slug.

    A blank key is made from the name. The flat shape {"name", "region", …} older API clients sent is accepted.
    """
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple):
        raise ValidationError(_("Audiences must be a list."), code="audiences")
    if len(value) > AUDIENCES_MAX:
        raise ValidationError(_("A campaign has at most %(max)d audiences.") % {"max": AUDIENCES_MAX},
                              code="audiences")
    audiences: list[dict[str, Any]] = []
    for number, item in enumerate(value, start=1):
        audience = _audience(number, item)
        if any(known["key"] == audience["key"] for known in audiences):
            raise ValidationError(_("Two audiences have the key %(key)s; each audience needs its own key.")
                                  % {"key": audience["key"]}, code="audiences")
        audiences.append(audience)
    return audiences


def _audience(number: int, item: Any) -> dict[str, Any]:
    where = _("Audience %(number)d") % {"number": number}
    if not isinstance(item, dict):
        raise ValidationError(_("%(where)s must be an object with a name.") % {"where": where}, code="audiences")
    flat = {name: item[name] for name in AUDIENCE_ATTRIBUTES if name in item}
    unknown = sorted(str(key) for key in item if key not in ("key", "name", "attributes", *AUDIENCE_ATTRIBUTES))
    attributes = item.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise ValidationError(_("%(where)s: attributes must be an object.") % {"where": where}, code="audiences")
    unknown += sorted(str(key) for key in attributes if key not in AUDIENCE_ATTRIBUTES)
    if unknown:
        raise ValidationError(_("%(where)s: unknown field(s) %(fields)s; an audience has a key, a name and the "
                                "attributes %(known)s.") % {"where": where, "fields": ", ".join(unknown),
                                                            "known": ", ".join(AUDIENCE_ATTRIBUTES)},
                              code="audiences")
    name = _text(item.get("name"), where, _("name"), AUDIENCE_NAME_MAX)
    if not name:
        raise ValidationError(_("%(where)s needs a name.") % {"where": where}, code="audiences")
    key = slugify(_text(item.get("key"), where, _("key"), AUDIENCE_KEY_MAX) or name)[:AUDIENCE_KEY_MAX].strip("-_")
    if not _KEY.match(key):
        raise ValidationError(_("%(where)s needs a key made of letters a-z, digits, - or _ (for example dach).")
                              % {"where": where}, code="audiences")
    merged = {**flat, **attributes}
    return {"key": key, "name": name,
            "attributes": {attr: _text(merged.get(attr), where, attr, ATTRIBUTE_MAX) for attr in AUDIENCE_ATTRIBUTES}}


def _text(raw: Any, where: str, field: str, limit: int) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise ValidationError(_("%(where)s: %(field)s must be text.") % {"where": where, "field": field},
                              code="audiences")
    text = " ".join(raw.split())
    if len(text) > limit:
        raise ValidationError(_("%(where)s: %(field)s is longer than %(max)d characters.")
                              % {"where": where, "field": field, "max": limit}, code="audiences")
    return text


def audience_keys(campaign: Campaign | None) -> list[str]:
    return [a.get("key") for a in (campaign.audiences if campaign else None) or [] if isinstance(a, dict)]


def check_post_audience(campaign: Campaign | None, audience: str) -> None:
    """A post may target one audience of its own campaign, or nobody in particular ("")."""
    if audience and audience not in audience_keys(campaign):
        if campaign is None:
            raise ValidationError(_("Pick a campaign before an audience: audiences belong to a campaign."),
                                  code="audience")
        raise ValidationError(_("The campaign %(campaign)s has no audience %(key)s; pick one of its audiences or "
                                "none.") % {"campaign": campaign.name, "key": audience}, code="audience")


# -- writes ---------------------------------------------------------------------------------------

_CLEANERS = {"utm_defaults": clean_utm_defaults, "labels": clean_labels, "audiences": clean_audiences}


def _apply(campaign: Campaign, changes: dict[str, Any]) -> None:
    unknown = set(changes) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValueError(f"A campaign has no field(s) {', '.join(sorted(unknown))}.")
    errors: dict[str, list[ValidationError]] = {}
    for name, value in changes.items():
        try:
            value = _CLEANERS[name](value) if name in _CLEANERS else value
        except ValidationError as error:
            errors[name] = error.error_list
            continue
        setattr(campaign, name, value.strip() if isinstance(value, str) else value)
    if errors:
        raise ValidationError(errors)
    _check(campaign)


def _check(campaign: Campaign) -> None:
    if not (campaign.name or "").strip():
        raise ValidationError(_("A campaign needs a name."), code="name")
    if len(campaign.name) > NAME_MAX or len(campaign.goal or "") > GOAL_MAX:
        raise ValidationError(_("The name (%(name)d) or the goal (%(goal)d characters) is too long.")
                              % {"name": NAME_MAX, "goal": GOAL_MAX}, code="length")
    if campaign.starts_on and campaign.ends_on and campaign.ends_on < campaign.starts_on:
        raise ValidationError(_("The campaign ends before it starts; check the dates."), code="dates")


def campaign_create(workspace: Workspace, actor: Any = None, **fields: Any) -> Campaign:
    campaign = Campaign(workspace=workspace)
    _apply(campaign, fields)
    campaign.save()
    audit_record(workspace=workspace, actor=actor, action="campaign.created", target=campaign,
                 details={"name": campaign.name})
    return campaign


def campaign_update(campaign: Campaign, actor: Any = None, **changes: Any) -> Campaign:
    """Change fields. Posts tailored for an audience that is gone lose their audience (they stay in the campaign)."""
    before = {name: getattr(campaign, name) for name in changes if name in CAMPAIGN_FIELDS}
    _apply(campaign, changes)
    with transaction.atomic():
        campaign.save()
        tailored = Post.objects.filter(campaign=campaign).exclude(audience="")
        orphaned = tailored.exclude(audience__in=audience_keys(campaign)).update(audience="")
    changed = sorted(name for name, value in before.items() if getattr(campaign, name) != value)
    audit_record(workspace=campaign.workspace_id, actor=actor, action="campaign.updated", target=campaign,
                 details={"fields": changed, "posts_lost_audience": orphaned})
    return campaign


def campaign_archive(campaign: Campaign, actor: Any = None, *, archived: bool = True) -> Campaign:
    """Archive (or restore) a campaign: it leaves the lists and the composer's picker; posts are untouched."""
    if archived == (campaign.archived_at is not None):
        return campaign
    campaign.archived_at = timezone.now() if archived else None
    campaign.save(update_fields=["archived_at"])
    audit_record(workspace=campaign.workspace_id, actor=actor, target=campaign,
                 action="campaign.archived" if archived else "campaign.restored")
    return campaign


def campaign_delete(campaign: Campaign, actor: Any = None) -> None:
    """Delete the campaign; its posts stay, without a campaign or an audience."""
    workspace_id, pk, name = campaign.workspace_id, campaign.pk, campaign.name
    with transaction.atomic():
        unlinked = Post.objects.filter(campaign=campaign).update(campaign=None, audience="")
        campaign.delete()
    campaign.pk = pk  # so the audit row still names the deleted campaign's id
    audit_record(workspace=workspace_id, actor=actor, action="campaign.deleted", target=campaign,
                 target_label=name, details={"posts_unlinked": unlinked})


def campaign_tailor_post(post: Post, actor: Any = None) -> list[Post]:
    """One draft copy of `post` per audience of its campaign, each on the same channels, for the marketer to edit.

    Audiences that already have a copy of this post are skipped, so running it twice creates nothing new.
    """
    campaign = post.campaign
    if campaign is None or not campaign.audiences:
        raise ValidationError(_("This post's campaign has no audiences to tailor it for."), code="no_audiences")
    if post.audience:
        raise ValidationError(_("This post is already the copy for one audience; tailor the original post."),
                              code="already_tailored")
    with transaction.atomic():
        Post.objects.select_for_update().filter(pk=post.pk).first()  # two clicks at once make one set of copies
        done = set(post.tailored_copies.values_list("audience", flat=True))
        copies = [_copy_for(post, key, actor) for key in audience_keys(campaign) if key not in done]
    if copies:
        audit_record(workspace=post.workspace_id, actor=actor, action="post.tailored", target=post,
                     details={"campaign": campaign.pk, "copies": {c.audience: c.pk for c in copies}})
    return copies


def _copy_for(post: Post, audience: str, actor: Any) -> Post:
    copy = Post(workspace_id=post.workspace_id, campaign_id=post.campaign_id, audience=audience, tailored_from=post,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
                **{name: getattr(post, name) for name in _COPIED_FIELDS})
    copy.save()
    Variant.objects.bulk_create(
        Variant(post=copy, channel_id=v.channel_id, **{name: getattr(v, name) for name in _COPIED_VARIANT_FIELDS})
        for v in post.variants.all()
    )
    # Drafts on the same channels and (when still ahead) time: the composer opens them ready to adjust and schedule.
    now = timezone.now()
    Delivery.objects.bulk_create(
        Delivery(workspace_id=post.workspace_id, post=copy, channel_id=d.channel_id, state=DeliveryState.DRAFT,
                 due_at=_ahead(d, now), scheduled_for=_ahead(d, now))
        for d in post.deliveries.exclude(state=DeliveryState.CANCELLED)
    )
    return copy


def _ahead(delivery: Delivery, now: Any) -> Any:
    when = delivery.scheduled_for or delivery.due_at
    return when if when and when > now else None
