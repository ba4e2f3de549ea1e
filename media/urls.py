"""Media library routes, relative to w/<slug:slug>/media/ (smo/urls.py includes them there)."""

from django.urls import path

from media import views

app_name = "media"
urlpatterns = [
    path("", views.library, name="library"),
    path("upload/", views.upload, name="upload"),
    path("picker.json", views.picker, name="picker"),
    path("<int:asset_id>/alt-text/", views.alt_text, name="alt_text"),
    path("<int:asset_id>/delete/", views.delete, name="delete"),
    path("<int:asset_id>/file/", views.asset_file, name="file"),
    path("<int:asset_id>/thumbnail/", views.thumbnail, name="thumbnail"),
]
