"""What each platform offers, as the screens need to say it: how it connects, whether it has an inbox API,
whether its API needs the platform's approval first, whether it counts a daily quota.

Read from the adapter classes (their capabilities and class attributes), never from a second table.
"""

from __future__ import annotations

from dataclasses import dataclass

from platforms.registry import adapter_class, platform_keys

OAUTH, FORM = "oauth", "form"


@dataclass(frozen=True)
class PlatformFacts:
    key: str
    name: str
    connect: str  # OAUTH (a redirect), FORM (asks something first), "" (no button: through another platform)
    has_inbox: bool
    partner_note: str = ""  # non-empty when the API is open only to partners the platform approved
    daily_quota: int = 0

    @property
    def needs_partner_approval(self) -> bool:
        return bool(self.partner_note)


def platform_facts(key: str) -> PlatformFacts:
    cls = adapter_class(key)
    if getattr(cls, "connected_through", "") or not getattr(cls, "connect_available", True):
        connect = ""
    else:
        connect = FORM if getattr(cls, "connect_form", None) is not None else OAUTH
    note = str(getattr(cls, "partner_approval_note", "") or "") if getattr(cls, "requires_partner_approval",
                                                                           False) else ""
    return PlatformFacts(key=key, name=cls.display_name, connect=connect,
                         has_inbox=bool(cls.capabilities.inbox_kinds), partner_note=note,
                         daily_quota=int(getattr(cls, "daily_quota", 0) or 0))


def all_platform_facts() -> list[PlatformFacts]:
    """Every platform SMO has an adapter for, by name."""
    return sorted((platform_facts(key) for key in platform_keys()), key=lambda facts: facts.name.lower())
