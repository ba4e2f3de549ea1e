from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from workspaces.models import Workspace

ALT_TEXT_MAX = 1000  # X's limit; the strictest of the platforms we publish to


class MediaAsset(models.Model):
    """A file in a workspace's library. `path` is relative to MEDIA_ROOT: the same form Post.media items use."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="media_assets")
    path = models.CharField(_("file"), max_length=300, unique=True)
    original_name = models.CharField(_("original name"), max_length=255)
    mime_type = models.CharField(_("type"), max_length=100)
    size_bytes = models.PositiveBigIntegerField(_("size"))
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    duration_s = models.FloatField(default=0.0)
    alt_text = models.TextField(_("alt text"), max_length=ALT_TEXT_MAX, blank=True)
    thumbnail = models.CharField(_("thumbnail"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="media_asset_ws_created")]

    def __str__(self) -> str:
        return self.original_name

    @property
    def kind(self) -> str:
        if self.mime_type.startswith("video/"):
            return "video"
        return "gif" if self.mime_type == "image/gif" else "image"
