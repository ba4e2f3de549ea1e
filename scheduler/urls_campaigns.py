"""Campaign pages, relative to /w/<slug>/campaigns/."""

from django.urls import path  # noqa: F401

app_name = "campaigns"
urlpatterns: list = []
