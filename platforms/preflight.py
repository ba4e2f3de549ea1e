"""Media pre-flight: each platform's media rules as data, and one checker that explains what breaks them.

Checked at compose time (scheduler.services._validate) and again at send time by the engine, after
platforms.media_probe has filled in the numbers. A number that is still unknown (0) is never a failure:
the probe fills it later. Text length is each adapter's own validate(); it is not repeated here.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from urllib.parse import urlsplit

from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from platforms.types import MEDIA_KINDS, MediaItem

MB = 1_000_000  # platforms state limits in decimal megabytes
GB = 1000 * MB

FORMAT_NAMES = {
    "image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WebP", "image/bmp": "BMP",
    "image/tiff": "TIFF", "video/mp4": "MP4", "video/quicktime": "MOV", "video/x-m4v": "M4V",
    "video/x-msvideo": "AVI", "video/x-matroska": "MKV", "video/mpeg": "MPEG", "video/3gpp": "3GP",
}
# The kind as a plural noun inside a sentence ("X accepts photos only as …"), and one item of it ("photo 2").
PLURALS = {"image": gettext_lazy("photos"), "gif": gettext_lazy("GIFs"), "video": gettext_lazy("videos")}
LABELS = {"image": gettext_lazy("photo %(number)d"), "gif": gettext_lazy("GIF %(number)d"),
          "video": gettext_lazy("video %(number)d")}


@dataclass(frozen=True)
class KindRule:
    """What a platform accepts for one kind of media ("image", "gif" or "video"). 0 or "" = no limit."""

    mime_types: tuple[str, ...] = ()  # empty: the platform does not take this kind at all
    max_bytes: int = 0
    max_count: int = 0
    aspect: tuple[str, str] = ("", "")  # narrowest and widest width:height, e.g. ("4:5", "1.91:1")
    min_width: int = 0
    min_height: int = 0
    min_duration_s: float = 0.0
    max_duration_s: float = 0.0


@dataclass(frozen=True)
class MediaRules:
    kinds: Mapping[str, KindRule]
    max_items: int = 0  # all kinds together
    # The kinds one post may carry together: every kind in a post must fall inside one of these sets.
    combinable: tuple[frozenset[str], ...] = ()


# X: https://docs.x.com/x-api/media/quickstart/best-practices ("up to 4 photos, 1 animated GIF or 1 video";
# image 5 MB, GIF 15 MB; video on a Post 0.5 s-20 min and 8 GB for accounts without Premium; video at least
# 32x32 with an aspect ratio between 1:3 and 3:1). The page's 1280x1024 "maximum" contradicts its own
# recommended 720x1280 portrait size, so no maximum is enforced.
X_RULES = MediaRules(
    kinds={
        "image": KindRule(("image/jpeg", "image/png", "image/webp"), max_bytes=5 * MB, max_count=4),
        "gif": KindRule(("image/gif",), max_bytes=15 * MB, max_count=1),
        "video": KindRule(("video/mp4", "video/quicktime"), max_bytes=8 * GB, max_count=1, aspect=("1:3", "3:1"),
                          min_width=32, min_height=32, min_duration_s=0.5, max_duration_s=20 * 60),
    },
    max_items=4,
    combinable=(frozenset({"image"}), frozenset({"gif"}), frozenset({"video"})),
)

# Instagram: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media
# (image: JPEG only, 8 MB, aspect 4:5 to 1.91:1, narrower than 320 px is scaled up so not refused; reels:
# MOV/MP4, 3 s-15 min, 300 MB, aspect 0.01:1 to 10:1; carousels hold up to 10 images and videos mixed).
# GIFs are not a supported format. Later revisions quote 1 GB for reels; 300 MB is the documented floor.
INSTAGRAM_RULES = MediaRules(
    kinds={
        "image": KindRule(("image/jpeg",), max_bytes=8 * MB, max_count=10, aspect=("4:5", "1.91:1")),
        "gif": KindRule(()),
        "video": KindRule(("video/mp4", "video/quicktime"), max_bytes=300 * MB, max_count=10,
                          aspect=("0.01:1", "10:1"), min_duration_s=3, max_duration_s=15 * 60),
    },
    max_items=10,
    combinable=(frozenset({"image", "video"}),),
)

# Facebook Pages: photos (incl. GIF) via /{page}/photos, 4 MB (Graph API page/photos reference; Postiz maps
# subcode 1366046 to "photo over 4 MB"); videos per https://developers.facebook.com/docs/video-api/guides/publishing
# (10 GB, 240 min via resumable upload; formats from /docs/video-api/reference). Up to 10 photos in one post
# and no photo+video mix: https://docs.getlate.dev/resources/media-guidelines/facebook (not a Meta page).
FACEBOOK_RULES = MediaRules(
    kinds={
        "image": KindRule(("image/jpeg", "image/png", "image/bmp", "image/tiff", "image/webp"), max_bytes=4 * MB,
                          max_count=10),
        "gif": KindRule(("image/gif",), max_bytes=4 * MB, max_count=10),
        "video": KindRule(("video/mp4", "video/quicktime", "video/x-m4v", "video/x-msvideo", "video/x-matroska",
                           "video/mpeg", "video/3gpp"), max_bytes=10 * GB, max_count=1, min_duration_s=1,
                          max_duration_s=240 * 60),
    },
    max_items=10,
    combinable=(frozenset({"image", "gif"}), frozenset({"video"})),
)

RULES: dict[str, MediaRules] = {"x": X_RULES, "instagram": INSTAGRAM_RULES, "facebook": FACEBOOK_RULES}


@dataclass(frozen=True)
class _Item:
    number: int  # position in the post, from 1
    media: MediaItem
    kind: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", self.media.kind)

    @property
    def label(self) -> str:
        return str(LABELS[self.kind]) % {"number": self.number}


def check_media(platform_key: str, platform_name: str, media: tuple[MediaItem, ...]) -> list[str]:
    """Every way `media` breaks the platform's rules, one sentence each. Empty = fine (or rules unknown)."""
    rules = RULES.get(platform_key)
    if rules is None or not media:
        return []
    items = [_Item(n, with_mime(m)) for n, m in enumerate(media, start=1)]
    problems = _post_problems(rules, platform_name, items)
    for item in items:
        problems.extend(_item_problems(rules.kinds.get(item.kind, KindRule()), platform_name, item))
    return problems


def with_mime(item: MediaItem) -> MediaItem:
    """Fill a missing MIME type from the URL's extension, so the kind is right before the probe runs."""
    if item.mime_type:
        return item
    guessed = mimetypes.guess_type(urlsplit(item.url).path)[0] or ""
    return replace(item, mime_type=guessed) if guessed.startswith(("image/", "video/")) else item


def _post_problems(rules: MediaRules, name: str, items: list[_Item]) -> list[str]:
    # Kinds the platform refuses outright get their own sentence per item; mixing them is beside the point.
    kinds = {item.kind for item in items if rules.kinds.get(item.kind, KindRule()).mime_types}
    if rules.combinable and not any(kinds <= group for group in rules.combinable):
        return [_("%(platform)s cannot combine %(kinds)s in one post; use up to %(options)s.") % {
            "platform": name, "kinds": _and([str(PLURALS[kind]) for kind in _ordered(kinds)]),
            "options": _combinations(rules)}]
    problems = []
    for kind in _ordered(kinds):
        rule, count = rules.kinds[kind], sum(1 for item in items if item.kind == kind)
        if rule.max_count and count > rule.max_count:
            problems.append(_("%(platform)s allows at most %(limit)s per post; this post has %(count)d.") % {
                "platform": name, "limit": _count(rule.max_count, kind), "count": count})
    if rules.max_items and len(items) > rules.max_items and not problems:
        problems.append(_("%(platform)s allows at most %(limit)d media items per post; this post has %(count)d.")
                        % {"platform": name, "limit": rules.max_items, "count": len(items)})
    return problems


def _combinations(rules: MediaRules) -> str:
    options = []
    for group in rules.combinable:
        accepted = [kind for kind in _ordered(group) if rules.kinds[kind].mime_types]
        if len(accepted) == 1:
            options.append(_count(rules.kinds[accepted[0]].max_count, accepted[0]))
        elif accepted:
            options.append(f"{rules.max_items} " + _and([str(PLURALS[kind]) for kind in accepted]))
    return _or(options)


def _ordered(kinds: set[str] | frozenset[str]) -> list[str]:
    return [kind for kind in MEDIA_KINDS if kind in kinds]


def _count(number: int, kind: str) -> str:
    """"4 photos", "1 video"; the plural noun alone when there is no limit."""
    if not number:
        return str(PLURALS[kind])
    if kind == "image":
        return ngettext("%(count)d photo", "%(count)d photos", number) % {"count": number}
    if kind == "gif":
        return ngettext("%(count)d GIF", "%(count)d GIFs", number) % {"count": number}
    return ngettext("%(count)d video", "%(count)d videos", number) % {"count": number}


def _item_problems(rule: KindRule, name: str, item: _Item) -> list[str]:
    plural = str(PLURALS[item.kind])
    if not rule.mime_types:
        return [_("%(platform)s does not accept %(kinds)s; remove %(item)s.") % {
            "platform": name, "kinds": plural, "item": item.label}]
    media = item.media
    problems = []
    if media.mime_type and media.mime_type not in rule.mime_types:
        problems.append(_("%(platform)s accepts %(kinds)s only as %(formats)s; %(item)s is %(found)s.") % {
            "platform": name, "kinds": plural, "formats": _or([FORMAT_NAMES.get(t, t) for t in rule.mime_types]),
            "item": item.label, "found": FORMAT_NAMES.get(media.mime_type, media.mime_type)})
    if rule.max_bytes and media.size_bytes > rule.max_bytes:
        problems.append(_("%(platform)s accepts %(kinds)s up to %(limit)s; %(item)s is %(size)s.") % {
            "platform": name, "kinds": plural, "limit": _size(rule.max_bytes), "item": item.label,
            "size": _size(media.size_bytes, rule.max_bytes)})
    problems.extend(_shape_problems(rule, name, item))
    problems.extend(_duration_problems(rule, name, item))
    return problems


def _shape_problems(rule: KindRule, name: str, item: _Item) -> list[str]:
    media, plural, problems = item.media, str(PLURALS[item.kind]), []
    if media.width and media.height and all(rule.aspect):
        low, high = (_ratio(text) for text in rule.aspect)
        if not low <= Fraction(media.width, media.height) <= high:
            problems.append(_("%(platform)s accepts %(kinds)s with an aspect ratio between %(low)s and %(high)s; "
                              "%(item)s is %(ratio)s.") % {
                "platform": name, "kinds": plural, "low": rule.aspect[0], "high": rule.aspect[1],
                "item": item.label, "ratio": _ratio_text(media.width, media.height)})
    too_narrow = media.width and media.width < rule.min_width
    too_low = media.height and media.height < rule.min_height
    if too_narrow or too_low:
        problems.append(_("%(platform)s accepts %(kinds)s of at least %(width)dx%(height)d pixels; %(item)s is "
                          "%(found)s.") % {
            "platform": name, "kinds": plural, "width": rule.min_width, "height": rule.min_height,
            "item": item.label, "found": f"{media.width or '?'}x{media.height or '?'}"})
    return problems


def _duration_problems(rule: KindRule, name: str, item: _Item) -> list[str]:
    seconds = item.media.duration_s
    if not seconds or item.kind != "video":
        return []
    too_short = rule.min_duration_s and seconds < rule.min_duration_s
    too_long = rule.max_duration_s and seconds > rule.max_duration_s
    if not (too_short or too_long):
        return []
    return [_("%(platform)s accepts videos from %(low)s to %(high)s long; %(item)s is %(duration)s.") % {
        "platform": name, "low": _duration(rule.min_duration_s), "high": _duration(rule.max_duration_s),
        "item": item.label, "duration": _duration(seconds)}]


def _ratio(text: str) -> Fraction:
    width, height = text.split(":")
    return Fraction(width) / Fraction(height)


def _ratio_text(width: int, height: int) -> str:
    exact = Fraction(width, height)
    if exact.numerator <= 32 and exact.denominator <= 32:
        return f"{exact.numerator}:{exact.denominator}"
    value = width / height
    return f"{value:.2f}".rstrip("0").rstrip(".") + ":1"


def _decimal(text: str) -> str:
    """A number formatted with "." as Python does, shown with the interface language's decimal separator."""
    return text.replace(".", str(get_format("DECIMAL_SEPARATOR")))


def _size(size: int, limit: int = 0) -> str:
    # More decimals only when needed, so "5.0004 MB" never reads as the same number as the 5 MB limit.
    unit, name = (GB, "GB") if max(size, limit) >= GB else (MB, "MB")
    for decimals in (1, 2, 3, 6):
        text = _decimal(f"{size / unit:.{decimals}f}".rstrip("0").rstrip(".")) + f" {name}"
        if not limit or text != _size(limit):
            break
    return text


def _duration(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    if seconds >= 120:
        return _("%(count)s minutes") % {"count": _decimal(f"{seconds / 60:.1f}")}
    text = f"{seconds:.1f}".removesuffix(".0")
    return ngettext("%(count)s second", "%(count)s seconds", 1 if text == "1" else 2) % {"count": _decimal(text)}


def _and(words: list[str]) -> str:
    """"photos and videos"; three words as "photos and GIFs and videos"."""
    joined = words[0]
    for word in words[1:]:
        joined = _("%(first)s and %(second)s") % {"first": joined, "second": word}
    return joined


def _or(words: list[str]) -> str:
    """"JPEG, PNG or WebP"."""
    if len(words) == 1:
        return words[0]
    return _("%(items)s or %(last)s") % {"items": ", ".join(words[:-1]), "last": words[-1]}
