"""Public webhook endpoints, outside /w/<slug>/: a platform does not know our workspaces."""

from django.urls import path

from platforms import webhooks

app_name = "webhooks"
urlpatterns = [
    path("meta/", webhooks.meta_webhook, name="meta"),
    path("x/", webhooks.x_webhook, name="x"),
    # Also without the slash: an operator may register the URL either way, and APPEND_SLASH cannot
    # redirect a POST (Meta and X would not follow it anyway).
    path("meta", webhooks.meta_webhook),
    path("x", webhooks.x_webhook),
]
