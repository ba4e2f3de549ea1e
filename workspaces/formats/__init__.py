"""Date and number formats per interface language (settings.FORMAT_MODULE_PATH = ["workspaces.formats"]).

Only what differs from Django's own locale formats is set here; everything else falls back to them.
"""
