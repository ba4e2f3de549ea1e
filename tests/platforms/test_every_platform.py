"""What every registered platform must offer the rest of SMO, checked over the registry so a new adapter
cannot forget a piece: the protocol's methods, real limits, a preview card, sane option fields, and a plain
NotSupported (never a crash or a silent empty inbox) where the platform has no inbox API."""

from __future__ import annotations

import inspect

import pytest
from django.template.loader import get_template

from platforms.base import Adapter
from platforms.errors import NotSupported
from platforms.options import KINDS
from platforms.registry import _ADAPTERS, adapter_class
from platforms.types import ChannelRef, Credentials, ReplyTarget

PLATFORMS = sorted(_ADAPTERS)
PROTOCOL = [name for name, _ in inspect.getmembers(Adapter, inspect.isfunction) if not name.startswith("_")]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_adapter_implements_the_protocol_with_real_limits(platform: str) -> None:
    cls = adapter_class(platform)
    assert cls.platform == platform and cls.display_name
    missing = [name for name in PROTOCOL if not callable(getattr(cls, name, None))]
    assert not missing, f"{platform} lacks {missing}"
    assert cls.capabilities.text_limit > 0 and cls.capabilities.length_rule


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_composer_has_a_preview_card_for_it(platform: str) -> None:
    get_template(f"scheduler/composer_preview_{platform}.html")


@pytest.mark.parametrize("platform", PLATFORMS)
def test_its_option_fields_are_well_formed(platform: str) -> None:
    fields = getattr(adapter_class(platform), "option_fields", ())
    names = [spec.name for spec in fields]
    assert len(names) == len(set(names))
    for spec in fields:
        assert spec.kind in KINDS and str(spec.label)
        assert not (spec.choices and spec.choices_from), f"{platform}.{spec.name}: fixed or channel choices, not both"


@pytest.mark.parametrize("platform", [p for p in PLATFORMS if not adapter_class(p).capabilities.inbox_kinds])
def test_a_platform_without_an_inbox_api_says_so(platform: str) -> None:
    adapter = adapter_class(platform)()
    channel = ChannelRef(platform=platform, external_id="1", handle="h", credentials=Credentials(access_token="t"))
    with pytest.raises(NotSupported) as fetched:
        adapter.fetch_inbox(channel, "")
    assert adapter_class(platform).display_name in fetched.value.message
    with pytest.raises(NotSupported):
        adapter.reply(channel, ReplyTarget(kind="comment", external_id="c1"), "Thanks!")
