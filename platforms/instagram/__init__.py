"""Instagram adapter (Instagram API with Facebook Login: Graph API through facebook-sdk on the HTTP seam)."""

from platforms.instagram.adapter import InstagramAdapter

__all__ = ["InstagramAdapter"]
