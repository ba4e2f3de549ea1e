"""Threads adapter (Threads API on graph.threads.net: plain requests on the HTTP seam)."""

from platforms.threads.adapter import ThreadsAdapter

__all__ = ["ThreadsAdapter"]
