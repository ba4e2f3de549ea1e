"""Pinterest (API v5): pins on a board from images, carousels or a video; publish-only (no inbox API)."""

from platforms.pinterest.adapter import PinterestAdapter

__all__ = ["PinterestAdapter"]
