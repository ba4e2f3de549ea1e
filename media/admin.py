from django.contrib import admin

from media.models import MediaAsset


@admin.register(MediaAsset)
class MediaAssetAdmin(admin.ModelAdmin):
    list_display = ("original_name", "workspace", "mime_type", "size_bytes", "created_at")
    list_filter = ("workspace", "mime_type")
    search_fields = ("original_name", "path")
    # Files are written and cleaned only by media.services; the admin may fix alt text, nothing else.
    readonly_fields = ("workspace", "path", "original_name", "mime_type", "size_bytes", "width", "height",
                       "duration_s", "thumbnail", "uploaded_by", "created_at")
