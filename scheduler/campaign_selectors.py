"""Reads for the campaign pages and the composer's picker, all scoped to one workspace.

The list and the detail page take a constant number of queries whatever the number of campaigns, posts and
deliveries: counts come from one grouped query each, deliveries from one prefetch.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, F, Min, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from scheduler.models import Campaign, Delivery, DeliveryState, Post
from workspaces.models import Workspace

STATUSES = ("active", "upcoming", "past", "archived", "all")


def campaigns_for_workspace(workspace: Workspace) -> QuerySet[Campaign]:
    return Campaign.objects.filter(workspace=workspace)


def campaign_for_workspace(workspace: Workspace, campaign_id: int) -> Campaign | None:
    """One campaign of this workspace, or None: another workspace's id reads as missing."""
    return campaigns_for_workspace(workspace).filter(pk=campaign_id).first()


def picker_campaigns(workspace: Workspace, selected_id: int | None = None) -> list[Campaign]:
    """The composer's choices: campaigns not archived, plus the one the post already has."""
    keep = Q(archived_at__isnull=True) | Q(pk=selected_id) if selected_id else Q(archived_at__isnull=True)
    return list(campaigns_for_workspace(workspace).filter(keep).order_by("name", "pk"))


def campaign_status(campaign: Campaign, today: date) -> str:
    if campaign.archived_at is not None:
        return "archived"
    if campaign.ends_on and campaign.ends_on < today:
        return "past"
    if campaign.starts_on and campaign.starts_on > today:
        return "upcoming"
    return "active"


# Done first, then what is on its way, then what needs a person; cancelled deliveries are left out.
SUMMARY_ORDER = (
    DeliveryState.PUBLISHED, DeliveryState.SCHEDULED, DeliveryState.QUEUED, DeliveryState.SENDING,
    DeliveryState.RETRY_WAIT, DeliveryState.UNKNOWN, DeliveryState.DRAFT, DeliveryState.FAILED,
    DeliveryState.NEEDS_RECONNECT, DeliveryState.NEEDS_CHECK,
)


def state_summary(counts: dict[str, int]) -> str:
    """"12 published, 3 scheduled, 1 failed"."""
    parts = [_("%(count)d %(state)s") % {"count": counts[state], "state": str(state.label).lower()}
             for state in SUMMARY_ORDER if counts.get(state)]
    return ", ".join(parts) or _("nothing scheduled yet")


def _state_counts(workspace_id: int, campaign_ids: list[int]) -> dict[int, Counter]:
    rows = (Delivery.objects.filter(workspace_id=workspace_id, post__campaign_id__in=campaign_ids)
            .values("post__campaign_id", "state").annotate(n=Count("pk")))
    counts: dict[int, Counter] = defaultdict(Counter)
    for row in rows:
        counts[row["post__campaign_id"]][row["state"]] = row["n"]
    return counts


@dataclass
class CampaignRow:
    campaign: Campaign
    status: str
    post_count: int
    states: Counter = field(default_factory=Counter)

    @property
    def summary(self) -> str:
        return state_summary(self.states)

    @property
    def state_badges(self) -> list[tuple[str, Any, int]]:
        return [(state.value, state.label, self.states[state]) for state in SUMMARY_ORDER if self.states[state]]


def campaign_rows(workspace: Workspace, today: date, *, status: str = "", label: str = ""
                  ) -> tuple[list[CampaignRow], list[str]]:
    """The list page's rows (filtered by status and label) and every label in use, for the filter (2 queries).

    Labels live in a JSON list, which SQLite cannot search, and a workspace has tens of campaigns: filter here.
    """
    campaigns = list(campaigns_for_workspace(workspace).annotate(post_count=Count("posts"))
                     .order_by(F("starts_on").desc(nulls_last=True), "name", "pk"))
    labels = sorted({str(x) for c in campaigns for x in c.labels or []}, key=str.casefold)
    wanted = label.casefold()
    rows = [CampaignRow(c, campaign_status(c, today), c.post_count) for c in campaigns
            if not wanted or wanted in {str(x).casefold() for x in c.labels or []}]
    if status == "all":
        pass
    elif status in STATUSES:
        rows = [row for row in rows if row.status == status]
    else:  # the default: everything not archived
        rows = [row for row in rows if row.status != "archived"]
    counts = _state_counts(workspace.pk, [row.campaign.pk for row in rows])
    for row in rows:
        row.states = counts.get(row.campaign.pk, Counter())
    return rows, labels


def campaign_posts(campaign: Campaign) -> QuerySet[Post]:
    """The campaign's posts, earliest due first (undated drafts last), each with its deliveries and channels."""
    deliveries = Delivery.objects.select_related("channel").order_by(F("due_at").asc(nulls_last=True), "pk")
    return (Post.objects.filter(workspace_id=campaign.workspace_id, campaign=campaign)
            .annotate(first_due=Min("deliveries__due_at"))
            .prefetch_related(Prefetch("deliveries", deliveries))
            .order_by(F("first_due").asc(nulls_last=True), "pk"))


def campaign_state_counts(campaign: Campaign) -> Counter:
    return _state_counts(campaign.workspace_id, [campaign.pk]).get(campaign.pk, Counter())


def tailored_audiences(posts: list[Post]) -> dict[int, set[str]]:
    """For each of these posts, the audiences that already have a tailored copy of it (one query)."""
    found: dict[int, set[str]] = defaultdict(set)
    rows = Post.objects.filter(tailored_from__in=[p.pk for p in posts]).values_list("tailored_from_id", "audience")
    for source_id, audience in rows:
        found[source_id].add(audience)
    return found
