"""Outside reviewers' pages (no login; the link's token is the key), at /review/."""

from django.urls import path

from approvals import views_public

app_name = "review"
urlpatterns = [
    path("<str:token>/", views_public.review, name="page"),
]
