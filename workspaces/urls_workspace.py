"""Workspace admin pages (members, settings, audit log), relative to /w/<slug>/."""

from django.urls import path

from workspaces import views_audit, views_members

app_name = "workspace"
urlpatterns = [
    path("members/", views_members.members, name="members"),
    path("members/add/", views_members.member_add, name="member_add"),
    path("members/<int:member_id>/role/", views_members.member_role, name="member_role"),
    path("members/<int:member_id>/remove/", views_members.member_remove, name="member_remove"),
    path("settings/", views_members.workspace_settings, name="settings"),
    path("audit/", views_audit.audit_log, name="audit"),
    path("audit/export.<str:fmt>", views_audit.audit_export, name="audit_export"),
]
