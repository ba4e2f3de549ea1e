"""The inbox page: the list of conversations (left) and one conversation (right), both live.

Every member reads; admins and community managers work it (inbox/views_actions.py). The list and the open
thread are polled by htmx every 5 s while the tab is visible; the reply box and the action forms are not
part of what is polled, so nothing a person is typing is ever replaced. Without JavaScript every link and
form still works as a plain page. Filters live in the query string, so a bookmark is a saved view.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from inbox import presence, selectors, triage
from inbox.models import Conversation, InboxItem, ItemKind
from platforms.selectors import channels_for_workspace
from scheduler.views_pages import workspace_zone
from workspaces.access import workspace_view
from workspaces.models import Role

WORKERS = triage.WORKER_ROLES
# Marketers read the inbox, so they show up as viewing; viewers and approvers do not ping at all.
PRESENCE_ROLES = (*WORKERS, Role.MARKETER)
OPEN_PARAM = "conversation"
KIND_FILTERS = [(ItemKind.COMMENT, _("Comments")), (ItemKind.REPLY, _("Replies")), (ItemKind.MENTION, _("Mentions")),
                (ItemKind.MESSAGE, _("Direct messages"))]
SENTIMENT_FILTERS = [("negative", _("Negative")), ("neutral", _("Neutral")), ("positive", _("Positive"))]


def conversation_or_404(request: HttpRequest, conversation_id: int) -> Conversation:
    found = selectors.conversation_for_workspace(request.workspace, conversation_id, request.user)
    if found is None:
        raise Http404("No such conversation.")
    return found


def can_work(request: HttpRequest) -> bool:
    return request.member.role in WORKERS


def page_url(request: HttpRequest, filters: selectors.InboxFilters, conversation_id: int | None = None) -> str:
    extra = {OPEN_PARAM: conversation_id} if conversation_id else {}
    query = filters.query(**extra)
    return reverse("inbox:page", kwargs={"slug": request.workspace.slug}) + (f"?{query}" if query else "")


def filters_of(request: HttpRequest) -> selectors.InboxFilters:
    """The list's filters: from the query string, or (on a form post) from the hidden `back` field."""
    if request.method == "POST":
        from django.http import QueryDict

        return selectors.parse_filters(QueryDict(request.POST.get("back", "")[:2000]))
    return selectors.parse_filters(request.GET)


def _snooze_presets(zone: Any, now: datetime) -> list[tuple[str, str, datetime]]:
    local = timezone.localtime(now, zone)
    nine = local.replace(hour=9, minute=0, second=0, microsecond=0)
    tomorrow = nine + timedelta(days=1)
    monday = nine + timedelta(days=7 - local.weekday())
    return [("1h", _("In 1 hour"), now + timedelta(hours=1)), ("3h", _("In 3 hours"), now + timedelta(hours=3)),
            ("tomorrow", _("Tomorrow 09:00"), tomorrow.replace(tzinfo=zone)),
            ("monday", _("Next Monday 09:00"), monday.replace(tzinfo=zone))]


def snooze_presets(request: HttpRequest) -> list[tuple[str, str, datetime]]:
    return _snooze_presets(workspace_zone(request.workspace), timezone.now())


def _reply_target(items: list[InboxItem]) -> InboxItem | None:
    """What the reply box answers: the newest item someone else wrote."""
    theirs = [item for item in items if not item.from_us]
    return theirs[-1] if theirs else None


def thread_context(request: HttpRequest, conversation: Conversation) -> dict[str, Any]:
    timeline = selectors.conversation_timeline(conversation)
    items = [entry.obj for entry in timeline if entry.kind == "item"]
    return {
        "conversation": conversation, "timeline": timeline, "reply_to": _reply_target(items),
        "zone": workspace_zone(request.workspace),
        "present": presence.presence_others(conversation.pk, request.user.pk),
    }


def pane_context(request: HttpRequest, conversation: Conversation | None, filters: selectors.InboxFilters,
                 problems: dict[str, Any] | None = None) -> dict[str, Any]:
    context: dict[str, Any] = {
        "filters": filters, "back": filters.query(), "can_work": can_work(request),
        "can_ping": request.member.role in PRESENCE_ROLES, "zone": workspace_zone(request.workspace),
        "problems": problems or {}, "conversation": conversation,
    }
    if conversation is None:
        return context
    context.update(thread_context(request, conversation))
    context.update({
        "members": selectors.assignable_members(request.workspace),
        "all_tags": selectors.tags_for_workspace(request.workspace),
        "saved_replies": selectors.saved_replies_for_workspace(request.workspace),
        "snooze_presets": snooze_presets(request),
        "tag_names": [tag.name for tag in conversation.tags.all()],
        "open_url": page_url(request, filters, conversation.pk),
    })
    return context


def list_context(request: HttpRequest, filters: selectors.InboxFilters, open_id: int | None = None
                 ) -> dict[str, Any]:
    before = request.GET.get("before", "")[:60]
    page = selectors.conversation_page(request.workspace, request.user, filters, before=before)
    base = reverse("inbox:page", kwargs={"slug": request.workspace.slug})
    tabs = [(key, label, page.counts[key], _with_query(base, filters.query(status=key))) for key, label in
            (("open", _("Open")), ("snoozed", _("Snoozed")), ("done", _("Done")), ("all", _("All")))]
    return {"page": page, "filters": filters, "tabs": tabs, "open_id": open_id, "before": before,
            "zone": workspace_zone(request.workspace), "can_work": can_work(request),
            "list_url": reverse("inbox:list", kwargs={"slug": request.workspace.slug}),
            "page_url": base,
            "query": filters.query(),
            "poll_url": _with_query(reverse("inbox:list", kwargs={"slug": request.workspace.slug}),
                                    filters.query(**{OPEN_PARAM: open_id, "before": before}))}


def render_page(request: HttpRequest, filters: selectors.InboxFilters, conversation: Conversation | None,
                problems: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    if conversation is not None:
        triage.conversation_mark_read(conversation, request.user)
    context = {
        **list_context(request, filters, conversation.pk if conversation else None),
        **pane_context(request, conversation, filters, problems),
        "channels": channels_for_workspace(request.workspace), "kinds": KIND_FILTERS,
        "sentiments": SENTIMENT_FILTERS, "members_filter": selectors.assignable_members(request.workspace),
        "tags_filter": selectors.tags_for_workspace(request.workspace),
        "without_inbox": selectors.channels_without_inbox(request.workspace),
    }
    return render(request, "inbox/page.html", context, status=status)


def _with_query(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


def _open_id(request: HttpRequest) -> int | None:
    raw = request.GET.get(OPEN_PARAM, "")
    return int(raw) if raw.isdigit() and int(raw) < 2**63 else None


@require_safe
@workspace_view()
def page(request: HttpRequest) -> HttpResponse:
    filters, open_id = filters_of(request), _open_id(request)
    conversation = selectors.conversation_for_workspace(request.workspace, open_id, request.user) if open_id else None
    return render_page(request, filters, conversation)


@require_safe
@workspace_view()
def conversation_list(request: HttpRequest) -> HttpResponse:
    """The list partial the page polls (tabs with counts, rows, the unread count for the tab title)."""
    context = list_context(request, filters_of(request), _open_id(request))
    response = render(request, "inbox/_list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_safe
@workspace_view()
def conversation_detail(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """One conversation: the pane for htmx, else the whole page with it open."""
    conversation = conversation_or_404(request, conversation_id)
    filters = filters_of(request)
    if not request.htmx:
        return render_page(request, filters, conversation)
    triage.conversation_mark_read(conversation, request.user)
    response = render(request, "inbox/_conversation.html", pane_context(request, conversation, filters))
    response["HX-Trigger"] = "inbox-read"
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_safe
@workspace_view()
def conversation_thread(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The open thread's items, notes, replies and who else is here: polled while the tab is visible."""
    conversation = conversation_or_404(request, conversation_id)
    triage.conversation_mark_read(conversation, request.user)
    return render(request, "inbox/_thread.html", thread_context(request, conversation))


@require_POST
@workspace_view(*PRESENCE_ROLES)
def presence_ping(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """"I have this open" (every 10 s) or "I am typing a reply" (while typing). Cache only, no database write."""
    conversation = conversation_or_404(request, conversation_id)
    state = request.POST.get("state", "viewing")
    if state == "left":
        presence.presence_leave(conversation.pk, request.user)
    else:
        presence.presence_ping(conversation.pk, request.user, state)
    return render(request, "inbox/_presence.html",
                  {"present": presence.presence_others(conversation.pk, request.user.pk)})
