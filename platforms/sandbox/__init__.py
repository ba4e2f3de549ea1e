"""SMO sandbox: a local server that speaks the social platforms' HTTP dialects.

Run it with ``python -m platforms.sandbox``. This package's ``__init__`` deliberately imports
nothing heavy (no aiohttp) because Django settings import :func:`default_platform_origins`.
"""

from __future__ import annotations

from .origins import ORIGIN_PREFIXES, default_platform_origins

__all__ = ["ORIGIN_PREFIXES", "default_platform_origins"]
