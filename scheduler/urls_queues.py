"""Posting queue pages, relative to /w/<slug>/queues/."""

from django.urls import path  # noqa: F401

app_name = "queues"
urlpatterns: list = []
