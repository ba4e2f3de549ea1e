"""Inbox pages, relative to /w/<slug>/inbox/."""

from django.urls import path  # noqa: F401

app_name = "inbox"
urlpatterns: list = []
