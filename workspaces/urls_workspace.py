"""Workspace admin pages (members, settings, audit log), relative to /w/<slug>/."""

from django.urls import path  # noqa: F401

app_name = "workspace"
urlpatterns: list = []
