"""Routes for signed public media URLs; smo/urls.py includes this at the site root (no login)."""

from django.urls import path

from platforms import media_views
from platforms.media_urls import URL_PREFIX

app_name = "public_media"  # "media" is the media library (media/urls.py)
urlpatterns = [
    path(f"{URL_PREFIX}/<str:token>/<str:filename>", media_views.serve_media, name="serve"),
]
