from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("webhooks/", include("platforms.webhook_urls")),
    path("api/v1/", include("api.urls")),
    path("", include("platforms.media_urls_conf")),  # /m/<signed token>/<name>: public, signed media
    path("", include("workspaces.urls")),
    path("review/", include("approvals.urls_public")),
    path("w/<slug:slug>/approvals/", include("approvals.urls")),
    path("w/<slug:slug>/import/", include("imports.urls")),
    path("w/<slug:slug>/inbox/", include("inbox.urls")),
    path("w/<slug:slug>/campaigns/", include("scheduler.urls_campaigns")),
    path("w/<slug:slug>/queues/", include("scheduler.urls_queues")),
    path("w/<slug:slug>/", include("workspaces.urls_workspace")),
    path("w/<slug:slug>/channels/", include("platforms.urls")),
    path("w/<slug:slug>/media/", include("media.urls")),
    path("w/<slug:slug>/", include("scheduler.urls_calendar")),
    path("w/<slug:slug>/", include("scheduler.urls")),
    path("w/<slug:slug>/", include("scheduler.urls_composer")),
]
