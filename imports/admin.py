from django.contrib import admin

from imports.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("filename", "workspace", "state", "total_rows", "processed_rows", "created_count", "created_at")
    list_filter = ("state", "format")
    search_fields = ("filename", "workspace__name")
    exclude = ("content",)  # the raw file: megabytes of bytes, useless in a form
    readonly_fields = ("workspace", "created_by", "filename", "format", "language", "total_rows", "valid_rows",
                       "processed_rows", "created_count", "errors", "warnings", "started_at", "finished_at")
