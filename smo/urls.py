from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("webhooks/", include("platforms.webhook_urls")),
    path("api/v1/", include("api.urls")),
    path("", include("platforms.media_urls_conf")),  # /m/<signed token>/<name>: public, signed media
    path("", include("workspaces.urls")),
    path("w/<slug:slug>/channels/", include("platforms.urls")),
    path("w/<slug:slug>/media/", include("media.urls")),
    path("w/<slug:slug>/", include("scheduler.urls_calendar")),
    path("w/<slug:slug>/", include("scheduler.urls")),
    path("w/<slug:slug>/", include("scheduler.urls_composer")),
]
