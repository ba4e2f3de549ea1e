"""The composer's URLs, relative to w/<slug:slug>/ (the lead includes this module there)."""

from django.urls import path

from scheduler import views_composer

app_name = "composer"
urlpatterns = [
    path("compose/", views_composer.compose, name="compose"),
    path("compose/submit/", views_composer.submit, name="submit"),
    path("compose/counter/", views_composer.counter, name="counter"),
    path("compose/preview/", views_composer.preview, name="preview"),
    path("compose/autosave/", views_composer.autosave, name="autosave"),
]
