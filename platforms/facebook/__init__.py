"""Facebook Pages adapter (Graph API through facebook-sdk on the HTTP seam)."""

from platforms.facebook.adapter import FacebookAdapter

__all__ = ["FacebookAdapter"]
