"""Bulk import pages, relative to /w/<slug>/import/."""

from django.urls import path

from imports import views

app_name = "imports"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("template.csv", views.template_csv, name="template_csv"),
    path("template.xlsx", views.template_xlsx, name="template_xlsx"),
    path("<int:job_id>/", views.job_detail, name="job"),
    path("<int:job_id>/progress/", views.progress, name="progress"),
    path("<int:job_id>/start/", views.start, name="start"),
    path("<int:job_id>/resume/", views.resume, name="resume"),
]
