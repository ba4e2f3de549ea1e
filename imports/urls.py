"""Bulk import pages, relative to /w/<slug>/import/."""

from django.urls import path  # noqa: F401

app_name = "imports"
urlpatterns: list = []
