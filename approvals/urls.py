"""Approval pages, relative to /w/<slug>/approvals/."""

from django.urls import path

from approvals import views

app_name = "approvals"
urlpatterns = [
    path("", views.approval_list, name="list"),
    path("posts/<int:post_id>/request/", views.approval_request, name="request"),
    path("<int:request_id>/decide/", views.approval_decide, name="decide"),
    path("<int:request_id>/reviewers/", views.reviewer_invite, name="invite"),
    path("links/<int:link_id>/revoke/", views.reviewer_link_revoke, name="link_revoke"),
]
