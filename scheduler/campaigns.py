"""Campaign writes: create, change, delete. Posts keep existing when their campaign is deleted (campaign=None)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from scheduler.models import Campaign
from workspaces.models import Workspace

CAMPAIGN_FIELDS = ("name", "goal", "starts_on", "ends_on", "utm_defaults", "labels", "audiences")


def _check(campaign: Campaign) -> None:
    if not (campaign.name or "").strip():
        raise ValidationError("A campaign needs a name.", code="name")
    if campaign.starts_on and campaign.ends_on and campaign.ends_on < campaign.starts_on:
        raise ValidationError("The campaign ends before it starts; check the dates.", code="dates")


def _apply(campaign: Campaign, changes: dict[str, Any]) -> None:
    unknown = set(changes) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValueError(f"A campaign has no field(s) {', '.join(sorted(unknown))}.")
    for name, value in changes.items():
        setattr(campaign, name, value)
    _check(campaign)


def campaign_create(workspace: Workspace, **fields: Any) -> Campaign:
    campaign = Campaign(workspace=workspace)
    _apply(campaign, fields)
    campaign.save()
    return campaign


def campaign_update(campaign: Campaign, **changes: Any) -> Campaign:
    _apply(campaign, changes)
    campaign.save()
    return campaign


def campaign_delete(campaign: Campaign) -> None:
    """Delete the campaign; its posts stay, without a campaign (the foreign key is SET_NULL)."""
    with transaction.atomic():
        campaign.delete()
