"""LinkedIn (Posts API). The registry imports `platforms.linkedin.LinkedInAdapter`."""

from platforms.linkedin.adapter import LinkedInAdapter

__all__ = ["LinkedInAdapter"]
