"""The outside reviewer's page at /review/<token>/: no login, the link is the key.

A link that is unknown, expired, used or whose request was decided or voided gets a friendly page (404 for
an unknown token, 410 for the others) instead of an error. Pages carry no-store and noindex, and the site's
Referrer-Policy (same-origin) keeps the token out of requests to the links and images shown.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from approvals import services
from approvals.models import ReviewerLink
from approvals.selectors import snapshot_previews
from scheduler.views_pages import workspace_zone

CLOSED_STATUS = {"unknown": 404, "expired": 410, "used": 410, "closed": 410}


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _closed(request: HttpRequest, error: services.ReviewLinkClosed) -> HttpResponse:
    link = error.link
    context = {"reason": error.reason, "approval": link.request if link else None, "link": link,
               "zone": workspace_zone(link.request.workspace) if link else None}
    return _private(render(request, "approvals/review_closed.html", context, status=CLOSED_STATUS[error.reason]))


def _page(request: HttpRequest, link: ReviewerLink, *, comment: str = "", error: str = "",
          status: int = 200) -> HttpResponse:
    approval = link.request
    context = {
        "link": link,
        "approval": approval,
        "workspace": approval.workspace,
        "previews": snapshot_previews(approval.snapshot),
        "comment": comment,
        "error": error,
        "zone": workspace_zone(approval.workspace),
    }
    return _private(render(request, "approvals/review.html", context, status=status))


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = services.reviewer_link_open(token)
    except services.ReviewLinkClosed as closed:
        return _closed(request, closed)
    if request.method != "POST":
        return _page(request, link)
    decision, comment = request.POST.get("decision", ""), request.POST.get("comment", "")
    if decision not in ("approve", "reject"):
        return _page(request, link, comment=comment, error="choose", status=422)
    try:
        approval = services.reviewer_decide(token, decision == "approve", comment)
    except services.ReviewLinkClosed as closed:
        return _closed(request, closed)
    return _private(render(request, "approvals/review_done.html", {"approval": approval, "link": link}))
