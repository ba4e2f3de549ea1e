"""Outside reviewers' pages (no login; the signed link is the key), at /review/."""

from django.urls import path  # noqa: F401

app_name = "review"
urlpatterns: list = []
