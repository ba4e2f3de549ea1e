"""Approval pages, relative to /w/<slug>/approvals/."""

from django.urls import path  # noqa: F401

app_name = "approvals"
urlpatterns: list = []
