"""Campaign pages, relative to /w/<slug>/campaigns/."""

from django.urls import path

from scheduler import views_campaigns as views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_new, name="new"),
    path("audience-select/", views.audience_select, name="audience_select"),
    path("<int:campaign_id>/", views.campaign_detail, name="detail"),
    path("<int:campaign_id>/edit/", views.campaign_edit, name="edit"),
    path("<int:campaign_id>/archive/", views.campaign_archive_view, name="archive"),
    path("<int:campaign_id>/delete/", views.campaign_delete_view, name="delete"),
    path("<int:campaign_id>/posts/<int:post_id>/tailor/", views.campaign_tailor, name="tailor"),
]
